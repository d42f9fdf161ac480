"""Redis unreachable: the archive degrades to the database instead of failing."""

import logging

import pytest

from articles.models import Article
from tests.api.utils import redis_at
from tests.conftest import SAMPLES_DIR
from tests.importing.conftest import import_file

SEED = "/api/v1/articles/trotskys-socialism/"
# Nothing listens on port 1: every connection is refused at once.
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down():
    with redis_at(CLOSED_PORT):
        yield


def test_reads_go_on_from_the_database(api, seed, redis_down, caplog):
    """Lists, details, searches and feeds answer as usual, and each error is logged."""
    with caplog.at_level(logging.ERROR):
        for url in [
            SEED,
            "/api/v1/articles/",
            "/api/v1/articles/?q=trotsky",
            "/api/v1/issues/",
            "/api/v1/feeds/articles.rss",
        ]:
            assert api.get(url).status_code == 200, url
    assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"
    assert any(record.name == "django_redis.cache" for record in caplog.records)


def test_an_edit_commits_and_an_import_runs(editor_api, seed, redis_down):
    response = editor_api.patch(SEED, {"headline": "Edited while Redis was down"}, format="json")
    assert response.status_code == 200
    assert Article.objects.get(slug="trotskys-socialism").headline == "Edited while Redis was down"
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    assert import_file(name=page.name, data=page.read_bytes()).error is None
    assert Article.objects.filter(issue__number=2216).exists()


def test_the_edit_retires_the_cached_responses_once_redis_is_back(api, editor_api, seed):
    """A response cached before the outage must not outlive an edit made during it."""
    with redis_at():
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"
        with redis_at(CLOSED_PORT):
            editor_api.patch(SEED, {"headline": "Corrected"}, format="json")
        assert api.get(SEED).json()["headline"] == "Corrected"
