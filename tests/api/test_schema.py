"""The OpenAPI schema validates, documents every filter and error, and the docs work offline."""

import importlib
import inspect
import json
import pkgutil
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

import api
import articles

ARTICLE_FILTERS = {
    "q",
    "publication",
    "issue",
    "issue_number",
    "author",
    "published_after",
    "published_before",
    "modified_after",
    "modified_before",
    "year",
    "has_image",
    "book",
    "topic",
    "ordering",
}
FILTERS = {
    "/api/v1/issues/": {
        "publication",
        "number",
        "number_min",
        "number_max",
        "date_after",
        "date_before",
        "year",
        "first_published_after",
        "first_published_before",
        "first_published_year",
        "ordering",
    },
    "/api/v1/articles/": ARTICLE_FILTERS,
    "/api/v1/authors/": {"q", "has_articles", "has_books"},
    "/api/v1/books/": {"q", "author", "article"},
    "/api/v1/topics/": {"q"},
    "/api/v1/images/": {"article", "q", "has_file"},
    "/api/v1/publications/": set(),
}
# Words that belong to the code's documentation, not the API's: a description that uses
# one is telling front-end developers how the server is built. Double backticks are
# reStructuredText, the docstrings' markup; the API's descriptions are Markdown.
INTERNALS = re.compile(
    r"serializer|\bDRF\b|REST framework|queryset|subquery|prefetch|per class|per process"
    r"|docstring|subclass|``",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def descriptions(node, path="#"):
    """Every ``description`` in a schema document, with the JSON pointer of its owner."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield path, value
            else:
                yield from descriptions(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from descriptions(value, f"{path}/{index}")


@pytest.fixture(scope="module")
def served_schema(django_db_blocker):
    """The schema as a client fetches it from ``/api/v1/schema/``."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_descriptions_speak_to_api_readers_not_to_the_code(served_schema):
    """No description (operation, component, property, parameter) tells of the code's
    internals: serializers, querysets, caching per class."""
    leaks = {path: text for path, text in descriptions(served_schema) if INTERNALS.search(text)}
    assert leaks == {}


def test_every_operation_and_resource_shape_is_described(served_schema):
    """Docstrings are not the API's docs, so each operation and each shape the resources
    answer with declares its own description."""
    for url, operations in served_schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method.upper()} {url}"
    # The import report's shapes are api.imports' own; the list envelopes are generated.
    for name, component in served_schema["components"]["schemas"].items():
        if "properties" in component and not name.startswith(("Import", "Paginated")):
            assert component.get("description"), name


@pytest.mark.parametrize("path", FILTERS)
def test_lists_document_filters_pagination_and_fields(schema, path):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    expected = FILTERS[path] | {"page", "page_size", "cursor", "fields"}
    if path == "/api/v1/articles/":
        expected.add("format")  # the citation formats (api.citations)
    assert set(parameters) == expected
    assert all(parameters[name].get("description") for name in expected)


@pytest.mark.parametrize("path", FILTERS)
def test_every_operation_documents_400_and_404(schema, path):
    detail = next(p for p in schema["paths"] if p.startswith(path) and p != path)
    for url in (path, detail):
        for operation in schema["paths"][url].values():
            assert {"400", "404"} <= set(operation["responses"])


def test_writes_document_401_and_403(schema):
    create = schema["paths"]["/api/v1/articles/"]["post"]
    assert {"201", "400", "401", "403"} <= set(create["responses"])


