"""Form fields for the editorial admin."""

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget

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


def with_lf_line_ends(text: str) -> str:
    """``text`` with CRLF and lone CR line ends made LF, as the archive stores text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class EditorTextField(forms.CharField):
    """A text box's value with LF line ends, as the archive stores text.

    Browsers submit a textarea's line ends as CRLF whatever the text had; stored as sent,
    every save would add ``\\r`` to the body, its blocks and its HTML, and a form posted
    back untouched would count as changed.
    """

    def to_python(self, value):
        return with_lf_line_ends(super().to_python(value))


class FittedTextarea(AdminTextareaWidget):
    """The admin's text box, tall enough to show its whole text without scrolling inside.

    Rows are counted from the text, a long line taking one row per ``chars_per_row``
    characters (what the admin's wide text box holds), so a long article's body opens at
    its full length; ``articles/admin/editing.js`` grows it further while the editor types.
    """

    chars_per_row = 80
    min_rows = 3

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        text = self.format_value(value) or ""
        rows = sum(1 + len(line) // self.chars_per_row for line in text.splitlines())
        context["widget"]["attrs"]["rows"] = max(rows + 1, self.min_rows)
        return context
