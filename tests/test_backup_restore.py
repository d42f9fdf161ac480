"""Backups restore: the archive exported (or dumped) and loaded into an empty database
serves the same article JSON as the original.

The restore runs in a separate process against a scratch database of the same engine (a
new PostgreSQL database, or a new SQLite file), migrated from nothing, as an operator
would restore onto a fresh server.
"""

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from articles.synthetic import synthetic_documents
from tests.test_settings import PROJECT


def article_responses() -> dict:
    """Every article's detail JSON, as a staff reader (drafts included) sees it."""
    from articles.models import Article

    reader, _ = get_user_model().objects.get_or_create(username="restore-check", is_staff=True)
    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    return {
        slug: json.loads(client.get(f"/api/v1/articles/{slug}/").content)
        for slug in Article.objects.order_by("slug").values_list("slug", flat=True)
    }


def without_ids(data):
    """The interchange format carries no database ids and no timestamps of the database's
    own by design, so a restore renumbers, and its articles change (``updated_at``) when
    they are restored."""
    if isinstance(data, dict):
        return {
            key: without_ids(value)
            for key, value in data.items()
            if key not in ("id", "updated_at")
        }
    if isinstance(data, list):
        return [without_ids(item) for item in data]
    return data


def to_milliseconds(responses):
    """Django's serializers write date-times to the millisecond, so a dump keeps
    ``updated_at`` to the millisecond only."""
    return {
        slug: {**data, "updated_at": re.sub(r"(\.\d{3})\d*", r"\1", data["updated_at"])}
        for slug, data in responses.items()
    }


@pytest.fixture
def scratch_database(tmp_path):
    """The URL of an empty database of the test database's engine, dropped afterwards."""
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"archive_restore_{uuid.uuid4().hex[:12]}"
    server = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        user = settings_dict["USER"]
        yield f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{name}"
    finally:
        server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.close()


def in_scratch(database_url, *args):
    """Run ``manage.py *args`` against the scratch database."""
    environment = {
        key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URLS"
    }
    environment["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def restored_responses(database_url):
    code = (
        "import json; from tests.test_backup_restore import article_responses; "
        "print(json.dumps(article_responses()))"
    )
    return json.loads(in_scratch(database_url, "shell", "-v", "0", "-c", code))


@pytest.fixture
def archive(seed, tmp_path):
    """The seed plus 30 generated articles in two issues, imported as an archivist would."""
    source = tmp_path / "generated"
    source.mkdir()
    for number, document in enumerate(synthetic_documents(articles=30, per_issue=15, seed=6)):
        (source / f"{number}.json").write_text(json.dumps(document), encoding="utf-8")
    call_command("import_archive", str(source), verbosity=0)
    responses = article_responses()
    assert len(responses) == 31
    return responses


def test_export_then_import_into_an_empty_database_serves_the_same_articles(
    archive, scratch_database, tmp_path
):
    """export_archive → import_archive: every article's JSON is the same, ids aside."""
    export = tmp_path / "export"
    call_command("export_archive", output=export, verbosity=0)
    assert len(list(export.glob("**/*.json"))) == 3

    in_scratch(scratch_database, "migrate", "--noinput", "-v", "0")
    in_scratch(scratch_database, "import_archive", str(export), "-v", "0")
    assert without_ids(restored_responses(scratch_database)) == without_ids(archive)


def test_dumpdata_then_loaddata_into_an_empty_database_serves_the_same_articles(
    archive, scratch_database, tmp_path
):
    """dumpdata → loaddata keeps even the database ids: the JSON is identical."""
    dump = Path(tmp_path / "archive.json")
    call_command("dumpdata", "articles", "--natural-foreign", output=str(dump), verbosity=0)

    in_scratch(scratch_database, "migrate", "--noinput", "-v", "0")
    in_scratch(scratch_database, "loaddata", str(dump), "-v", "0")
    assert to_milliseconds(restored_responses(scratch_database)) == to_milliseconds(archive)
