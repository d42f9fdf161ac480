"""The OpenAPI schema validates, documents every filter and error, and the docs work offline."""

import json
import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

ARTICLE_FILTERS = {
    "q",
    "publication",
    "issue",
    "issue_number",
    "author",
    "published_after",
    "published_before",
    "year",
    "has_image",
    "book",
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
    },
    "/api/v1/articles/": ARTICLE_FILTERS,
    "/api/v1/authors/": {"q", "has_articles", "has_books"},
    "/api/v1/books/": {"q", "author", "article"},
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


def test_docs_page_loads_nothing_from_a_cdn(client, db):
    """Swagger UI comes from our own static files (drf-spectacular-sidecar)."""
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page
