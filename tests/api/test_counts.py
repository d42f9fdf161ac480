"""Counts over time for any query: ``articles/counts/?by=…`` groups what the article list
finds, so that the year, month and issue counts add up to the list's ``count``."""

import datetime as dt

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.filters import ArticleCountsFilter
from articles.models import Article, Issue
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PublicationFactory,
    TopicFactory,
)

from .utils import clear_cached_answers

COUNTS = "/api/v1/articles/counts/"
LIST = "/api/v1/articles/"
# A valid value for each of the list's filters that selects some of the archive's
# articles and leaves others out. A filter added to the list must get one here.
VALUES = {
    "q": "miners",
    "publication": "socialist-worker",
    "issue": "socialist-worker-2216",
    "issue_number": "2215",
    "author": "esme-choonara",
    "published_after": "2010-08-20",
    "published_before": "2011-01-01T00:00:00+00:00",
    "year": "2010",
    "modified_after": "2000-01-01",
    "modified_before": "2100-01-01",
    "has_image": "true",
    "book": "my-life",
    "topic": "women",
}
# A malformed value for each filter: each must be a 400 naming it.
BAD_VALUES = {
    "q": "x" * 201,
    "publication": "no-such-publication",
    "issue": "no-such-issue",
    "issue_number": "two",
    "author": "no-such-author",
    "published_after": "17/08/2010",
    "published_before": "2010-13-01",
    "year": "10000",
    "modified_after": "yesterday",
    "modified_before": "2010-02-30",
    "has_image": "maybe",
    "book": "no-such-book",
    "topic": "no-such-topic",
}


@pytest.fixture
def archive(seed):
    """The seed (Socialist Worker No. 2215, 17 August 2010, by Esme Choonara) and, around
    it, articles in another issue and publication, with two authors or two topics, one
    published at 23:30 UTC on the last day of a month that is the next day in London; a
    draft with no time, and one scheduled for tomorrow, each with an author, topic and
    issue of its own."""
    sw = Issue.objects.get(slug="socialist-worker-2215").publication
    issue_2216 = IssueFactory(publication=sw, number=2216)
    womens_voice = IssueFactory(publication=PublicationFactory(name="Women’s Voice"), number=7)
    esme = Article.objects.get().authors.get()
    ann, bob = AuthorFactory(name="Ann Rogers"), AuthorFactory(name="Bob Light")
    miners, women = TopicFactory(name="Miners"), TopicFactory(name="Women")
    ArticleFactory(
        issue=issue_2216,
        headline="Miners walk out",
        authors=[ann, bob],
        topics=[miners],
        published_at=dt.datetime(2010, 8, 24, 10, tzinfo=dt.UTC),
    )
    ArticleFactory(
        issue=issue_2216,
        headline="Pits and the union",
        body="The miners voted.",
        authors=[esme],
        topics=[miners, women],
        # 00:30 on 1 April 2011 in London (BST): April's, not March's.
        published_at=dt.datetime(2011, 3, 31, 23, 30, tzinfo=dt.UTC),
    )
    ArticleFactory(
        issue=womens_voice,
        headline="Women organise",
        authors=[ann],
        topics=[women],
        published_at=dt.datetime(1978, 3, 1, 9, tzinfo=dt.UTC),
    )
    draft_issue = IssueFactory(publication=sw, number=2399)
    ArticleFactory(
        issue=draft_issue,
        headline="Draft on the miners",
        status=Article.Status.DRAFT,
        published_at=None,
        authors=[AuthorFactory(name="Drafty Writer")],
        topics=[TopicFactory(name="Secret topic")],
    )
    ArticleFactory(
        issue=issue_2216,
        headline="Scheduled on the miners",
        published_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        authors=[AuthorFactory(name="Future Writer")],
        topics=[miners],
    )


