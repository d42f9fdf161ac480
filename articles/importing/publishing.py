"""Imports by someone who may not publish: drafts only.

An import writes each article's status and publication time as the file gives them, so
a file could publish, unpublish or reschedule. Whoever imports without
``articles.publish_article`` may bring drafts only: a file holding a published article,
or a draft that would replace a published one, is refused whole, like any bad file.
"""

from articles.models import Article

from .records import IssueRecord, RecordError

DRAFTS_ONLY = (
    "expected drafts only, since publishing needs the “Can publish, unpublish and schedule "
    "articles” permission"
)


def check_drafts_only(record: IssueRecord) -> None:
    """Refuse the issue's records unless loading them publishes and unpublishes nothing."""
    for article in record.articles:
        if article.status == Article.Status.PUBLISHED:
            raise RecordError(
                article.where, f"{DRAFTS_ONLY}, found the published article {article.headline!r}"
            )
    candidates = {a.where: a.slug_candidates(record.slug) for a in record.articles}
    slugs = {slug for options in candidates.values() for slug in options}
    published = set(
        Article.objects.filter(slug__in=slugs, status=Article.Status.PUBLISHED).values_list(
            "slug", flat=True
        )
    )
    for where, options in candidates.items():
        for slug in published.intersection(options):
            raise RecordError(where, f"{DRAFTS_ONLY}, found a draft that would unpublish {slug!r}")
