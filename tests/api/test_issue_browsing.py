"""Browsing issues: in order, from one to the next, with the time the archive knows."""

import datetime as dt

import pytest

from articles.models import Article
from tests.factories import ArticleFactory, IssueFactory, PublicationFactory


@pytest.fixture
def run_of_issues(seed):
    """Issues 2216 to 2219 of the seed's publication; 2218 holds only a draft."""
    publication = PublicationFactory(name="Socialist Worker")
    issues = {n: IssueFactory(publication=publication, number=n) for n in range(2216, 2220)}
    for number, issue in issues.items():
        status = Article.Status.DRAFT if number == 2218 else Article.Status.PUBLISHED
        day = dt.datetime(2010, 8, 17, tzinfo=dt.UTC) + dt.timedelta(weeks=number - 2215)
        ArticleFactory(issue=issue, status=status, published_at=day)
        ArticleFactory(issue=issue, status=status, published_at=day + dt.timedelta(hours=3))
    return issues


def numbers(response):
    return [issue["number"] for issue in response.json()["results"]]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("number", [2215, 2216, 2217, 2219]), ("-number", [2219, 2217, 2216, 2215])],
)
def test_issues_are_ordered_by_number(api, run_of_issues, ordering, expected):
    assert numbers(api.get("/api/v1/issues/", {"ordering": ordering})) == expected


def test_a_cursor_walk_keeps_the_order(api, run_of_issues):
    first = api.get("/api/v1/issues/", {"ordering": "-number", "cursor": "", "page_size": 3})
    rest = api.get(first.json()["next"])
    assert numbers(first) + numbers(rest) == [2219, 2217, 2216, 2215]


def test_an_unknown_ordering_is_400(api, run_of_issues):
    response = api.get("/api/v1/issues/", {"ordering": "headline"})
    assert response.status_code == 400 and "ordering" in response.json()


def neighbours(client, number):
    issue = client.get(f"/api/v1/issues/socialist-worker-{number}/").json()
    return issue["previous"], issue["next"]


def test_previous_and_next_skip_what_the_reader_may_not_see(api, editor_api, run_of_issues):
    """2218 holds only a draft: the public steps from 2217 to 2219; staff see it."""
    assert neighbours(api, 2217) == (
        {"slug": "socialist-worker-2216", "number": 2216},
        {"slug": "socialist-worker-2219", "number": 2219},
    )
    assert neighbours(editor_api, 2217)[1] == {"slug": "socialist-worker-2218", "number": 2218}
    assert neighbours(api, 2215)[0] is None
    assert neighbours(api, 2219)[1] is None


def test_first_published_at_is_when_the_issue_went_online(api, editor_api, run_of_issues):
    """Named as what it is, not a cover date: the first published article's time."""
    issue = api.get("/api/v1/issues/socialist-worker-2216/").json()
    assert issue["date"] is None
    assert issue["first_published_at"] == "2010-08-24T01:00:00+01:00"
    draft_only = editor_api.get("/api/v1/issues/socialist-worker-2218/").json()
    assert draft_only["first_published_at"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("first_published_year=2010", [2215, 2216, 2217, 2219]),
        ("first_published_year=2011", []),
        ("year=2010", []),
        ("first_published_after=2010-08-31", [2217, 2219]),
        ("first_published_before=2010-08-24", [2215, 2216]),
        ("first_published_after=2010-08-24T02:00:00%2B01:00", [2217, 2219]),
    ],
)
def test_issues_are_found_by_when_they_went_online(api, run_of_issues, query, expected):
    """Imported issues have no cover date (``year`` finds none of them): the first
    published article's time finds them; an issue of drafts alone has no such time."""
    assert numbers(api.get(f"/api/v1/issues/?{query}&ordering=number")) == expected


@pytest.mark.parametrize(
    "query", ["first_published_year=twenty", "first_published_after=2010-13-01"]
)
def test_a_malformed_first_published_bound_is_400_naming_it(api, run_of_issues, query):
    response = api.get(f"/api/v1/issues/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [query.partition("=")[0]]
