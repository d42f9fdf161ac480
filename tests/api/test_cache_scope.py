"""Cached answers retired only where a write shows (``articles.caching``): an edit, a
rename, a move or an import leaves every page that does not show it cached, and every
page that does fresh at once; so do the lists of one issue's, author's or year's
articles.
With the caches a deployment uses: one per process, Redis."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from articles.caching import generation_for, writes_rolled_back
from articles.importing.runner import Upload, import_files
from articles.models import Article, ArticleAuthor, Author
from tests.api.utils import redis_at
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, PublicationFactory
from tests.importing.conftest import import_file

SEED = "/api/v1/articles/trotskys-socialism/"
LIST = "/api/v1/articles/"
# Neither the seed's year (2010) nor the imported sample's (2012).
ELSEWHEN = dt.datetime(2011, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(params=["locmem", "redis"], autouse=True)
def real_cache(request):
    if request.param == "redis":
        with redis_at():
            cache.set("ping", "pong")
            assert cache.get("ping") == "pong", "Redis must be running on 127.0.0.1:6379"
            yield
    else:
        location = f"cache-scope-{uuid.uuid4().hex}"
        backend = "django.core.cache.backends.locmem.LocMemCache"
        with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": location}}):
            yield


@pytest.fixture
def other(seed):
    """An article beside the seed, in another issue, by another author, in another year."""
    return ArticleFactory(
        headline="The other story",
        authors=[AuthorFactory(name="Other Writer")],
        published_at=ELSEWHEN,
    )


def seed_pages(api):
    """The seed article's page and the pages that show it: its issue, its author, the
    books of its reading list, and the lists of its issue's, its author's and its year's
    articles."""
    seed = api.get(SEED).json()
    books = [
        f"/api/v1/books/{book['slug']}/"
        for group in seed["reading_list"]["groups"]
        for entry in group["entries"]
        for book in entry["books"]
    ]
    assert books
    return [
        SEED,
        "/api/v1/issues/socialist-worker-2215/",
        "/api/v1/authors/esme-choonara/",
        *books,
        f"{LIST}?issue=socialist-worker-2215",
        f"{LIST}?author=esme-choonara",
        f"{LIST}?year={seed['published_at'][:4]}",
    ]


def other_pages(article):
    author = article.authors.get().slug
    return [
        f"/api/v1/articles/{article.slug}/",
        f"/api/v1/issues/{article.issue.slug}/",
        f"/api/v1/authors/{author}/",
        f"{LIST}?issue={article.issue.slug}",
        f"{LIST}?author={author}",
        f"{LIST}?year={timezone.localtime(article.published_at).year}",
    ]


def warm(api, urls):
    for url in urls:
        assert api.get(url).status_code == 200, url


def assert_cached(api, urls, django_assert_num_queries):
    """Each answer comes from the cache: no query. The reader's first request after a
    write looks up the next scheduled publication once, for every page (as
    ``tests.api.utils.clear_cached_answers`` says); that is done first."""
    generation_for(AnonymousUser())
    for url in urls:
        with django_assert_num_queries(0, info=url):
            assert api.get(url).status_code == 200, url


def test_an_edit_retires_its_pages_and_the_lists_and_nothing_else(
    api, other, django_assert_num_queries
):
    seeds = seed_pages(api)
    warm(api, [*seeds, *other_pages(other), LIST])
    other.headline = "The other story, corrected"
    other.save()
    for url in [*other_pages(other), LIST]:
        assert "The other story, corrected" in api.get(url).content.decode(), url
    assert_cached(api, seeds, django_assert_num_queries)


def test_an_author_rename_refreshes_their_articles_pages(api, other, django_assert_num_queries):
    seeds = seed_pages(api)
    warm(api, [*seeds, *other_pages(other), LIST])
    author = Author.objects.get(name="Other Writer")
    author.name = "Another Writer"
    author.save()
    detail = api.get(f"/api/v1/articles/{other.slug}/").json()
    assert [a["name"] for a in detail["authors"]] == ["Another Writer"]
    for url in [*other_pages(other)[1:], LIST]:
        shown = api.get(url).content.decode()
        assert "Another Writer" in shown and "Other Writer" not in shown, url
    assert_cached(api, seeds, django_assert_num_queries)


def test_a_co_authors_rename_refreshes_the_other_authors_list(api, other):
    """An author's list shows each article's whole byline: a co-author's rename is on it."""
    ArticleFactory(
        headline="Written together",
        authors=[other.authors.get(), AuthorFactory(name="Second Writer", slug="second-writer")],
    )
    listed = f"{LIST}?author={other.authors.get().slug}"
    assert "Second Writer" in api.get(listed).content.decode()
    second = Author.objects.get(slug="second-writer")
    second.name = "Renamed Writer"
    second.save()
    shown = api.get(listed).content.decode()
    assert "Renamed Writer" in shown and "Second Writer" not in shown


