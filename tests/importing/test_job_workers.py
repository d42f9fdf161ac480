"""Import jobs run by real Celery workers (subprocesses) on PostgreSQL and Redis: a worker
killed with SIGKILL inside a file leaves that file not imported, and the next worker
imports the rest; two workers on one job never import a file twice.

A worker is made to stop inside a file deterministically: a trigger on the article table
waits for an advisory lock this test holds, so the worker's transaction is open, with the
file's first article written, until the test lets it go.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils.text import slugify
from kombu import Connection

from archive.celery import app
from articles.importing.jobs import job_create
from articles.models import Article, ImportJob
from articles.synthetic import synthetic_documents
from articles.tasks import run_import_job

PROJECT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
HOLD_KEY = 2_026_120_4
FILES = 4
WORKER = "archive-job-worker-under-test"
# Short enough for the test: a killed worker's message goes back to the queue after two
# seconds, and the workers look for such messages every second.
TRANSPORT = {
    "visibility_timeout": 2,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
WAIT = 60

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="workers share the database with the test: PostgreSQL",
    ),
]


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def broker():
    """Transport options for a Redis key prefix of this test's own, deleted afterwards."""
    prefix = f"archive-test-{uuid.uuid4().hex}:"
    yield {**TRANSPORT, "global_keyprefix": prefix}
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def start_worker(broker, import_stash, tmp_path):
    """Start a Celery worker process (solo pool: the task runs in the process the test
    kills); every worker still running is killed at the end."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}?application_name={WORKER}",
        "CELERY_BROKER_URL": REDIS,
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(broker),
        "IMPORT_STASH_ROOT": str(import_stash),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    workers = []

    def start(name):
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the worker
        command = [sys.executable, "-m", "celery", "-A", "archive", "worker", "--pool=solo"]
        command += [f"--hostname={name}@%h", "--without-gossip", "--without-mingle"]
        worker = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=log)
        workers.append((worker, log))
        return worker

    yield start
    for worker, log in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()


@pytest.fixture
def enqueue(broker, monkeypatch):
    """Send a job to the workers' queue in Redis (the test process is otherwise eager)."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)

    def send(job):
        with Connection(REDIS, transport_options=broker) as producer_connection:
            run_import_job.apply_async((job.pk,), connection=producer_connection)

    return send


@pytest.fixture
def job(editor, import_stash):
    """A queued job of four interchange documents, one issue of three articles each."""
    documents = list(synthetic_documents(articles=FILES * 3, per_issue=3, seed=11))
    uploads = [
        SimpleUploadedFile(f"{document['issue']['slug']}.json", json.dumps(document).encode())
        for document in documents
    ]
    job = job_create(user=editor, uploads=uploads)
    job.slugs = [[article["slug"] for article in document["articles"]] for document in documents]
    return job


@pytest.fixture
def hold():
    """``hold(slug)``: a worker writing that article waits, inside its file's transaction,
    until ``hold.release()``; the trigger is dropped at the end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_hold_article() RETURNS trigger AS $$ BEGIN "
            f"PERFORM pg_advisory_lock({HOLD_KEY}); PERFORM pg_advisory_unlock({HOLD_KEY}); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )

    class Hold:
        def __call__(self, slug):
            assert slug == slugify(slug), "a slug needs no quoting in the trigger"
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_lock({HOLD_KEY})")
                cursor.execute(
                    "CREATE TRIGGER test_hold_article BEFORE INSERT ON articles_article "
                    f"FOR EACH ROW WHEN (NEW.slug = '{slug}') EXECUTE FUNCTION test_hold_article()"
                )

        def release(self):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_unlock({HOLD_KEY})")

        def waiting(self, wait_event):
            """The worker backends waiting on ``wait_event`` (``advisory``, ``transactionid``)."""
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = %s AND wait_event = %s",
                    [WORKER, wait_event],
                )
                return [pid for (pid,) in cursor.fetchall()]

    yield Hold()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock_all()")
        cursor.execute("DROP TRIGGER IF EXISTS test_hold_article ON articles_article")
        cursor.execute("DROP FUNCTION test_hold_article()")


def worker_backends():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [WORKER],
        )
        return [pid for (pid,) in cursor.fetchall()]


def finished(job):
    job.refresh_from_db()
    return job.status == ImportJob.Status.FINISHED


def assert_every_file_imported_once(job):
    """Every article there once, and every file's result a creation: a file imported
    twice would say "unchanged", its second import's result."""
    files = list(job.files.order_by("position"))
    assert [file.result["ok"] for file in files] == [True] * FILES
    for file, slugs in zip(files, job.slugs, strict=True):
        assert {article["action"] for article in file.result["articles"]} == {"created"}
        assert sorted(article["slug"] for article in file.result["articles"]) == sorted(slugs)
    every_slug = [slug for slugs in job.slugs for slug in slugs]
    assert Article.objects.filter(slug__in=every_slug).count() == len(every_slug)


def test_a_worker_killed_inside_a_file_leaves_it_unimported_and_the_next_finishes(
    job, hold, start_worker, enqueue
):
    """SIGKILL while the second file's transaction is open: that file has nothing written
    and no result, the first keeps its own; a new worker imports the rest exactly once."""
    hold(job.slugs[1][0])
    first = start_worker("first")
    enqueue(job)
    wait_for(lambda: hold.waiting("advisory"), "the worker to reach the second file")
    first.send_signal(signal.SIGKILL)
    first.wait()
    # The dead worker's session ends (its client is gone) and its transaction rolls back.
    hold.release()
    wait_for(lambda: not worker_backends(), "the killed worker's session to end")

    done = [file.result is not None for file in job.files.order_by("position")]
    assert done == [True, False, False, False]
    assert not Article.objects.filter(slug__in=job.slugs[1]).exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING

    start_worker("second")
    wait_for(lambda: finished(job), "the second worker to finish the job")
    assert_every_file_imported_once(job)
    assert job.attempts == 2
    assert not [path for path in job.files.values_list("stored", flat=True) if path]


def test_two_workers_on_one_job_never_import_a_file_twice(job, hold, start_worker, enqueue):
    """The job delivered twice, to two workers: while one is inside the first file, the
    other waits for that file's row lock, then finds it imported and goes on."""
    hold(job.slugs[0][0])
    start_worker("one")
    start_worker("two")
    enqueue(job)
    enqueue(job)
    wait_for(lambda: hold.waiting("advisory"), "a worker to reach the first file")
    wait_for(lambda: hold.waiting("transactionid"), "the other worker to wait for the file")
    hold.release()
    wait_for(lambda: finished(job), "the workers to finish the job")
    assert_every_file_imported_once(job)
