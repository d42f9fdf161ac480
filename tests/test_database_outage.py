"""A request that loses the database answers 503 in JSON, and the next one recovers."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's in-memory test database cannot be disconnected: it would vanish",
    ),
]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_unreachable():
    """Point the app's connection at a port where no PostgreSQL listens, then back."""
    settings_dict = connection.settings_dict
    address = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", closed_port()
    try:
        yield
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = address


@pytest.fixture
def database_down():
    with database_unreachable():
        yield


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/",
        "/api/v1/articles/trotskys-socialism/",
        "/api/v1/issues/socialist-worker-2215/",
    ],
)
def test_an_unreachable_database_answers_503_in_json(client, seed, database_down, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "The archive's database is unavailable. Try again shortly."
    }
    assert b"Traceback" not in response.content


def test_readiness_and_reads_return_after_an_outage(client, seed):
    """When PostgreSQL answers again, the same process serves again: no restart needed."""
    with database_unreachable():
        assert client.get("/api/v1/articles/").status_code == 503
        assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 200
    response = client.get("/api/v1/articles/")
    assert response.status_code == 200
    assert response.json()["results"][0]["slug"] == "trotskys-socialism"
