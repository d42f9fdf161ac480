"""Images in S3-compatible object storage, against a local S3 server (moto's server mode)."""

import io
import socket
import subprocess
import sys
import time

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings
from PIL import Image as PillowImage

from articles.models import Image
from tests.factories import ArticleFactory

BUCKET = "archive-media"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_endpoint, monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "querystring_auth": False},
    }
    with override_settings(STORAGES={**storages.backends, "default": s3}):
        yield client


def png(width, height):
    buffer = io.BytesIO()
    PillowImage.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="pickets.png")


@pytest.mark.django_db
def test_image_files_go_to_the_bucket_and_their_url_points_there(s3_storage, s3_endpoint):
    """The file lands in the bucket, its size is read by Pillow, its URL is the bucket's."""
    image = Image(article=ArticleFactory(), caption="Pickets")
    image.file.save("pickets.png", png(64, 48))
    image.refresh_from_db()
    assert (image.width, image.height) == (64, 48)
    stored = s3_storage.get_object(Bucket=BUCKET, Key=image.file.name)
    assert PillowImage.open(io.BytesIO(stored["Body"].read())).size == (64, 48)
    assert image.file.url == f"{s3_endpoint}/{BUCKET}/{image.file.name}"


@pytest.mark.django_db
def test_the_api_gives_the_buckets_url(s3_storage, s3_endpoint, client):
    """Front ends load the picture straight from object storage, not through the app."""
    image = Image(article=ArticleFactory(), caption="Pickets")
    image.file.save("pickets.png", png(32, 32))
    body = client.get(f"/api/v1/images/{image.pk}/").json()
    assert body["url"] == f"{s3_endpoint}/{BUCKET}/{image.file.name}"
    assert (body["width"], body["height"]) == (32, 32)