def counts(client, by, **params):
    response = client.get(COUNTS, {"by": by, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["by"] == by
    return [(group["key"], group["label"], group["count"]) for group in body["results"]]


def list_count(client, **params):
    response = client.get(LIST, {**params, "page_size": 1})
    assert response.status_code == 200, response.content
    return response.json()["count"]


PUBLIC = {
    "year": [("1978", "1978", 1), ("2010", "2010", 2), ("2011", "2011", 1)],
    "month": [
        ("1978-03", "March 1978", 1),
        ("2010-08", "August 2010", 2),
        ("2011-04", "April 2011", 1),
    ],
    "issue": [
        ("socialist-worker-2215", "Socialist Worker No. 2215", 1),
        ("socialist-worker-2216", "Socialist Worker No. 2216", 2),
        ("womens-voice-7", "Women’s Voice No. 7", 1),
    ],
    "author": [
        ("ann-rogers", "Ann Rogers", 2),
        ("esme-choonara", "Esme Choonara", 2),
        ("bob-light", "Bob Light", 1),
    ],
    "topic": [("miners", "Miners", 2), ("women", "Women", 2)],
}


@pytest.mark.parametrize("by", PUBLIC)
def test_counts_by_each_grouping_in_its_order(api, archive, by):
    """Years and months oldest first, in London time; issues by publication then number;
    authors and topics most articles first, then by name; drafts and scheduled articles
    left out."""
    assert counts(api, by) == PUBLIC[by]


def test_a_search_counts_its_matches(api, archive):
    """The miners in every article's text, per year: what a researcher's chart asks."""
    assert counts(api, "year", q="miners") == [("2010", "2010", 1), ("2011", "2011", 1)]
    assert counts(api, "topic", q="miners -voted") == [("miners", "Miners", 1)]
    assert counts(api, "year", q="zeppelin") == []


@pytest.mark.parametrize("name", ["", *ArticleCountsFilter.base_filters])
@pytest.mark.parametrize("reader", ["api", "editor_api"])
def test_counts_add_up_to_the_lists_count_for_every_filter(request, archive, name, reader):
    """Each filter of the list, with and without `q`, for readers and editors: each article
    is in one year, month and issue, so the groups add up to the list's `count`."""
    assert name in VALUES or not name, f"give VALUES a value for the list's new filter {name}"
    client = request.getfixturevalue(reader)
    for search in ({}, {"q": "miners"}):
        params = {**search, **({name: VALUES[name]} if name else {})}
        total = list_count(client, **params)
        for by in ("year", "month", "issue"):
            assert sum(count for *_, count in counts(client, by, **params)) == total, by
    if not name:
        assert list_count(client) == (6 if reader == "editor_api" else 4)


def test_filters_combine_as_in_the_list(api, archive):
    params = {"author": ["ann-rogers", "esme-choonara"], "published_after": "2010-08-20"}
    assert counts(api, "year", **params) == [("2010", "2010", 1), ("2011", "2011", 1)]
    assert list_count(api, **params) == 2


def test_editors_count_drafts_and_scheduled_articles(editor_api, archive):
    """A draft has no time: it is in the undated group, last, so the counts still add up."""
    scheduled = Article.objects.get(headline="Scheduled on the miners").published_at
    years = counts(editor_api, "year")
    assert years[-1] == (None, "Undated", 1)
    assert str(timezone.localtime(scheduled).year) in [key for key, *_ in years]
    assert sum(count for *_, count in years) == 6
    assert counts(editor_api, "month")[-1] == (None, "Undated", 1)
    assert ("socialist-worker-2399", "Socialist Worker No. 2399", 1) in counts(editor_api, "issue")
    assert ("drafty-writer", "Drafty Writer", 1) in counts(editor_api, "author")
    assert ("secret-topic", "Secret topic", 1) in counts(editor_api, "topic")
    assert ("miners", "Miners", 3) in counts(editor_api, "topic")


@pytest.mark.parametrize("by", PUBLIC)
def test_a_draft_changes_no_public_count(api, editor_api, archive, by):
    """After an editor has counted with the draft in view, and whatever the draft's
    author, topic, issue or words, readers get the counts they got before it."""
    before = api.get(COUNTS, {"by": by, "q": "miners"}).content
    editor_api.get(COUNTS, {"by": by, "q": "miners"})
    draft = Article.objects.get(headline="Draft on the miners")
    draft.published_at = dt.datetime(2010, 8, 20, tzinfo=dt.UTC)
    draft.save()
    editor_api.get(COUNTS, {"by": by})
    assert api.get(COUNTS, {"by": by, "q": "miners"}).content == before
    assert counts(api, by) == PUBLIC[by]


@pytest.mark.parametrize(
    "params",
    [{}, {"by": ""}, {"by": "decade"}, {"by": "YEAR"}, {"by": "year\x00"}],
    ids=["missing", "empty", "unknown", "case", "nul"],
)
def test_by_missing_or_unknown_is_a_400_naming_it(api, seed, params):
    response = api.get(COUNTS, params)
    assert response.status_code == 400
    assert list(response.json()) == ["by"]
    assert "year, month, issue, author, topic" in response.json()["by"][0]


@pytest.mark.parametrize("name", ArticleCountsFilter.base_filters)
def test_a_malformed_filter_is_a_400_naming_it(api, seed, name):
    assert name in BAD_VALUES, f"give BAD_VALUES a bad value for the list's new filter {name}"
    response = api.get(COUNTS, {"by": "year", name: BAD_VALUES[name]})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]
    assert api.get(LIST, {name: BAD_VALUES[name]}).json() == response.json()


def test_drafts_cannot_be_probed_through_the_filters(api, archive):
    """A draft-only issue or author is a 400 to readers, as it is on the list."""
    for name, slug in [("issue", "socialist-worker-2399"), ("author", "drafty-writer")]:
        assert api.get(COUNTS, {"by": "year", name: slug}).status_code == 400


def test_a_search_ranks_and_highlights_nothing(api, archive):
    """The counts find matches through the search index and read no passage or rank."""
    with CaptureQueriesContext(connection) as queries:
        counts(api, "month", q="miners OR women")
    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    assert not any(word in sql for word in ("ts_rank", "ts_headline", "bm25", "snippet("))
    assert ("search_vector" if connection.vendor == "postgresql" else "articles_article_fts") in sql


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"by": "year"}, 1),
        ({"by": "month", "q": "miners"}, 1),  # no plan to choose: the matches are all read
        ({"by": "author", "year": "2010", "has_image": "false"}, 1),
        ({"by": "issue", "author": "ann-rogers"}, 2),  # the author, the counts
        ({"by": "topic", "issue": "socialist-worker-2216", "book": "my-life"}, 3),
    ],
)
def test_one_grouped_query(api, archive, django_assert_num_queries, params, expected):
    """One query for the counts, plus one for each slug a filter names."""
    api.get(COUNTS, params)
    clear_cached_answers()
    with django_assert_num_queries(expected):
        assert api.get(COUNTS, params).status_code == 200


