"""Article text is data, never markup: hostile bodies come out of the API inert."""

from html.parser import HTMLParser

import pytest

from tests.factories import ArticleFactory

HOSTILE = (
    "Read this <script>alert('body')</script> first.\n\n"
    "## <img src=x onerror=alert('heading')>\n\n"
    '<a href="javascript:alert(\'link\')">Click</a> and <b onmouseover="alert(1)">hover</b>\n\n'
    "<svg onload=alert(1)><iframe src=javascript:alert(2)></iframe></svg> strike"
)


class Elements(HTMLParser):
    """Every element an HTML fragment would create in a browser, with its attributes."""

    def __init__(self, fragment):
        super().__init__()
        self.elements = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


@pytest.fixture
def hostile(seed):
    return ArticleFactory(headline="Hostile <script>alert(0)</script>", body=HOSTILE)


def test_body_html_has_only_paragraphs_and_subheadings_without_attributes(api, hostile):
    """<script>, event handlers and javascript: links stay visible text, never elements."""
    data = api.get(f"/api/v1/articles/{hostile.slug}/").json()
    elements = Elements(data["body_html"]).elements
    assert elements == [("p", []), ("h2", []), ("p", []), ("p", [])]
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in data["body_html"]
    assert "onerror=alert('heading')" in data["body_html"]
    assert data["blocks"][1] == {"type": "heading", "text": "<img src=x onerror=alert('heading')>"}


def test_search_highlights_mark_matches_and_nothing_else(api, hostile):
    """The highlight passage is HTML too: only <mark> elements may appear in it."""
    response = api.get("/api/v1/articles/", {"q": "strike"})
    [item] = [item for item in response.json()["results"] if item["slug"] == hostile.slug]
    assert {tag for tag, _ in Elements(item["highlight"]).elements} == {"mark"}
