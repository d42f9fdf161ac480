"""Page numbers with a count, and a keyset cursor that walks the whole archive."""

import base64
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Issue
from tests.factories import ArticleFactory

from .utils import clear_cached_answers, slugs


@pytest.fixture
def many(db):
    """25 published articles, three of them sharing one publication time."""
    articles = ArticleFactory.create_batch(22)
    same_time = dt.datetime(2012, 5, 1, 12, tzinfo=dt.UTC)
    articles += ArticleFactory.create_batch(3, published_at=same_time)
    return articles


def newest_first():
    return list(Article.objects.published().values_list("slug", flat=True))


def test_default_page_is_20_with_the_envelope(api, many):
    body = api.get("/api/v1/articles/").json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 25 and len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"] == "http://testserver/api/v1/articles/?page=2"


def test_pages_cover_the_list_once(api, many):
    first = slugs(api.get("/api/v1/articles/", {"page_size": 10}))
    second = slugs(api.get("/api/v1/articles/", {"page_size": 10, "page": 2}))
    third = slugs(api.get("/api/v1/articles/", {"page_size": 10, "page": 3}))
    assert first + second + third == newest_first()


def test_a_deep_page_reads_its_rows_by_key(api, many, django_assert_num_queries):
    """Past the first page the keys come first, so the rows an OFFSET skips are never
    given their computed columns: one query more than the first page (keys with the
    count, then rows), the same rows in the same order."""
    api.get("/api/v1/articles/", {"page_size": 10, "page": 2})
    clear_cached_answers()  # measure the work behind a cache miss
    with django_assert_num_queries(2):
        second = slugs(api.get("/api/v1/articles/", {"page_size": 10, "page": 2}))
    assert second == newest_first()[10:20]
    ordered = slugs(api.get("/api/v1/articles/", {"ordering": "headline", "page": 2}))
    by_headline = Article.objects.published().order_by("headline", "id")
    assert ordered == list(by_headline.values_list("slug", flat=True))[20:]


def test_page_past_the_end_is_404(api, many):
    assert api.get("/api/v1/articles/", {"page": 99}).status_code == 404
    assert api.get("/api/v1/articles/", {"page": 3, "page_size": 12}).status_code == 200
    assert api.get("/api/v1/articles/", {"page": 4, "page_size": 12}).status_code == 404