def test_an_editors_counts_cost_their_token_and_permissions(
    editor_api, archive, django_assert_num_queries
):
    editor_api.get(COUNTS, {"by": "year"})
    with django_assert_num_queries(4):
        assert editor_api.get(COUNTS, {"by": "year"}).status_code == 200


def test_counts_are_cached_and_revalidated_as_lists_are(api, archive, settings):
    """ETag, Last-Modified and public caching for readers; a repeated request is a 304, a
    cached answer is served until the archive changes."""
    settings.API_CACHE_MAX_AGE = 300
    first = api.get(COUNTS, {"by": "year"})
    assert first["Cache-Control"] == "public, max-age=300"
    assert first["Last-Modified"] == api.get(LIST)["Last-Modified"]
    again = api.get(COUNTS, {"by": "year"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    since = api.get(COUNTS, {"by": "year"}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    ArticleFactory(published_at=dt.datetime(1978, 5, 1, tzinfo=dt.UTC))
    changed = api.get(COUNTS, {"by": "year"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["results"][0]["count"] == 2


def test_cached_answers_are_served_until_the_archive_changes(api, archive):
    api.get(COUNTS, {"by": "year"})
    Article.objects.filter(headline="Women organise").update(headline="Not saved through save")
    # A bulk update sends no signal: the cached answer stands until the next change.
    with CaptureQueriesContext(connection) as queries:
        api.get(COUNTS, {"by": "year"})
    assert len(queries) == 0


def test_editors_answers_are_private(editor_api, archive):
    response = editor_api.get(COUNTS, {"by": "year"})
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_errors_are_not_cached(api, seed):
    response = api.get(COUNTS, {"by": "decade"})
    assert not response.has_header("ETag") and "public" not in response.get("Cache-Control", "")


@pytest.fixture(scope="module")
def operation(tmp_path_factory, django_db_blocker):
    """The counts' operation in the schema, generated and validated as test_schema.py does."""
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())["paths"][COUNTS]["get"]


def test_the_schema_documents_by_every_filter_and_the_answers(operation):
    """`by` is required, with its values; every filter of the list but `ordering`, and no
    page or fields; the groups' shape, 400, 404 and 304."""
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"by", *ArticleCountsFilter.base_filters}
    assert "ordering" not in parameters and "page" not in parameters
    assert parameters["by"]["required"] is True
    assert set(parameters["by"]["schema"]["enum"]) == {"year", "month", "issue", "author", "topic"}
    assert all(p.get("description") for p in parameters.values())
    assert "?q=miners&by=year" in operation["description"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ArticleCounts"}
    assert {"304", "400", "404"} <= set(operation["responses"])


def test_a_scheduled_article_is_counted_from_its_time_whatever_the_cache_holds(api, seed):
    """The cached counts from before a scheduled publication are not served after it."""
    at = dt.datetime(2031, 3, 9, 18, 30, tzinfo=dt.UTC)
    ArticleFactory(published_at=at)
    with time_machine.travel(at - dt.timedelta(minutes=1), tick=False):
        assert counts(api, "year") == [("2010", "2010", 1)]
    with time_machine.travel(at, tick=False):
        assert counts(api, "year") == [("2010", "2010", 1), ("2031", "2031", 1)]


def test_an_article_under_two_asked_topics_counts_once(api, archive):
    """``topic=miners&topic=women`` is any of them: "Pits and the union", filed under
    both, is one article in its year, as it is one row of the list."""
    params = {"topic": ["miners", "women"]}
    assert counts(api, "year", **params) == [
        ("1978", "1978", 1),
        ("2010", "2010", 1),
        ("2011", "2011", 1),
    ]
    assert list_count(api, **params) == 3
