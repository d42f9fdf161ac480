"""A publication's coverage: which issue numbers the archive holds and which it lacks, as
runs, with issues and articles per year, as the reader may see them."""

import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article, Publication
from tests.factories import ArticleFactory, IssueFactory, PublicationFactory

from .utils import clear_cached_answers

URL = "/api/v1/publications/socialist-worker/coverage/"


def held(*numbers):
    """Issues of the seed's publication with these numbers, each with a published article
    of 2011 (the seed's issue, 2215, is the archive's already)."""
    publication = Publication.objects.get(slug="socialist-worker")
    for number in numbers:
        ArticleFactory(issue=IssueFactory(publication=publication, number=number))


def coverage(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_single_missing_issue_and_a_run(api, seed):
    held(2209, 2210, 2212)
    body = coverage(api)
    assert body["present"] == [[2209, 2210], [2212, 2212], [2215, 2215]]
    assert body["missing"] == [[2211, 2211], [2213, 2214]]
    assert (body["issues"], body["missing_issues"]) == (4, 3)
    assert (body["first"], body["last"]) == (2209, 2215)


def test_nothing_missing(api, seed):
    """The seed's one issue: the window is that issue alone."""
    body = coverage(api)
    assert body["present"] == [[2215, 2215]]
    assert body["missing"] == []
    assert body["years"] == [{"year": 2010, "issues": 1, "articles": 1}]


@pytest.mark.parametrize(
    ("query", "present", "missing"),
    [
        # Beyond the issues held, on either side, the window's numbers are missing.
        (
            {"number_min": 2205, "number_max": 2220},
            [[2209, 2210], [2215, 2215]],
            [[2205, 2208], [2211, 2214], [2216, 2220]],
        ),
        ({"number_min": 2210, "number_max": 2210}, [[2210, 2210]], []),
        ({"number_min": 1, "number_max": 3}, [], [[1, 3]]),
        # One bound: the other is the last (or first) issue held within it.
        ({"number_min": 2212}, [[2215, 2215]], [[2212, 2214]]),
        ({"number_max": 2212}, [[2209, 2210]], [[2211, 2212]]),
        ({"number_min": 2216}, [], []),
        ({"number_max": 100}, [], []),
        # An empty value is no bound, as for every filter.
        ({"number_min": "", "number_max": ""}, [[2209, 2210], [2215, 2215]], [[2211, 2214]]),
    ],
)
def test_windows(api, seed, query, present, missing):
    held(2209, 2210)
    body = coverage(api, **query)
    assert (body["present"], body["missing"]) == (present, missing)


def test_the_widest_window_costs_no_more_than_the_issues_held(api, seed):
    """Two billion numbers, answered as three runs: the gaps come from the issues held."""
    body = coverage(api, number_min=1, number_max=2**31 - 1)
    assert body["missing"] == [[1, 2214], [2216, 2**31 - 1]]
    assert body["missing_issues"] == 2**31 - 2


def test_other_publications_do_not_count(api, seed):
    IssueFactory(number=2214, publication=PublicationFactory(name="International Socialism"))
    assert coverage(api)["missing"] == []
    assert coverage(api, number_min=2214)["present"] == [[2215, 2215]]


def test_an_issue_of_drafts_is_missing_except_for_editors(api, editor_api, seed):
    """Drafts and scheduled articles make no issue for readers of published articles:
    their issues are missing for them, and held for editors."""
    publication = Publication.objects.get(slug="socialist-worker")
    ArticleFactory(
        issue=IssueFactory(publication=publication, number=2213),
        status=Article.Status.DRAFT,
        published_at=None,
    )
    ArticleFactory(
        issue=IssueFactory(publication=publication, number=2214),
        published_at=timezone.now() + dt.timedelta(days=1),
    )
    IssueFactory(publication=publication, number=2212)  # no article yet: held for all
    anonymous = coverage(api)
    assert anonymous["present"] == [[2212, 2212], [2215, 2215]]
    assert anonymous["missing"] == [[2213, 2214]]
    editor = coverage(editor_api)
    assert editor["present"] == [[2212, 2215]]
    assert editor["missing"] == []
    # Undated for editors: three issues without a date or a published article, and the
    # draft, which has no publication time.
    assert editor["years"][-1] == {"year": None, "issues": 3, "articles": 1}
    assert anonymous["years"][-1] == {"year": None, "issues": 1, "articles": 0}


def test_years_by_cover_date_else_first_article_else_undated(api, seed):
    """An issue's year is its cover date's, else its first published article's; an
    article's its own publication day's, in London time."""
    publication = Publication.objects.get(slug="socialist-worker")
    dated = IssueFactory(publication=publication, number=2100, date=dt.date(2009, 12, 29))
    # Published on 1 January 2010 in London: 31 December 2009 in UTC would say 2009.
    ArticleFactory(issue=dated, published_at=dt.datetime(2010, 1, 1, 0, 30, tzinfo=dt.UTC))
    undated = IssueFactory(publication=publication, number=2101)
    ArticleFactory(issue=undated, published_at=dt.datetime(2008, 5, 1, 12, tzinfo=dt.UTC))
    IssueFactory(publication=publication, number=2102)  # no date, no article
    body = coverage(api)
    assert body["years"] == [
        {"year": 2008, "issues": 1, "articles": 1},
        {"year": 2009, "issues": 1, "articles": 0},
        {"year": 2010, "issues": 1, "articles": 2},  # the dated issue's, and the seed
        {"year": None, "issues": 1, "articles": 0},
    ]
    assert [row["year"] for row in coverage(api, number_min=2215)["years"]] == [2010]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"number_min": "-1"}, "number_min"),
        ({"number_min": "0"}, "number_min"),
        ({"number_max": "abc"}, "number_max"),
        ({"number_min": "2.5"}, "number_min"),
        ({"number_max": "99999999999999999999"}, "number_max"),
        ({"number_max": str(2**31)}, "number_max"),
        ({"number_min": "1\x00"}, "number_min"),
        ({"number_min": "2215", "number_max": "2214"}, "number_max"),
    ],
)
def test_bad_bounds_are_400s_naming_the_parameter(api, seed, query, named):
    response = api.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == [named]


