"""Uploaded pictures are checked with Pillow: real images only, bounded in bytes and pixels."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from articles.models import Article, Image
from articles.validators import MAX_IMAGE_BYTES

ADD_IMAGE = "/admin/articles/image/add/"


def picture(image_format, size=(40, 30)):
    """A real image file made by Pillow."""
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "crimson").save(buffer, format=image_format)
    return buffer.getvalue()


def png_declaring(width, height):
    """A few bytes of PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def upload(editor_client, seed, settings, tmp_path):
    """Post a file through the admin's Image add form, as an editor would."""
    settings.MEDIA_ROOT = tmp_path
    article = Article.objects.get(slug="trotskys-socialism")

    def post(name, content):
        return editor_client.post(
            ADD_IMAGE,
            {
                "article": article.pk,
                "position": 5,
                "caption": "Uploaded",
                "file": SimpleUploadedFile(name, content),
            },
        )

    return post


@pytest.mark.parametrize(
    ("image_format", "name"),
    [("JPEG", "a.jpg"), ("PNG", "a.png"), ("GIF", "a.gif"), ("WEBP", "a.webp")],
)
def test_real_images_in_the_allowed_formats_are_stored_with_their_size(upload, image_format, name):
    response = upload(name, picture(image_format))
    assert response.status_code == 302, response.content
    image = Image.objects.get(caption="Uploaded")
    assert (image.width, image.height) == (40, 30)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "notes.png",
            b"Not a picture at all, just text.",
            "Upload a JPEG, PNG, GIF or WebP image; this file is not one (or is damaged).",
        ),
        ("scan.bmp", picture("BMP"), "BMP images are not accepted: upload JPEG, PNG, GIF or WebP."),
        ("scan.tiff", picture("TIFF"), "TIFF images are not accepted"),
        (
            "bomb.png",
            png_declaring(100_000, 100_000),
            "The image declares hundreds of millions of pixels or more; "
            "at most 60 megapixels are accepted.",
        ),
        (
            "huge.png",
            png_declaring(10_000, 7_000),
            "The image declares 10,000 × 7,000 pixels; at most 60 megapixels are accepted.",
        ),
        (
            "damaged.png",
            picture("PNG")[:60],
            "Upload a JPEG, PNG, GIF or WebP image; this file is not one (or is damaged).",
        ),
    ],
    ids=["text", "bmp", "tiff", "decompression-bomb", "too-many-pixels", "truncated"],
)
def test_unacceptable_files_are_refused_with_a_form_error(upload, name, content, message):
    """The form comes back with the reason under the file field; nothing is stored."""
    response = upload(name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Image.objects.filter(caption="Uploaded").exists()


def test_files_over_the_size_limit_are_refused_before_pillow_reads_them(upload):
    content = picture("PNG") + b"\x00" * MAX_IMAGE_BYTES
    response = upload("padded.png", content)
    assert response.status_code == 200
    assert "an image may be at most 25.0\xa0MB" in response.content.decode()
    assert not Image.objects.filter(caption="Uploaded").exists()


def test_the_model_validates_files_saved_outside_the_admin(seed, settings, tmp_path):
    """The checks sit on ``Image.file``, so any ModelForm or ``full_clean`` applies them."""
    from django.core.exceptions import ValidationError

    settings.MEDIA_ROOT = tmp_path
    image = Image(article=Article.objects.get(), position=5)
    image.file = SimpleUploadedFile("huge.png", png_declaring(10_000, 7_000))
    with pytest.raises(ValidationError) as refused:
        image.full_clean()
    assert refused.value.message_dict["file"][0].startswith("The image declares 10,000 × 7,000")