def test_a_byline_added_or_removed_moves_the_article_between_authors_lists(
    api, other, django_assert_num_queries
):
    seeds = seed_pages(api)
    newcomer = AuthorFactory(name="New Writer", slug="new-writer")
    ArticleFactory(headline="Their first piece", authors=[newcomer])
    listed = f"{LIST}?author=new-writer"
    warm(api, [*seeds, listed])
    assert "The other story" not in api.get(listed).content.decode()
    ArticleAuthor.objects.create(article=other, author=newcomer, position=2)
    assert "The other story" in api.get(listed).content.decode()
    ArticleAuthor.objects.filter(article=other, author=newcomer).delete()
    assert "The other story" not in api.get(listed).content.decode()
    assert_cached(api, seeds, django_assert_num_queries)


def test_a_new_slug_retires_the_old_address(api, other):
    old = f"/api/v1/articles/{other.slug}/"
    warm(api, [old])
    other.slug = "the-other-story-renamed"
    other.save()
    assert api.get(old).status_code == 404
    assert api.get("/api/v1/articles/the-other-story-renamed/").status_code == 200


def test_a_moved_article_leaves_the_issue_it_left(api, other, django_assert_num_queries):
    seeds = seed_pages(api)
    arrived = IssueFactory()
    ArticleFactory(headline="Already there", issue=arrived)
    left = [f"/api/v1/issues/{other.issue.slug}/", f"{LIST}?issue={other.issue.slug}"]
    joined = [f"/api/v1/issues/{arrived.slug}/", f"{LIST}?issue={arrived.slug}"]
    warm(api, [*left, *joined, *seeds])
    for url in left:
        assert "The other story" in api.get(url).content.decode(), url
    other.issue = arrived
    other.save()
    for url in left:
        assert "The other story" not in api.get(url).content.decode(), url
    for url in joined:
        assert "The other story" in api.get(url).content.decode(), url
    assert_cached(api, seeds, django_assert_num_queries)


def test_a_scheduled_article_appears_on_its_authors_page_on_time(api, seed):
    """No write marks the moment: the cached author page ends at the publication time."""
    esme = Author.objects.get(slug="esme-choonara")
    soon = timezone.now() + dt.timedelta(minutes=1)
    ArticleFactory(headline="Coming up", published_at=soon, authors=[esme])
    pages = ["/api/v1/authors/esme-choonara/", f"{LIST}?author=esme-choonara"]
    for page in pages:
        assert "Coming up" not in api.get(page).content.decode(), page
    assert api.get("/api/v1/articles/coming-up/").status_code == 404
    with time_machine.travel(soon + dt.timedelta(seconds=1)):
        for page in pages:
            assert "Coming up" in api.get(page).content.decode(), page
        assert api.get("/api/v1/articles/coming-up/").status_code == 200


def test_an_import_leaves_unrelated_details_cached(api, other, django_assert_num_queries):
    """And unrelated issues' and authors' lists; the list of an author the import bylines
    shows the new article at once. (The seed's and the other article's issues are the new
    issue's neighbours in their publication: their pages and lists are retired with it.)"""
    writer = AuthorFactory(name="Kate Marlow", slug="kate-marlow")
    ArticleFactory(headline="Her earlier piece", authors=[writer])
    theirs = [f"{LIST}?author=kate-marlow", f"{LIST}?year=2012"]
    elsewhere = ArticleFactory(
        headline="Another paper's story",
        issue=IssueFactory(publication=PublicationFactory(name="Another Paper")),
        authors=[AuthorFactory(name="Distant Writer")],
        published_at=ELSEWHEN,
    )
    unrelated = [
        url
        for url in [*seed_pages(api), *other_pages(other), *other_pages(elsewhere)]
        if "socialist-worker-" not in url
    ]
    warm(api, [*unrelated, LIST, *theirs])
    sample = SAMPLES_DIR / "2284-winter-of-discontent.txt"
    assert import_file(name=sample.name, data=sample.read_bytes()).error is None
    for url in [LIST, *theirs]:
        assert "Lessons of the winter of discontent" in api.get(url).content.decode(), url
    assert_cached(api, unrelated, django_assert_num_queries)