def test_an_unknown_publication_is_a_json_404(api, seed):
    response = api.get("/api/v1/publications/no-such-title/coverage/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Publication matches the given query."}


@pytest.mark.parametrize(("query", "expected"), [({}, 3), ({"number_max": 100}, 2)])
def test_query_count_is_pinned_and_flat(api, seed, django_assert_num_queries, query, expected):
    """The publication, its issues, their articles by year (none when the window is
    empty): the same for one issue as for a hundred."""
    for grow in (False, True):
        if grow:
            held(*range(2100, 2200, 2))
        api.get(URL, query)
        clear_cached_answers()
        with django_assert_num_queries(expected):
            assert api.get(URL, query).status_code == 200


def test_an_editors_coverage_costs_their_token_and_permissions(
    editor_api, seed, django_assert_num_queries
):
    editor_api.get(URL)
    with django_assert_num_queries(6):
        assert editor_api.get(URL).status_code == 200


def test_cached_for_the_public_conditional_and_retired_by_a_change(
    api, editor_api, seed, django_assert_num_queries
):
    first = api.get(URL)
    assert first["Cache-Control"].startswith("public")
    assert first["Last-Modified"] and first["ETag"]
    with django_assert_num_queries(0):
        assert api.get(URL).json() == first.json()
    assert api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # An issue an editor adds is held at once: the write retired the cached answer.
    added = editor_api.post(
        "/api/v1/issues/", {"publication": "socialist-worker", "number": 2213}, format="json"
    )
    assert added.status_code == 201, added.content
    again = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["present"] == [[2213, 2213], [2215, 2215]]


def test_an_editors_answer_is_private(editor_api, seed):
    response = editor_api.get(URL)
    assert "private" in response["Cache-Control"]
