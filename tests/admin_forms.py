"""Admin forms posted back the way a browser submits them, for test-client tests.

``form_fields(html)`` reads the change form's controls from a page: text and hidden
inputs, ticked boxes, selected options and textareas. Textareas are sent with CRLF line
ends, as browsers do (the HTML standard normalises a textarea's value to CRLF on
submission), so a test posting them back sees what a real editor's save sends.
"""

from html.parser import HTMLParser

UNSENT_INPUTS = {"submit", "button", "file", "reset", "image"}


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in UNSENT_INPUTS or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = [name, None, "multiple" in attrs]
        elif tag == "option" and self._select is not None and self._select[2]:
            # A multiple choice (an article's topics) sends every selected option, or none.
            if "selected" in attrs:
                self.fields.append((self._select[0], attrs.get("value", "")))
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[1] is None or "selected" in attrs)
        ):
            # The first option unless another is selected.
            self._select[1] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The parser drops no newline: the one right after <textarea> is markup.
            text = text.removeprefix("\n")
            self.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, chosen, _ = self._select
            if chosen is not None:
                self.fields.append((name, chosen))
            self._select = None


def form_fields(html: str, form_id: str) -> dict:
    """The controls of the form ``form_id`` as a browser posts them: ``{name: value}``,
    or a list of values for a name sent more than once."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data = {}
    for name, value in reader.fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


def change_form(client, url: str) -> dict:
    """GET an admin change page and return its form's fields, ready to post back."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    opts = response.context["opts"]
    return form_fields(response.content.decode(), f"{opts.model_name}_form")
