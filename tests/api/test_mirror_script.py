"""``docs/mirror.py``, run as a user runs it against a live server: its folder holds what
the API serves after creations, updates, unpublishing and deletions."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from history.feed import record_existing
from tests.api.utils import NEW_ARTICLE

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "mirror.py"
LISTS = ("publications", "issues", "articles", "authors", "books", "images")


def run_mirror(api_root: str, folder: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), api_root, str(folder), *args],
        check=True,
        timeout=120,
        capture_output=True,
    )


def get(url: str, headers: dict) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return json.load(response)


def served(api_root: str, headers: dict) -> dict[str, dict]:
    """Every record the live server lists, as its detail JSON, by the file name the mirror
    gives it."""
    records = {}
    for name in LISTS:
        url = f"{api_root}{name}/?page_size=100"
        while url:
            page = get(url, headers)
            for item in page["results"]:
                key = item["id"] if name == "images" else item["slug"]
                detail = get(f"{api_root}{name}/{key}/", headers)
                records[f"{name.removesuffix('s')}/{key}.json"] = detail
            url = page["next"]
    return records


def mirrored(folder: Path) -> dict[str, dict]:
    return {
        path.relative_to(folder).as_posix(): json.loads(path.read_text(encoding="utf-8"))
        for path in folder.glob("*/*.json")
    }


@pytest.fixture
def archive(transactional_db, settings):
    from django.core.management import call_command

    settings.CHANGES_FEED_DELAY = 0
    call_command("loaddata", "seed", verbosity=0)
    record_existing()


@pytest.mark.parametrize("as_staff", [False, True], ids=["anonymous", "staff"])
def test_the_mirror_script_follows_the_archive(
    live_server, archive, editor, tmp_path, as_staff, unthrottled
):
    from rest_framework.authtoken.models import Token

    api_root = f"{live_server.url}/api/v1/"
    folder = tmp_path / "mirror"
    editor_api = APIClient()
    editor_api.force_authenticate(editor)
    token = Token.objects.create(user=editor).key
    options = ("--token", token) if as_staff else ()
    headers = {"Authorization": f"Token {token}"} if as_staff else {}

    def check():
        run_mirror(api_root, folder, *options)
        assert mirrored(folder) == served(api_root, headers)

    check()
    assert "article/trotskys-socialism.json" in mirrored(folder)

    url = "/api/v1/articles/a-new-piece/"
    assert editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json").status_code == 201
    check()
    assert editor_api.patch(url, {"headline": "Corrected"}, format="json").status_code == 200
    check()
    assert mirrored(folder)["article/a-new-piece.json"]["headline"] == "Corrected"
    draft = {"status": "draft"}
    assert editor_api.patch(url, draft, format="json").status_code == 200
    check()
    assert ("article/a-new-piece.json" in mirrored(folder)) is as_staff
    seed = "/api/v1/articles/trotskys-socialism/"
    assert editor_api.delete(seed).status_code == 204
    assert editor_api.delete(url).status_code == 204
    check()
    assert not any(name.startswith("article/") for name in mirrored(folder))
