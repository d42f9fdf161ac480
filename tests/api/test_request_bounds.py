"""Requests past the API's bounds, or to the wrong door, answer in JSON, naming why."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

ARTICLES = "/api/v1/articles/"


@pytest.fixture
def token_headers(editor):
    """A front end's editor: token, no session, so no CSRF check is involved."""
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=editor).key}"}


def test_a_body_over_the_limit_is_413_naming_it(client, seed, token_headers, settings):
    body = json.dumps({"headline": "x", "body": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post(ARTICLES, body, content_type="application/json", **token_headers)
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, "
        "the most it may be."
    }


def test_a_body_within_the_limit_is_read(client, seed, token_headers):
    response = client.post(ARTICLES, "{}", content_type="application/json", **token_headers)
    assert response.status_code == 400
    assert "headline" in response.json()


def test_too_many_parameters_is_400_naming_the_limit(client, seed, settings):
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    query = "&".join(f"p{n}=1" for n in range(limit + 1))
    response = client.get(f"{ARTICLES}?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": f"The request has more than {limit:,} parameters."}


@pytest.mark.parametrize(
    "url", ["/api/v1/feeds/articles.rss", "/api/v1/feeds/authors/esme-choonara.atom"]
)
def test_a_post_to_a_feed_is_405(seed, url):
    # As a browser's cross-site form would post it: without a CSRF token.
    response = Client(enforce_csrf_checks=True).post(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_a_post_to_a_health_check_is_405(db, url):
    response = Client(enforce_csrf_checks=True).post(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("debug", [True, False])
def test_a_write_without_the_trailing_slash_is_sent_on_with_its_body(
    client, seed, token_headers, settings, debug
):
    """A 308 (method and body kept), in development and production alike, not a 301 that
    turns the write into a GET nor development's error page."""
    settings.DEBUG = debug
    response = client.patch(
        ARTICLES.rstrip("/"), {"headline": "x"}, content_type="application/json", **token_headers
    )
    assert response.status_code == 308
    assert response["Location"] == ARTICLES
    followed = client.patch(
        "/api/v1/articles/trotskys-socialism",
        {"headline": "Trotsky’s socialism, corrected"},
        content_type="application/json",
        follow=True,
        **token_headers,
    )
    assert followed.status_code == 200
    assert followed.json()["headline"] == "Trotsky’s socialism, corrected"


@pytest.mark.parametrize(
    "path",
    [
        "articles/a%00b/",
        "articles/a%00b/related/",
        "articles/a%00b/?format=bibtex",
        "articles/a%00b/revisions/",
        "authors/a%00b/",
        "books/a%00b/",
        "issues/a%00b/",
        "publications/a%00b/",
        "publications/a%00b/coverage/",
        "topics/a%00b/",
        "articles/trotskys-socialism%E2%80%99/",
    ],
)
def test_a_key_outside_the_slug_alphabet_is_a_404(client, seed, token_headers, path):
    """On PostgreSQL a NUL byte in the key would reach the database and be refused.
    (Revisions are editors' alone: anyone else is refused before the key is read.)"""
    for headers in [token_headers] if "revisions/" in path else [{}, token_headers]:
        response = client.get(f"/api/v1/{path}", **headers)
        assert response.status_code == 404, (headers, response.content)
        assert response["Content-Type"] == "application/json"
    response = client.patch(
        f"/api/v1/{path}", "{}", content_type="application/json", **token_headers
    )
    assert response.status_code in (404, 405), response.content
