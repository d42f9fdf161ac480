"""A typed client generated from the schema, as a front-end developer would use it.

openapi-python-client generates a client from the live server's schema; mypy checks a
small script written against it alone (``generated_client/read_archive.py``: it lists,
searches, walks by cursor and renders the seed's page, anonymously); the script then
runs against the live server. A schema that types anonymous reads as authenticated, or
misses a value the server accepts, fails here.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from articles.models import Article
from tests.api.utils import NEW_ARTICLE
from tests.factories import ArticleFactory

SCRIPT = Path(__file__).resolve().parent / "generated_client" / "read_archive.py"
BIN = Path(sys.executable).parent
CONFIG = """\
project_name_override: archive-client
package_name_override: archive_client
post_hooks: []
"""

pytestmark = pytest.mark.django_db(transaction=True)


def run(*command, cwd, timeout=60):
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture
def generated_client(tmp_path, live_server, seed, unthrottled):
    """The ``archive_client`` package, generated into ``tmp_path`` from the served schema."""
    with urllib.request.urlopen(f"{live_server.url}/api/v1/schema/?format=json") as response:
        (tmp_path / "schema.json").write_bytes(response.read())
    (tmp_path / "config.yaml").write_text(CONFIG)
    output = run(
        BIN / "openapi-python-client",
        "generate",
        "--path=schema.json",
        "--config=config.yaml",
        "--meta=none",
        "--output-path=archive_client",
        cwd=tmp_path,
    )
    assert "Warning" not in output, output
    (tmp_path / SCRIPT.name).write_text(SCRIPT.read_text())
    return tmp_path


def test_a_typed_script_reads_the_archive_anonymously(generated_client, live_server, settings):
    settings.CHANGES_FEED_DELAY = 0
    ArticleFactory.create_batch(4)
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    checked = run(
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        f"--cache-dir={generated_client / '.mypy_cache'}",
        SCRIPT.name,
        cwd=generated_client,
    )
    assert "Success: no issues found" in checked

    read = json.loads(run(sys.executable, SCRIPT.name, live_server.url, cwd=generated_client))
    published = Article.objects.published().order_by("-headline", "-id")
    assert read["count"] == 5
    assert read["walked"] == list(published.values_list("slug", flat=True))
    assert read["highlights"] and all("<mark>" in text for text in read["highlights"])
    assert read["headline"] == "Trotsky’s socialism"
    assert read["issue"] == 2215
    assert read["authors"] == ["Esme Choonara"]
    assert "<h2>An inspiration for today</h2>" in read["page"]
    assert ["created", "article", "trotskys-socialism"] in read["changes"]

    editor = APIClient()
    editor.force_authenticate(User.objects.create_superuser("editor-for-the-feed"))
    assert editor.post("/api/v1/articles/", NEW_ARTICLE, format="json").status_code == 201
    script = [sys.executable, SCRIPT.name, live_server.url, read["cursor"]]
    since = json.loads(run(*script, cwd=generated_client))
    assert ["created", "article", NEW_ARTICLE["slug"]] in since["changes"]
    assert ["created", "article", "trotskys-socialism"] not in since["changes"]
