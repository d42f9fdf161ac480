"""Pages of a list carry ``Link`` and ``X-Total-Count``; CORS lets browser code read them."""

import pytest
from django.test import override_settings

from tests.factories import ArticleFactory

ORIGIN = "https://www.example.org"


@pytest.fixture
def many(db):
    return ArticleFactory.create_batch(25)


def links(response):
    """``Link`` as {rel: url}."""
    parts = [part.split(">; rel=") for part in response.get("Link", "").split(", ") if part]
    return {rel.strip('"'): url.lstrip("<") for url, rel in parts}


def test_a_numbered_page_links_its_neighbours_and_gives_the_count(api, many):
    response = api.get("/api/v1/articles/", {"page": 2, "page_size": 10})
    body = response.json()
    assert links(response) == {"next": body["next"], "prev": body["previous"]}
    assert response["X-Total-Count"] == "25"
    first = api.get("/api/v1/articles/", {"page_size": 10})
    assert links(first) == {"next": first.json()["next"]}
    # Served again from the response cache, which keeps only the data: the same headers.
    again = api.get("/api/v1/articles/", {"page_size": 10})
    assert (again["Link"], again["X-Total-Count"]) == (first["Link"], first["X-Total-Count"])


def test_a_list_on_one_page_has_no_link(api, seed):
    response = api.get("/api/v1/books/")
    assert "Link" not in response and response["X-Total-Count"] == str(response.json()["count"])


def test_a_cursor_page_links_but_does_not_count(api, many):
    first = api.get("/api/v1/articles/", {"cursor": "", "page_size": 10})
    assert links(first) == {"next": first.json()["next"]} and "X-Total-Count" not in first
    second = api.get(first.json()["next"])
    assert links(second) == {"next": second.json()["next"], "prev": second.json()["previous"]}


def test_details_and_errors_carry_neither(api, seed):
    detail = api.get("/api/v1/articles/trotskys-socialism/")
    refused = api.get("/api/v1/articles/", {"page_size": 1000})
    for response in (detail, refused):
        assert "Link" not in response and "X-Total-Count" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[ORIGIN])
def test_cors_exposes_etag_link_and_total_count(api, many):
    response = api.get("/api/v1/articles/", {"page_size": 10}, HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {name.strip() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "X-Total-Count"} <= exposed
    assert {"ETag", "Link", "X-Total-Count"} <= set(response.headers)


def test_the_schema_documents_the_headers(api, db):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    for url in ("/api/v1/articles/", "/api/v1/issues/"):
        headers = schema["paths"][url]["get"]["responses"]["200"]["headers"]
        assert set(headers) == {"Link", "X-Total-Count"}
    detail = schema["paths"]["/api/v1/articles/{slug}/"]["get"]["responses"]["200"]
    assert "headers" not in detail