class ResourceLinks(HTMLParser):
    """The URLs a page loads or links to: every ``src`` and ``href`` attribute."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def test_docs_page_loads_nothing_from_a_cdn(client, db):
    """Swagger UI comes from our own static files (drf-spectacular-sidecar): every script,
    stylesheet and icon the page names, and the schema its own script fetches, are on
    this server."""
    page = client.get("/api/v1/docs/").content.decode()
    parser = ResourceLinks()
    parser.feed(page)
    assert any(url.endswith("/swagger-ui-bundle.js") for url in parser.urls)
    script = client.get("/api/v1/docs/?script=").content.decode()
    assert re.findall(r'\burl: "([^"]*)"', script) == ["/api/v1/schema/"]
    assert "/api/v1/docs/?script=" in parser.urls
    parser.urls.remove("/api/v1/docs/?script=")
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/static/"), url


def code_docstrings():
    """The docstrings of the project's own modules, and of their classes, methods and
    functions."""
    for package in (api, articles):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            documented = [module]
            for obj in vars(module).values():
                if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                    continue
                if obj.__module__ != module.__name__:
                    continue
                documented.append(obj)
                if inspect.isclass(obj):
                    documented += [m for m in vars(obj).values() if inspect.isfunction(m)]
            yield from (inspect.cleandoc(o.__doc__) for o in documented if o.__doc__)


def test_no_description_is_a_docstring(served_schema):
    """The schema is written for front-end developers: no description repeats a sentence
    of the code's docstrings (say, a serializer's account of its own fields)."""
    sentences = {
        sentence
        for doc in code_docstrings()
        for sentence in re.split(r"(?<=[.:])\s+", " ".join(doc.split()))
        if len(sentence) > 30
    }
    assert len(sentences) > 100
    leaks = {
        path: sentence
        for path, text in descriptions(served_schema)
        for sentence in sentences
        if sentence in " ".join(text.split())
    }
    assert leaks == {}


def test_fields_enums_name_every_field_the_server_accepts(schema, editor_api, seed):
    """A typed client can ask for `status` (staff) and `highlight` (with `q`): the enum
    offers them and the description says when they apply."""
    parameters = schema["paths"]["/api/v1/articles/"]["get"]["parameters"]
    fields = next(p for p in parameters if p["name"] == "fields")
    assert {"status", "highlight"} <= set(fields["schema"]["items"]["enum"])
    assert "`status` (Only for editors" in fields["description"]
    assert "`highlight` (Only with `q`" in fields["description"]
    response = editor_api.get("/api/v1/articles/", {"q": "trotsky", "fields": "status,highlight"})
    assert response.status_code == 200
    assert set(response.json()["results"][0]) == {"status", "highlight"}
    detail = schema["paths"]["/api/v1/articles/{slug}/"]["get"]["parameters"]
    detail_fields = next(p for p in detail if p["name"] == "fields")["schema"]["items"]["enum"]
    assert "status" in detail_fields and "highlight" not in detail_fields
    assert "highlight" not in schema["components"]["schemas"]["ArticleDetail"]["properties"]


def test_reads_need_no_authentication_and_writes_do(schema):
    """Generators read any security requirement, even one with `{}`, as "authentication
    required": reads declare none, writes take a token or a session."""
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "get":
                assert "security" not in operation, url
            else:
                assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], url
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert "security" not in schema


def test_ordering_values_have_names_in_code(schema):
    """Generated enums name `-headline` `HEADLINE_DESC`, not `VALUE_0`."""
    parameters = schema["paths"]["/api/v1/articles/"]["get"]["parameters"]
    items = next(p for p in parameters if p["name"] == "ordering")["schema"]["items"]
    names = dict(zip(items["enum"], items["x-enum-varnames"], strict=True))
    assert names == {
        "-headline": "HEADLINE_DESC",
        "-published_at": "PUBLISHED_AT_DESC",
        "headline": "HEADLINE",
        "published_at": "PUBLISHED_AT",
    }


def test_paginated_lists_document_the_cursor(schema):
    """The envelope's `cursor` is documented, nullable, and optional: numbered pages have
    none."""
    envelope = schema["components"]["schemas"]["PaginatedArticleListList"]
    cursor = envelope["properties"]["cursor"]
    assert cursor["nullable"] and cursor["type"] == "string"
    assert "cursor" not in envelope["required"]
