"""Anonymous clients share a rate per address; editors are not throttled; requests have bounds."""

import pytest

from tests.test_settings import manage

ARTICLES = "/api/v1/articles/"


def test_anonymous_clients_get_429_with_retry_after_over_the_rate(api, seed, throttle_rate):
    """Within the rate every read answers; the next is 429 saying how long to wait."""
    throttle_rate("3/minute")
    assert [api.get(ARTICLES).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/articles/trotskys-socialism/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]


def test_the_budget_is_per_address_and_cannot_be_renewed_by_a_forged_header(
    api, seed, throttle_rate
):
    """A made-up X-Forwarded-For is not a new client; another address is."""
    throttle_rate("2/minute")
    assert api.get(ARTICLES).status_code == 200
    assert api.get(ARTICLES, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
    assert api.get(ARTICLES, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 429
    assert api.get(ARTICLES, REMOTE_ADDR="127.0.0.2").status_code == 200


def test_editors_are_not_throttled(editor_api, seed, throttle_rate):
    """The anonymous rate does not apply to an authenticated editor."""
    throttle_rate("2/minute")
    assert {editor_api.get(ARTICLES).status_code for _ in range(6)} == {200}


@pytest.mark.parametrize(
    ("environment", "rate"),
    [({}, "120/minute"), ({"ANON_THROTTLE_RATE": "5/second"}, "5/second")],
)
def test_the_anonymous_rate_comes_from_the_environment(environment, rate):
    code = "from django.conf import settings; print(settings.REST_FRAMEWORK)"
    result = manage("shell", "-v", "0", "-c", code, **environment)
    assert f"'DEFAULT_THROTTLE_RATES': {{'anon': '{rate}'}}" in result.stdout, result.stderr


def test_page_size_above_the_maximum_is_400(api, seed):
    response = api.get(ARTICLES, {"page_size": 101})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Must be at most 100."]}


@pytest.mark.parametrize("url", [ARTICLES, "/api/v1/authors/", "/api/v1/books/", "/api/v1/images/"])
def test_a_search_longer_than_200_characters_is_400_naming_q(api, seed, url):
    assert api.get(url, {"q": "x" * 200}).status_code == 200
    response = api.get(url, {"q": "x" * 201})
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert "at most 200 characters" in response.json()["q"][0]


def test_the_schema_documents_the_bounds(api):
    """Clients can read the limits and the 429 in the OpenAPI document."""
    operation = api.get("/api/v1/schema/", {"format": "json"}).json()["paths"][ARTICLES]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    assert parameters["q"]["maxLength"] == 200
    assert parameters["page_size"]["maximum"] == 100
    assert "Retry-After" in operation["responses"]["429"]["headers"]


@pytest.mark.parametrize(
    "feed", ["/api/v1/feeds/articles.rss", "/api/v1/feeds/authors/esme-choonara.atom"]
)
def test_feeds_share_the_anonymous_budget(api, seed, throttle_rate, feed):
    throttle_rate("2/minute")
    assert api.get(ARTICLES).status_code == 200
    assert api.get(feed).status_code == 200
    response = api.get(feed)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]
