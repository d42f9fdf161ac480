"""Checks on uploaded images, made with Pillow before anything decodes the pixels.

A picture file is untrusted input: it may not be an image at all, be far larger than any
scan needs, or be a "decompression bomb" — a few kilobytes of PNG declaring billions of
pixels, which would take gigabytes of memory to decode. Only the header is read to
learn the dimensions, and the file is refused before anything could decode it.
"""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}
# A full newspaper page scanned at 400 dpi is about 6,000 × 8,000 pixels and 20 MB.
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 60_000_000


def validate_image_file(file) -> None:
    """Refuse a file that is too large, not a JPEG/PNG/GIF/WebP image, or too many pixels.

    A file already in storage (a saved image's ``FieldFile``, posted back unchanged by a
    form) was checked when it was uploaded and is not read again: Django may have closed
    it after reading its dimensions, and re-reading it from object storage costs a
    download.
    """
    if getattr(file, "_committed", False):
        return
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            "The file is %(size)s; an image may be at most %(limit)s.",
            code="image_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(MAX_IMAGE_BYTES)},
        )
    file.seek(0)
    try:
        with Image.open(file) as image:
            _check_format_and_pixels(image.format, image.width, image.height)
            image.verify()
    except Image.DecompressionBombError:
        # Pillow refuses outright above twice its own limit, which is above ours.
        raise _too_many_pixels("hundreds of millions of pixels or more") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "Upload a JPEG, PNG, GIF or WebP image; this file is not one (or is damaged).",
            code="invalid_image",
        ) from None
    finally:
        file.seek(0)


def _check_format_and_pixels(image_format, width, height):
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            "%(format)s images are not accepted: upload JPEG, PNG, GIF or WebP.",
            code="image_format",
            params={"format": image_format},
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(f"{width:,} × {height:,} pixels")


def _too_many_pixels(size):
    return ValidationError(
        "The image declares %(size)s; at most %(limit)s megapixels are accepted.",
        code="image_pixels",
        params={"size": size, "limit": MAX_IMAGE_PIXELS // 1_000_000},
    )
