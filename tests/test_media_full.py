"""Media storage that is full or read-only: a clear refusal, no truncated file, no record."""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from rest_framework.test import APIClient

from articles.models import Article, Image
from history.models import Change
from tests.conftest import SAMPLES_DIR


def noise_png(side=300):
    """A real PNG of random pixels, which no compression shrinks below about 250 KB."""
    buffer = io.BytesIO()
    PillowImage.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(params=["full", "read-only"])
def broken_media(request, settings, tmp_path):
    """A real file system too small for the upload (64 KB), or mounted read-only."""
    media = tmp_path / "media"
    media.mkdir()
    options = "size=64k" + (",ro" if request.param == "read-only" else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(media)])
    if mounted.returncode:
        pytest.skip("mounting a small tmpfs needs root, which CI has")
    settings.MEDIA_ROOT = media
    yield media
    subprocess.run(["umount", str(media)], check=True)


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_an_image_upload_is_refused_with_nothing_left_behind(editor_client, seed, broken_media):
    article = Article.objects.get(slug="trotskys-socialism")
    response = editor_client.post(
        "/admin/articles/image/add/",
        {
            "article": article.pk,
            "position": 5,
            "caption": "Too big for the disk",
            "file": SimpleUploadedFile("noise.png", noise_png()),
        },
    )
    assert response.status_code == 507
    assert "media storage is full or read-only. Nothing was saved" in response.content.decode()
    assert not Image.objects.filter(caption="Too big for the disk").exists()
    assert files_in(broken_media) == []


def test_an_api_image_upload_is_refused_with_nothing_left_behind(editor, seed, broken_media):
    """The image, its article's revision and the partial file are all undone."""
    editor_api = APIClient()
    editor_api.force_authenticate(editor)
    response = editor_api.post(
        "/api/v1/images/",
        {
            "article": "trotskys-socialism",
            "caption": "Too big for the disk",
            "file": SimpleUploadedFile("noise.png", noise_png()),
        },
        format="multipart",
    )
    assert response.status_code == 507
    assert "media storage is full or read-only" in response.json()["detail"]
    assert not Image.objects.filter(caption="Too big for the disk").exists()
    assert not Change.objects.exists()
    assert files_in(broken_media) == []


def test_an_import_upload_is_refused_with_nothing_left_behind(
    editor_client, seed, broken_media, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "import_stash": {
            "BACKEND": "archive.storage.MediaStorage",
            "OPTIONS": {"location": broken_media},
        },
    }
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    padded = page.read_bytes() + b"\n" * 100_000
    response = editor_client.post(
        "/admin/articles/article/import/",
        {"files": [SimpleUploadedFile(page.name, padded)]},
    )
    assert response.status_code == 507
    assert files_in(broken_media) == []
    assert not Article.objects.filter(issue__number=2216).exists()
