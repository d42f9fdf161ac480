"""ETag, Last-Modified, 304s and Cache-Control."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

SEED = "/api/v1/articles/trotskys-socialism/"


@pytest.mark.parametrize(
    "url", [SEED, "/api/v1/articles/", "/api/v1/issues/socialist-worker-2215/", "/api/v1/books/"]
)
def test_repeated_request_with_the_etag_is_304(api, seed, url):
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_changed_article_gets_a_new_etag(api, seed):
    from articles.models import Article

    first = api.get(SEED)
    article = Article.objects.get()
    article.headline = "Changed"
    article.save()
    again = api.get(SEED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_articles_carry_last_modified_and_honour_if_modified_since(api, seed):
    first = api.get(SEED)
    assert first["Last-Modified"]
    assert api.get(SEED, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api.get("/api/v1/articles/")["Last-Modified"] == first["Last-Modified"]


@override_settings(API_CACHE_MAX_AGE=300)
def test_anonymous_responses_are_publicly_cacheable(api, seed):
    response = api.get(SEED)
    assert response["Cache-Control"] == "public, max-age=300"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}


def test_staff_responses_are_private(editor_api, seed):
    """A staff answer may show drafts: no shared cache may keep it."""
    cache_control = editor_api.get(SEED)["Cache-Control"]
    assert "private" in cache_control and "public" not in cache_control


def test_errors_are_not_cached(api, seed):
    response = api.get("/api/v1/articles/", {"page": 0})
    assert response.status_code == 400
    assert not response.has_header("ETag") and "public" not in response.get("Cache-Control", "")


def test_a_missing_article_carries_no_etag(api, seed):
    response = api.get("/api/v1/articles/no-such-article/")
    assert response.status_code == 404
    assert not response.has_header("ETag")


@override_settings(CORS_ALLOWED_ORIGINS=["https://www.example.org"])
def test_a_304_to_a_front_end_on_another_origin_keeps_its_cors_headers(api, seed):
    """The 304 comes from the conditional GET middleware inside CORS's, so a browser
    revalidating a cross-origin answer may still read it."""
    origin = {"HTTP_ORIGIN": "https://www.example.org"}
    first = api.get(SEED, **origin)
    again = api.get(SEED, HTTP_IF_NONE_MATCH=first["ETag"], **origin)
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "https://www.example.org"


@pytest.mark.parametrize(
    "url", [SEED, "/api/v1/articles/", "/api/v1/issues/socialist-worker-2215/"]
)
@pytest.mark.parametrize(
    "first_request",
    [{"HTTP_HOST": "localhost:8103"}, {"HTTP_X_FORWARDED_PROTO": "https", "secure": True}],
    ids=["host", "scheme"],
)
def test_the_response_cache_cannot_be_poisoned_by_another_host_or_scheme(
    api, seed, url, first_request
):
    """A response holds absolute URLs: one asked for under another host or scheme must not
    be served to everyone else."""
    api.get(url, **first_request)
    assert "localhost:8103" not in api.get(url).content.decode()
    assert "https://" not in api.get(url).content.decode()
    assert "http://testserver/api/v1/" in api.get(url).content.decode()


def unpublish_newest():
    from articles.models import Article

    Article.objects.filter(pk=Article.objects.latest().pk).unpublish()


def delete_newest():
    from articles.models import Article

    Article.objects.latest().delete()


def rename_the_author():
    from articles.models import Author

    author = Author.objects.get(slug="esme-choonara")
    author.name = "E. Choonara"
    author.save()


@pytest.mark.parametrize(
    ("url", "change"),
    [
        ("/api/v1/articles/", unpublish_newest),
        ("/api/v1/articles/", delete_newest),
        ("/api/v1/issues/", unpublish_newest),
        (SEED, rename_the_author),
    ],
    ids=["unpublished", "deleted", "its-issue-gone", "byline-renamed"],
)
def test_if_modified_since_is_never_answered_304_after_a_change(api, seed, url, change):
    """``Last-Modified`` is no earlier than the last change to what the reader sees: not
    the newest row still listed, which says nothing of a retracted or renamed one."""
    from tests.factories import ArticleFactory

    ArticleFactory(headline="The retracted story")
    first = api.get(url)
    with time_machine.travel(dt.timedelta(seconds=5)):
        change()
        again = api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 200
        assert again.content != first.content
        assert api.get(url, HTTP_IF_MODIFIED_SINCE=again["Last-Modified"]).status_code == 304
