"""Cached answers retired only where a write shows (``articles.caching``): an edit, a
rename, a move or an import leaves every page that does not show it cached, and every
page that does fresh at once. With the caches a deployment uses: one per process, Redis."""

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
from articles.models import Article, Author
from tests.api.utils import redis_at
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory
from tests.importing.conftest import import_file

SEED = "/api/v1/articles/trotskys-socialism/"
LIST = "/api/v1/articles/"


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
    """An article beside the seed, in another issue, by another author."""
    return ArticleFactory(headline="The other story", authors=[AuthorFactory(name="Other Writer")])


def seed_pages(api):
    """The seed article's page and the pages that show it: its issue, its author, the
    books of its reading list."""
    books = [
        f"/api/v1/books/{book['slug']}/"
        for group in api.get(SEED).json()["reading_list"]["groups"]
        for entry in group["entries"]
        for book in entry["books"]
    ]
    assert books
    return [SEED, "/api/v1/issues/socialist-worker-2215/", "/api/v1/authors/esme-choonara/", *books]


def other_pages(article):
    return [
        f"/api/v1/articles/{article.slug}/",
        f"/api/v1/issues/{article.issue.slug}/",
        f"/api/v1/authors/{article.authors.get().slug}/",
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
    issue = api.get(f"/api/v1/issues/{other.issue.slug}/").content.decode()
    assert "Another Writer" in issue and "Other Writer" not in issue
    assert "Another Writer" in api.get(LIST).content.decode()
    assert_cached(api, seeds, django_assert_num_queries)


def test_a_new_slug_retires_the_old_address(api, other):
    old = f"/api/v1/articles/{other.slug}/"
    warm(api, [old])
    other.slug = "the-other-story-renamed"
    other.save()
    assert api.get(old).status_code == 404
    assert api.get("/api/v1/articles/the-other-story-renamed/").status_code == 200


def test_a_moved_article_leaves_the_issue_it_left(api, other, django_assert_num_queries):
    left = f"/api/v1/issues/{other.issue.slug}/"
    warm(api, [left, SEED])
    assert "The other story" in api.get(left).content.decode()
    other.issue = IssueFactory()
    other.save()
    assert "The other story" not in api.get(left).content.decode()
    assert "The other story" in api.get(f"/api/v1/issues/{other.issue.slug}/").content.decode()
    assert_cached(api, [SEED], django_assert_num_queries)


def test_a_scheduled_article_appears_on_its_authors_page_on_time(api, seed):
    """No write marks the moment: the cached author page ends at the publication time."""
    esme = Author.objects.get(slug="esme-choonara")
    soon = timezone.now() + dt.timedelta(minutes=1)
    ArticleFactory(headline="Coming up", published_at=soon, authors=[esme])
    page = "/api/v1/authors/esme-choonara/"
    assert "Coming up" not in api.get(page).content.decode()
    assert api.get("/api/v1/articles/coming-up/").status_code == 404
    with time_machine.travel(soon + dt.timedelta(seconds=1)):
        assert "Coming up" in api.get(page).content.decode()
        assert api.get("/api/v1/articles/coming-up/").status_code == 200


def test_an_import_leaves_unrelated_details_cached(api, other, django_assert_num_queries):
    details = [
        SEED,
        f"/api/v1/articles/{other.slug}/",
        f"/api/v1/authors/{other.authors.get().slug}/",
    ]
    warm(api, [*details, LIST])
    sample = SAMPLES_DIR / "2284-winter-of-discontent.txt"
    assert import_file(name=sample.name, data=sample.read_bytes()).error is None
    assert "Lessons of the winter of discontent" in api.get(LIST).content.decode()
    assert_cached(api, details, django_assert_num_queries)


def test_a_bulk_publish_shows_the_article_and_keeps_the_others(
    api, other, django_assert_num_queries
):
    draft = ArticleFactory(headline="Held back", status=Article.Status.DRAFT, published_at=None)
    warm(api, [SEED, LIST])
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 404
    Article.objects.filter(pk=draft.pk).publish()
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 200
    assert "Held back" in api.get(LIST).content.decode()
    assert_cached(api, [SEED], django_assert_num_queries)


def test_a_write_rolled_back_retires_nothing(api, other, django_assert_num_queries):
    page = f"/api/v1/articles/{other.slug}/"
    warm(api, [page, LIST])
    with transaction.atomic(), writes_rolled_back():
        other.headline = "Never saved"
        other.save()
        transaction.set_rollback(True)
    assert_cached(api, [page, LIST], django_assert_num_queries)
