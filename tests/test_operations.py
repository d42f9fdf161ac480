"""What load balancers and operators rely on: health checks and read routing."""

import pytest
from django.test import RequestFactory, override_settings

from archive.replicas import ReplicaReadMiddleware, ReplicaRouter
from archive.settings import redis_cache
from articles.models import Article


def test_liveness_touches_nothing(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database:default": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_fails_when_the_cache_is_down(client):
    """A Redis that does not answer makes the node unready, with the reason given, though
    the cache client absorbs the error so that the API goes on (tests/api/test_cache_outage)."""
    with override_settings(CACHES={"default": redis_cache("redis://127.0.0.1:1/0")}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("error")


def route_of(request):
    """Which database the router picks for an article read during this request."""
    seen = {}

    def view(request):
        seen["db"] = ReplicaRouter().db_for_read(Article)
        return None

    ReplicaReadMiddleware(view)(request)
    return seen["db"]


@override_settings(REPLICA_DATABASES=["replica1"])
@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("get", "/api/v1/articles/", {}, "replica1"),
        ("head", "/api/v1/articles/", {}, "replica1"),
        ("get", "/api/v1/articles/", {"HTTP_AUTHORIZATION": "Token abc"}, "default"),
        ("get", "/api/v1/articles/", {"HTTP_COOKIE": "sessionid=abc"}, "default"),
        ("post", "/api/v1/articles/", {}, "default"),
        ("get", "/admin/articles/article/", {}, "default"),
    ],
    ids=["anonymous-get", "anonymous-head", "token", "session", "write", "admin"],
)
def test_only_anonymous_api_reads_go_to_a_replica(method, path, headers, expected):
    request = getattr(RequestFactory(), method)(path, **headers)
    assert route_of(request) == expected


def test_without_replicas_everything_reads_from_the_primary():
    assert route_of(RequestFactory().get("/api/v1/articles/")) == "default"
    assert ReplicaRouter().db_for_write(Article) == "default"
