"""An admin form's fields as the browser would post them, read from the rendered page."""

from html import unescape
from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_fields(response, form_id) -> dict[str, str]:
    """The named fields of the form ``form_id`` with their current values, leaving out the
    templates for new inline rows (``__prefix__``, nested-admin's ``-empty-``)."""
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    fields = {}
    for name, value in parser.data.items():
        if "__prefix__" in name or "-empty-" in name:
            continue
        # Browsers drop the one newline that follows <textarea>.
        fields[name] = unescape(value).removeprefix("\n")
    return fields
