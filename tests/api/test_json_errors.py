"""Every 400, 404, 405 and 500 under ``/api/`` is JSON, in development (``DEBUG``) as in
production."""

import pytest
from django.test import Client

from api.views import ArchiveViewSetMixin

NOT_FOUND = [
    ("get", "/api/v1/nope/"),
    ("get", "/api/nope"),
    ("delete", "/api/v1/articles/foo./"),
    ("get", "/api/v1/articles/a.b/"),
    ("get", "/api/v1/feeds/authors/nobody.rss"),
]
NOT_ALLOWED = [
    # The docs page and the schema would render their refusals as HTML and YAML.
    ("delete", "/api/v1/docs/", "DELETE"),
    ("put", "/api/v1/schema/", "PUT"),
    ("delete", "/api/v1/", "DELETE"),
]


@pytest.fixture(params=[False, True], ids=["production", "development"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize(("method", "url"), NOT_FOUND)
def test_404_under_the_api_is_json(db, debug, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(("method", "url", "verb"), NOT_ALLOWED)
def test_405_under_the_api_is_json_with_allow(db, debug, method, url, verb):
    response = getattr(Client(), method)(url)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f'Method "{verb}" not allowed.'}
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_the_browsable_api_keeps_its_html_404(api, seed):
    """A client that asks for the browsable API gets it, errors included."""
    response = api.get("/api/v1/articles/nope/", {"format": "api"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_404_outside_the_api_stays_html(db, debug):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_json_404_carries_cors_headers(db, settings):
    """A front end on another origin can read the error."""
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.org"]
    response = Client().get("/api/v1/nope/", HTTP_ORIGIN="https://www.example.org")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "https://www.example.org"


def test_a_host_the_archive_does_not_serve_is_a_json_400(db, debug):
    """Django refuses it (``ALLOWED_HOSTS``) with its HTML 400 page; under the API, JSON."""
    response = Client().get("/api/v1/articles/", HTTP_HOST="archive.attacker.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Bad request."}


def test_500_under_the_api_is_json(db, debug, monkeypatch):
    """An unforeseen failure is still JSON, without a traceback."""

    def fail(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ArchiveViewSetMixin, "get_queryset", fail)
    response = Client(raise_request_exception=False).get("/api/v1/publications/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "A server error occurred."}


def test_options_and_the_browsable_api_show_no_docstring(api, seed):
    """DRF would describe a view with its docstring, written for readers of the code."""
    assert api.options("/api/v1/articles/").json()["description"] == ""
    page = api.get("/api/v1/articles/", {"format": "api"}).content.decode()
    assert "for_reader" not in page and "ArticleWriteSerializer" not in page
