"""Anonymous API responses in the shared Redis cache, and no stale response after an edit."""

import pytest
from django.core.cache import cache

from articles.models import Article, Author, Issue
from tests.api.utils import redis_at
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory
from tests.importing.conftest import import_file

SEED = "/api/v1/articles/trotskys-socialism/"


@pytest.fixture(autouse=True)
def redis_cache():
    """The real Redis the deployment uses, under a key prefix of this test's own."""
    with redis_at():
        cache.set("ping", "pong")
        assert cache.get("ping") == "pong", "Redis must be running on 127.0.0.1:6379"
        yield


def headlines(api, url):
    body = api.get(url).json()
    return [item["headline"] for item in body.get("results", body.get("articles", []))]


def test_a_repeated_anonymous_read_is_served_from_redis(api, seed, django_assert_num_queries):
    first = api.get(SEED)
    with django_assert_num_queries(0):
        second = api.get(SEED)
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    with django_assert_num_queries(0):
        assert api.get(SEED, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_edit_is_seen_at_once_everywhere_the_article_appears(api, seed):
    """Detail, list, its issue and its author: none serves the cached old headline."""
    pages = [
        SEED,
        "/api/v1/articles/",
        "/api/v1/issues/socialist-worker-2215/",
        "/api/v1/authors/esme-choonara/",
    ]
    for url in pages:
        assert "Trotsky’s socialism" in api.get(url).content.decode()
    article = Article.objects.get(slug="trotskys-socialism")
    article.headline = "Trotsky’s socialism, revisited"
    article.save()
    for url in pages:
        assert "Trotsky’s socialism, revisited" in api.get(url).content.decode(), url


def test_an_editors_api_correction_retires_the_cached_page(api, editor_api, seed):
    assert api.get(SEED).json()["standfirst"].startswith("Seventy years")
    response = editor_api.patch(SEED, {"standfirst": "Corrected standfirst"}, format="json")
    assert response.status_code == 200
    assert api.get(SEED).json()["standfirst"] == "Corrected standfirst"


def test_bulk_publishing_shows_the_new_articles(api, seed):
    """Queryset updates send no signals; publish() retires the cache itself."""
    draft = ArticleFactory(headline="Fresh from the presses", status="draft", published_at=None)
    assert "Fresh from the presses" not in headlines(api, "/api/v1/articles/")
    Article.objects.filter(pk=draft.pk).publish()
    assert "Fresh from the presses" in headlines(api, "/api/v1/articles/")


def test_related_records_retire_the_cache_too(api, seed):
    """Renaming an author or an issue changes the article page that embeds them."""
    api.get(SEED)
    esme = Author.objects.get(slug="esme-choonara")
    esme.name = "E. Choonara"
    esme.save()
    assert api.get(SEED).json()["authors"][0]["name"] == "E. Choonara"
    issue = Issue.objects.get(slug="socialist-worker-2215")
    issue.number = 2299
    issue.save()
    assert api.get(SEED).json()["issue"]["number"] == 2299


def test_staff_responses_are_never_cached(api, editor_api, seed):
    """A draft an editor has read must not leak to anonymous readers through the cache."""
    ArticleFactory(headline="Secret draft", status="draft", published_at=None)
    assert "Secret draft" in headlines(editor_api, "/api/v1/articles/")
    assert "Secret draft" not in headlines(api, "/api/v1/articles/")


def test_an_import_retires_the_cached_lists(api, seed):
    """Articles loaded by the importer (bulk writes, no signals) appear at once."""
    assert headlines(api, "/api/v1/articles/") == ["Trotsky’s socialism"]
    sample = SAMPLES_DIR / "2284-winter-of-discontent.txt"
    report = import_file(name=sample.name, data=sample.read_bytes())
    assert report.error is None
    assert "Lessons of the winter of discontent" in headlines(api, "/api/v1/articles/")