def test_a_bulk_publish_shows_the_article_and_keeps_the_others(
    api, other, django_assert_num_queries
):
    draft = ArticleFactory(
        headline="Held back",
        status=Article.Status.DRAFT,
        published_at=None,
        issue=other.issue,
        authors=[other.authors.get()],
    )
    seeds = seed_pages(api)
    theirs = [*other_pages(other)[3:5], f"{LIST}?year={timezone.localtime().year}"]
    warm(api, [*seeds, LIST, *theirs])
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 404
    Article.objects.filter(pk=draft.pk).publish()
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 200
    for url in [LIST, *theirs]:
        assert "Held back" in api.get(url).content.decode(), url
    assert_cached(api, seeds, django_assert_num_queries)


def test_a_write_rolled_back_retires_nothing(api, other, django_assert_num_queries):
    page = f"/api/v1/articles/{other.slug}/"
    warm(api, [page, LIST])
    with transaction.atomic(), writes_rolled_back():
        other.headline = "Never saved"
        other.save()
        transaction.set_rollback(True)
    assert_cached(api, [page, LIST], django_assert_num_queries)


@pytest.mark.parametrize(
    "redated",
    [dt.datetime(2012, 3, 1, 12, tzinfo=dt.UTC), "2012-03-01T12:00:00Z"],
    ids=["a time", "a string, as a form or fixture may give it"],
)
def test_a_redated_article_moves_between_years_lists(
    api, other, redated, django_assert_num_queries
):
    seeds = seed_pages(api)
    years = {year: f"{LIST}?year={year}" for year in ("2011", "2012")}
    # Spelt otherwise than the archive spells a year: kept only until the next write.
    padded = f"{LIST}?year=02011"
    warm(api, [*seeds, *years.values(), padded])
    for url in (years["2011"], padded):
        assert "The other story" in api.get(url).content.decode(), url
    other.published_at = redated
    other.save()
    for url in (years["2011"], padded):
        assert "The other story" not in api.get(url).content.decode(), url
    assert "The other story" in api.get(years["2012"]).content.decode()
    assert_cached(api, seeds, django_assert_num_queries)


@pytest.mark.parametrize("batch_size", [1, 2], ids=["file by file", "files in a batch"])
def test_an_import_that_redates_an_article_moves_it_between_years_lists(api, seed, batch_size):
    sample = SAMPLES_DIR / "2284-winter-of-discontent.txt"
    data = sample.read_bytes()
    assert import_file(name=sample.name, data=data).error is None
    years = {year: f"{LIST}?year={year}" for year in ("2011", "2012")}
    warm(api, years.values())
    assert "Lessons of the winter" in api.get(years["2012"]).content.decode()
    redated = data.replace(b"Thu 5 Jan 2012", b"Wed 5 Jan 2011")
    assert redated != data
    neighbour = SAMPLES_DIR / "2216-when-paris-rose.txt"
    files = [Upload(sample.name, redated), Upload(neighbour.name, neighbour.read_bytes())]
    reports = import_files(files, batch_size=batch_size)
    assert [report.error for report in reports] == [None, None]
    assert "Lessons of the winter" not in api.get(years["2012"]).content.decode()
    assert "Lessons of the winter" in api.get(years["2011"]).content.decode()


def test_a_bulk_unpublish_takes_the_article_off_its_lists(api, other, django_assert_num_queries):
    seeds = seed_pages(api)
    theirs = other_pages(other)[3:]
    warm(api, [*seeds, *theirs])
    Article.objects.filter(pk=other.pk).unpublish()
    issue, author, year = theirs
    # Its issue and author name no published article now: the public may not filter by them.
    assert api.get(issue).status_code == 400
    assert api.get(author).status_code == 400
    assert "The other story" not in api.get(year).content.decode()
    assert_cached(api, seeds, django_assert_num_queries)
