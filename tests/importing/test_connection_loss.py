"""The database drops the importer's connections mid-run: every file still goes in once."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article, Issue
from articles.synthetic import synthetic_documents

PROJECT = Path(__file__).resolve().parents[2]
FILES, PER_ISSUE = 60, 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="--jobs needs PostgreSQL, and SQLite has no connection to drop",
    ),
]


# The importer's sessions are named, so that only they are ended, not the test run's own.
IMPORTER = "archive-import-under-test"


def terminate_importer_backends() -> int:
    """What an operator's failover or a restarted pooler does to the importer: end its
    sessions on the database, mid-statement or between files."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [IMPORTER],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_import_reconnects_and_loses_no_file(tmp_path, jobs):
    documents = synthetic_documents(articles=FILES * PER_ISSUE, per_issue=PER_ISSUE, seed=3)
    for document in documents:
        (tmp_path / f"{document['issue']['slug']}.json").write_text(json.dumps(document))
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        f"?application_name={IMPORTER}"
    )
    command = [sys.executable, "manage.py", "import_archive", str(tmp_path), f"--jobs={jobs}"]
    importer = subprocess.Popen(
        command,
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    drops = 0
    while importer.poll() is None and drops < 3:
        if Issue.objects.exists() and terminate_importer_backends():
            drops += 1
            time.sleep(0.3)
    stdout, stderr = importer.communicate(timeout=300)
    assert drops == 3, "the import ended before its connections could be dropped"
    assert importer.returncode == 0, stderr
    assert f"Files: {FILES} read, {FILES} imported, 0 failed" in stdout
    assert Issue.objects.count() == FILES
    assert Article.objects.count() == FILES * PER_ISSUE
