"""Form fields for the editorial admin."""

from django import forms

from .validators import validate_image_file


class ImageUploadField(forms.ImageField):
    """Django's image field, with the archive's checks run before Django's own decoding.

    Django opens and verifies an upload before any validator runs and answers a generic
    "not a valid image" for everything it cannot read; checking first lets an editor
    read why a file was refused (too large, wrong format, too many pixels).
    """

    def to_python(self, data):
        if data:
            validate_image_file(data)
        return super().to_python(data)