def test_every_page_counts_the_whole_list(api, many):
    """The count comes with the page's rows, on the first page and on deep ones alike."""
    for page in (1, 2, 3):
        body = api.get("/api/v1/articles/", {"page_size": 10, "page": page}).json()
        assert body["count"] == 25
    assert api.get("/api/v1/articles/", {"year": 1900}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def counts_run(api, path, params):
    """The list's ``count``, and how many COUNTs the database ran to answer it."""
    with CaptureQueriesContext(connection) as captured:
        count = api.get(path, params).json()["count"]
    return count, sum("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


def test_a_lists_other_pages_reuse_its_count(api, many):
    """Counted once, a list's total serves its other pages, page sizes and shapes."""
    assert counts_run(api, "/api/v1/articles/", {"page_size": 10}) == (25, 1)
    for params in ({"page_size": 10, "page": 2}, {"page": 2}, {"fields": "slug,headline"}):
        assert counts_run(api, "/api/v1/articles/", params) == (25, 0)
    issue = {"issue": many[0].issue.slug}
    in_issue = Article.objects.published().filter(issue=many[0].issue).count()
    assert counts_run(api, "/api/v1/articles/", issue) == (in_issue, 1)
    assert counts_run(api, "/api/v1/articles/", {**issue, "page_size": 1}) == (in_issue, 0)
    assert counts_run(api, "/api/v1/issues/", {}) == (Issue.objects.count(), 1)


def test_a_change_to_the_archive_recounts(api, many):
    api.get("/api/v1/articles/")
    ArticleFactory()
    assert counts_run(api, "/api/v1/articles/", {"page": 2}) == (26, 1)
    Article.objects.filter(pk=many[0].pk).unpublish()
    assert counts_run(api, "/api/v1/articles/", {"page": 2}) == (25, 1)


def test_staff_and_anonymous_counts_are_kept_apart(api, editor_api, many):
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert counts_run(api, "/api/v1/articles/", {}) == (25, 1)
    assert counts_run(editor_api, "/api/v1/articles/", {"page": 2}) == (26, 1)
    assert counts_run(api, "/api/v1/articles/", {"page": 2}) == (25, 0)


def test_a_count_is_kept_no_longer_than_a_cached_response(api, many, settings):
    """The cache bounds how late a scheduled article whose time has come is counted."""
    settings.API_RESPONSE_CACHE_SECONDS = 0
    api.get("/api/v1/articles/")
    assert counts_run(api, "/api/v1/articles/", {"page": 2}) == (25, 1)


def test_page_size_100_is_allowed(api, many):
    assert len(slugs(api.get("/api/v1/articles/", {"page_size": 100}))) == 25


def walk(api, params, link="next"):
    """Follow cursor links to the end; return every slug and the number of requests."""
    response = api.get("/api/v1/articles/", {"cursor": "", **params})
    seen, requests = [], 1
    while True:
        body = response.json()
        assert body["count"] is None
        seen += [item["slug"] for item in body["results"]]
        if not body[link]:
            return seen, requests
        response, requests = api.get(body[link]), requests + 1


def test_cursor_walks_every_article_once_in_order(api, many):
    """Keyset pages never skip or repeat, also across equal publication times."""
    seen, requests = walk(api, {"page_size": 4})
    assert seen == newest_first()
    assert requests == 7


def test_cursor_field_walks_without_parsing_next(api, many):
    """A keyset page gives the next page's cursor on its own (null on the last page), so a
    client sends it back with its own parameters; numbered pages have no ``cursor``."""
    params = {"ordering": "headline", "page_size": 10}
    seen, cursor = [], ""
    while cursor is not None:
        body = api.get("/api/v1/articles/", {**params, "cursor": cursor}).json()
        seen += [item["slug"] for item in body["results"]]
        assert (body["cursor"] is None) == (body["next"] is None)
        cursor = body["cursor"]
    by_headline = Article.objects.published().order_by("headline", "id")
    assert seen == list(by_headline.values_list("slug", flat=True))
    assert "cursor" not in api.get("/api/v1/articles/", {"page_size": 10}).json()


def test_cursor_follows_the_ordering_parameter(api, many):
    seen, _ = walk(api, {"page_size": 7, "ordering": "headline"})
    assert seen == sorted(seen, key=lambda slug: Article.objects.get(slug=slug).headline)
    assert len(seen) == 25


def test_cursor_previous_links_walk_back(api, many):
    response = api.get("/api/v1/articles/", {"cursor": "", "page_size": 5})
    first_page = slugs(response)
    assert response.json()["previous"] is None
    second = api.get(response.json()["next"])
    back = api.get(second.json()["previous"])
    assert slugs(back) == first_page


def test_cursor_walks_drafts_without_a_time_for_staff(editor_api, many):
    """A NULL ``published_at`` sorts as PostgreSQL sorts it; the walk still sees every row."""
    ArticleFactory.create_batch(3, status=Article.Status.DRAFT, published_at=None)
    seen, _ = walk(editor_api, {"page_size": 4})
    assert sorted(seen) == sorted(Article.objects.values_list("slug", flat=True))
    assert len(seen) == len(set(seen)) == 28


def test_cursor_walks_search_results(api, many):
    """With ``q`` a cursor walks the matches by date (relevance is not a keyset)."""
    seen, _ = walk(api, {"q": "strike", "page_size": 10})
    assert seen == newest_first()


def test_cursor_and_page_together_is_400(api, many):
    response = api.get("/api/v1/articles/", {"cursor": "", "page": 2})
    assert response.status_code == 400 and "cursor" in response.json()


def test_other_resources_paginate_by_cursor_too(api, seed):
    body = api.get("/api/v1/books/", {"cursor": "", "page_size": 5}).json()
    rest = api.get(body["next"]).json()
    titles = [book["title"] for book in body["results"] + rest["results"]]
    assert len(titles) == 9 and titles == sorted(titles)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"page_size": 101}, {"page_size": ["Must be at most 100."]}),
        ({"cursor": "", "page_size": 101}, {"page_size": ["Must be at most 100."]}),
        ({"cursor": "", "page": 2}, {"cursor": ["Use either page or cursor."]}),
        ({"cursor": "not-a-cursor"}, {"cursor": ["Invalid cursor."]}),
        ({"page": 10**24}, {"page": [f"Must be at most {2**31 - 1}."]}),
    ],
    ids=str,
)
def test_pages_and_cursors_refuse_in_the_same_words(api, many, params, errors):
    """Numbered pages and the keyset walk check ``page_size`` alike; the walk's own
    refusals name ``cursor``."""
    response = api.get("/api/v1/articles/", params)
    assert (response.status_code, response.json()) == (400, errors)


def test_the_browsable_api_links_numbered_pages_only(api, many):
    """The HTML view shows page links for numbered pages, and none for a keyset walk."""
    numbered = api.get("/api/v1/articles/", {"format": "api", "page_size": 10})
    walked = api.get("/api/v1/articles/", {"format": "api", "cursor": ""})
    assert '<ul class="pagination"' in numbered.content.decode()
    assert '<ul class="pagination"' not in walked.content.decode()


def forged_cursor(after):
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "headline", "cursor": forged_cursor(["a\u0000b", 1])},
        {"cursor": forged_cursor(["2010-08-17T16:05:00+00:00", 2**70])},
        {"cursor": forged_cursor(["2010-08-17T16:05:00+00:00", -(2**63) - 1])},
    ],
    ids=["nul-in-text", "id-past-bigint", "id-below-bigint"],
)
def test_a_forged_cursor_the_database_cannot_take_is_400(api, many, params):
    """Values no column can hold (a NUL in text, an integer past 64 bits) are refused as the
    cursor they came in, before they reach the database."""
    response = api.get("/api/v1/articles/", params)
    assert (response.status_code, response.json()) == (400, {"cursor": ["Invalid cursor."]})
