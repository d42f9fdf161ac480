"""The shapes of ``articles/counts/`` (``ArticleViewSet.counts``): how many articles any
article query finds, per year, month, issue, author or topic.

The grouping is ``ArticleQuerySet.counts_by()``; the filters are the list's
(``api.filters.ArticleCountsFilter``), so a count and the list it sums agree.
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers

from articles.models import COUNTS_BY, UNDATED

BY = {
    "year": "the year of publication, e.g. `2010`",
    "month": "the month of publication, e.g. `2010-08`",
    "issue": "the issue, e.g. `socialist-worker-2215`",
    "author": "the author, e.g. `esme-choonara`",
    "topic": "the topic, by its slug",
}


class CountsQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=COUNTS_BY,
        error_messages={
            "required": f"Name what to count by: one of {', '.join(COUNTS_BY)}.",
            "invalid_choice": f"Cannot count by “{{input}}”: use one of {', '.join(COUNTS_BY)}.",
        },
    )


@extend_schema_serializer(description="One group of articles and how many there are in it.")
class ArticleCountSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text="The group, always as a string: the year (`2010`), the month (`2010-08`), or "
        "the issue's, author's or topic's slug. Null for articles with no publication time "
        f"(drafts, which only editors see), labelled `{UNDATED}`.",
    )
    label = serializers.CharField(
        help_text="The group for people to read: `2010`, `August 2010`, `Socialist Worker No. "
        "2215`, the author's or the topic's name."
    )
    count = serializers.IntegerField(help_text="How many of the articles asked for are in it.")


@extend_schema_serializer(description="How many articles a query finds, group by group.")
class ArticleCountsSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=COUNTS_BY, help_text="What the articles are grouped by.")
    results = ArticleCountSerializer(
        many=True,
        help_text="The groups with at least one article. By `year` and `month`: oldest first "
        "(undated last); by `issue`: by publication, then issue number; by `author` and "
        "`topic`: most articles first, then by name.",
    )


COUNTS_SCHEMA = extend_schema(
    description="How many articles a query finds, per year, month, issue, author or topic: "
    "for charts and research, e.g. how often the paper mentioned miners each year, "
    "`articles/counts/?q=miners&by=year`, or an author's output per month, "
    "`articles/counts/?author=esme-choonara&by=month`. Every filter of the article list "
    "applies, `q` included, with the same meaning and the same 400s. By `year`, `month` "
    "and `issue` each article is in exactly one group, so the counts add up to the list's "
    "`count` for the same filters. By `author` and `topic` an article counts once for each "
    "of its authors or topics, and not at all without one, so they need not add up. Years "
    "and months are London time, as the `year` filter reads them. Readers other than "
    "editors count published articles only; editors count drafts and scheduled articles "
    "too (drafts without a publication time in the group whose `key` is null). Cached and "
    "revalidated as the lists are.",
    filters=True,
    parameters=[
        OpenApiParameter(
            "by",
            str,
            enum=list(COUNTS_BY),
            required=True,
            description="What to group the articles by: "
            + "; ".join(f"`{name}`, {meaning}" for name, meaning in BY.items())
            + ". Missing or anything else is a 400.",
        )
    ],
    responses={200: ArticleCountsSerializer},
    examples=[
        OpenApiExample(
            "Articles mentioning miners, per year",
            value={
                "by": "year",
                "results": [
                    {"key": "1984", "label": "1984", "count": 212},
                    {"key": "1985", "label": "1985", "count": 97},
                ],
            },
            response_only=True,
        ),
        OpenApiExample(
            "An author's articles, per month",
            value={
                "by": "month",
                "results": [{"key": "2010-08", "label": "August 2010", "count": 3}],
            },
            response_only=True,
        ),
    ],
)
