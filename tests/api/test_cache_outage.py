"""Redis unreachable: the archive degrades to the database instead of failing."""

import io
import logging
import socketserver
import threading
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from archive import cache as degrading_cache
from articles import caching
from articles.models import Article, PendingCacheRetirement
from tests.api.utils import redis_at
from tests.conftest import SAMPLES_DIR
from tests.importing.conftest import import_file

SEED = "/api/v1/articles/trotskys-socialism/"
# Nothing listens on port 1: every connection is refused at once.
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def no_server_resting(monkeypatch):
    """Each test meets its outages afresh: a server an earlier test made rest
    (``archive.cache.REST_SECONDS``) would otherwise be skipped without an error, and a
    test's outage would go unnoticed."""
    monkeypatch.setattr(degrading_cache, "_resting_until", {})


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
    assert any(record.name == "archive.cache" for record in caplog.records)


def test_an_edit_commits_and_an_import_runs(editor_api, seed, redis_down):
    response = editor_api.patch(SEED, {"headline": "Edited while Redis was down"}, format="json")
    assert response.status_code == 200
    assert Article.objects.get(slug="trotskys-socialism").headline == "Edited while Redis was down"
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    assert import_file(name=page.name, data=page.read_bytes()).error is None
    assert Article.objects.filter(issue__number=2216).exists()


def test_import_archive_runs_to_its_summary(seed, redis_down, tmp_path):
    for page in ("2216-when-paris-rose.txt", "2284-winter-of-discontent.txt"):
        (tmp_path / page).write_bytes((SAMPLES_DIR / page).read_bytes())
    out = io.StringIO()
    call_command("import_archive", str(tmp_path), stdout=out)
    assert "2 imported, 0 failed" in out.getvalue()
    assert Article.objects.filter(issue__number__in=[2216, 2284]).count() == 2


def test_the_edit_retires_the_cached_responses_once_redis_is_back(api, editor_api, seed):
    """A response cached before the outage must not outlive an edit made during it."""
    with redis_at():
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"
        with redis_at(CLOSED_PORT):
            editor_api.patch(SEED, {"headline": "Corrected"}, format="json")
        assert api.get(SEED).json()["headline"] == "Corrected"


class FakeRedis(socketserver.ThreadingTCPServer):
    """A server on a free local port that is not Redis: it answers every request with
    ``reply``, or, without one, never answers (a hung Redis). It counts the requests."""

    daemon_threads = True

    def __init__(self, reply: bytes | None):
        self.reply = reply
        self.requests = 0
        super().__init__(("127.0.0.1", 0), FakeRedisHandler)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server_address[1]}/0"


class FakeRedisHandler(socketserver.BaseRequestHandler):
    def handle(self):
        while self.request.recv(65536):
            self.server.requests += 1
            if self.server.reply is not None:
                self.request.sendall(self.server.reply)


@contextmanager
def fake_redis(reply: bytes | None):
    server = FakeRedis(reply)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with redis_at(server.url):
            yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_is_not_redis_is_an_outage_not_a_500(api, seed):
    """Its replies cannot be parsed: reads answer from the database, and ``/readyz`` says
    the cache is unusable and counts the errors."""
    errors_before = degrading_cache.errors()
    with fake_redis(b"HTTP/1.0 400 Bad Request\r\n\r\n"):
        for url in [SEED, "/api/v1/articles/", "/api/v1/feeds/articles.rss"]:
            assert api.get(url).status_code == 200, url
        readiness = api.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["cache"] != "ok"
    assert readiness.json()["cache_errors"] > errors_before


def test_a_hung_redis_costs_one_timeout_not_one_per_call(api, seed):
    """The first call waits out the socket timeout; the calls after it, for a few
    seconds, do not ask Redis at all."""
    with fake_redis(None) as hung:
        for _ in range(5):
            assert api.get("/api/v1/articles/").status_code == 200
            assert api.get(SEED).status_code == 200
        assert hung.requests == 1


def test_every_process_that_met_the_outage_retires_the_cache_once_redis_is_back(
    api, editor_api, seed, monkeypatch
):
    """An edit made in another process during the outage, whose retirement this process
    is never told of, is not hidden by what this process cached before it."""
    with redis_at():
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"
        with redis_at(CLOSED_PORT):
            assert api.get(SEED).status_code == 200
            with monkeypatch.context() as elsewhere:
                elsewhere.setattr(caching, "_retire", lambda names, noted=False: True)
                editor_api.patch(SEED, {"headline": "Corrected elsewhere"}, format="json")
        assert api.get(SEED).json()["headline"] == "Corrected elsewhere"


def test_an_edit_whose_process_is_gone_is_retired_by_the_first_readiness_check(
    api, editor_api, seed, monkeypatch
):
    """The editing process noted in the database that it could not retire the cached
    answers; a process that never met the outage learns of it from the note."""
    with redis_at():
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"
        with redis_at(CLOSED_PORT):
            editor_api.patch(SEED, {"headline": "Corrected while Redis was down"}, format="json")
        assert PendingCacheRetirement.objects.exists()
        # From here on, a process that met nothing of the outage.
        monkeypatch.setattr(caching, "_cache_errors_retired", degrading_cache.errors())
        caching._retirement_pending.clear()
        assert api.get(SEED).json()["headline"] == "Trotsky’s socialism"

        readiness = api.get("/readyz")
        assert readiness.status_code == 200, readiness.json()
        assert api.get(SEED).json()["headline"] == "Corrected while Redis was down"
        assert not PendingCacheRetirement.objects.exists()


def test_a_cache_that_keeps_nothing_is_not_an_outage(editor_api, seed, settings):
    """``CACHE_URL=dummycache://`` turns the response cache off: a write has nothing to
    retire, so it notes no retirement for later, however many writes there are."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for headline in ["Edited without a cache", "Edited again"]:
        response = editor_api.patch(SEED, {"headline": headline}, format="json")
        assert response.status_code == 200
    assert editor_api.get(SEED).json()["headline"] == "Edited again"
    assert not PendingCacheRetirement.objects.exists()
