"""Query counts per endpoint, pinned: they must not grow with the rows on the page.

Each endpoint is measured against the seed at page size 1 and again after 60 more
articles (with bylines, images and reading lists) at page size 100.
"""

import pytest
from django.db import connection

from articles.models import Issue, ReadingListEntry, ReadingListGroup
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BookFactory,
    ImageFactory,
    IssueFactory,
    PublicationFactory,
)

from .utils import clear_cached_answers

SEED_ISSUE = "socialist-worker-2215"
# PostgreSQL chooses a search's plan first (articles.search): it asks the planner's
# estimate (EXPLAIN) and, short of a frequent word, collects up to DENSE_MATCHES matching
# ids through the GIN index. SQLite's FTS5 table needs neither.
SEARCH_PROBE = 2 if connection.vendor == "postgresql" else 0

# (url, queries): one per table level the response reads; a list's page query also counts
# the list. An article's bylines, images and reading list come as JSON inside its query.
ENDPOINTS = [
    ("/api/v1/articles/?page_size={size}", 1),
    ("/api/v1/articles/?cursor=&page_size={size}", 1),
    ("/api/v1/articles/?q=trotsky&page_size={size}", 1 + SEARCH_PROBE),
    ("/api/v1/articles/?author=esme-choonara&page_size={size}", 2),  # the author, articles
    ("/api/v1/articles/?modified_after=2010-01-01&page_size={size}", 1),
    ("/api/v1/articles/trotskys-socialism/", 1),
    ("/api/v1/publications/?page_size={size}", 1),
    ("/api/v1/publications/socialist-worker/", 1),
    ("/api/v1/issues/?page_size={size}", 1),
    (f"/api/v1/issues/{SEED_ISSUE}/", 4),  # issue, articles, the issues before and after
    ("/api/v1/authors/?page_size={size}", 1),
    ("/api/v1/authors/esme-choonara/", 4),  # author, articles, books, book authors
    ("/api/v1/books/?page_size={size}", 2),  # books, book authors
    ("/api/v1/books/my-life/", 3),  # book, book authors, articles
    ("/api/v1/images/?page_size={size}", 1),
]


@pytest.fixture
def grown(seed):
    """60 more articles on every relation the endpoints read, in the seed's issue, and
    more publications and issues."""
    issue = Issue.objects.get(slug=SEED_ISSUE)
    esme = AuthorFactory._meta.model.objects.get(slug="esme-choonara")
    my_life = BookFactory._meta.model.objects.get(slug="my-life")
    for _ in range(60):
        article = ArticleFactory(issue=issue, body="Trotsky.", authors=[esme, AuthorFactory()])
        ImageFactory.create_batch(2, article=article)
        group = ReadingListGroup.objects.create(article=article, heading="Read")
        entry = ReadingListEntry.objects.create(group=group, text="My Life")
        entry.books.add(my_life, BookFactory(authors=[esme, AuthorFactory()]))
    for number in range(5):
        IssueFactory(publication=PublicationFactory(name=f"Title {number}"))


@pytest.mark.parametrize(("url", "expected"), ENDPOINTS, ids=[url for url, _ in ENDPOINTS])
def test_query_count_is_pinned_and_flat(
    api, seed, request, django_assert_num_queries, url, expected
):
    """The same count for one row as for a hundred."""
    for size in (1, 100):
        if size == 100:
            request.getfixturevalue("grown")
        target = url.format(size=size)
        api.get(target)  # warms per-connection checks, e.g. SQLite's JSON support
        clear_cached_answers()  # measure the work behind a cache miss
        with django_assert_num_queries(expected):
            response = api.get(target)
        assert response.status_code == 200, response.content
        body = response.json()
        if "results" in body and size == 100:
            assert len(body["results"]) > 1


def test_image_detail_is_one_query(api, seed, django_assert_num_queries):
    image_id = api.get("/api/v1/images/").json()["results"][0]["id"]
    api.get(f"/api/v1/images/{image_id}/")
    clear_cached_answers()
    with django_assert_num_queries(1):
        api.get(f"/api/v1/images/{image_id}/")


def test_article_list_at_page_size_100_is_one_query(api, seed, django_assert_num_queries):
    """The busiest endpoint, spelt out with pytest-django's own assertion."""
    ArticleFactory.create_batch(100)
    api.get("/api/v1/articles/")
    with django_assert_num_queries(1):
        response = api.get("/api/v1/articles/", {"page_size": 100})
    assert len(response.json()["results"]) == 100
    assert response.json()["count"] == 101


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/api/v1/articles/?page_size={size}", 4), ("/api/v1/articles/trotskys-socialism/", 4)],
)
def test_an_editors_reads_cost_their_token_and_permissions(
    editor_api, seed, request, django_assert_num_queries, url, expected
):
    """An editor's token (one query), then their own and their groups' permissions (two:
    a reader of drafts is known by permission, ``articles.readers``), then the same
    flat count as anyone's."""
    client = editor_api
    for size in (1, 100):
        if size == 100:
            request.getfixturevalue("grown")
        target = url.format(size=size)
        client.get(target)
        clear_cached_answers()
        with django_assert_num_queries(expected):
            assert client.get(target).status_code == 200


@pytest.mark.parametrize("ordering", ["-published_at", "headline", "-headline"])
def test_a_cursor_walk_reads_its_keys_from_the_page(
    api, grown, django_assert_num_queries, ordering
):
    """Each cursor page is one query, the next page's too, in every order the list offers:
    the public's page rows load their keys and the columns a cursor is made of, and
    nothing else is read from them."""
    target = f"/api/v1/articles/?ordering={ordering}&cursor=&page_size=10"
    api.get(target)
    for _ in range(2):
        clear_cached_answers()
        with django_assert_num_queries(1):
            response = api.get(target)
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == 10
        target = response.json()["next"]
        assert target
