"""How the archive's text reaches PostgreSQL: bulk inserts' arrays (``archive.postgres``)
carry every character as it was, and long texts are stored with LZ4."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg.adapt import PyFormat

from archive.postgres import QuotedListDumper
from articles.models import Author

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="psycopg's adapters and TOAST are PostgreSQL's"
    ),
]

# Every character an array literal treats specially, and the words it reads as NULL.
AWKWARD_TEXTS = [
    'He said "no"',
    "back\\slash",
    '\\"',
    "\\\\",
    '"',
    "NULL",
    "null",
    "",
    " ",
    "{braces}",
    "a,b",
    " padded ",
    "line\r\nbreak\n",
    "tab\there",
    "Zürich — “quoted” ‘pages’",
    '{"detail": {"body": "a \\"quote\\"", "list": [1, null]}}',
]


def test_connections_dump_lists_with_the_quoted_dumper():
    connection.ensure_connection()
    dumper = connection.connection.adapters.get_dumper(list, PyFormat.TEXT)
    assert dumper is QuotedListDumper


def test_a_text_array_comes_back_as_it_was_sent():
    values = [*AWKWARD_TEXTS, None]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [values])
        assert cursor.fetchone()[0] == values


@pytest.mark.parametrize(
    "values, cast",
    [
        ([[1, 2], [3, None]], "int[]"),
        ([None, None], "text[]"),
        ([], "text[]"),
        ([dt.date(1968, 3, 1), None], "date[]"),
        ([True, False], "boolean[]"),
    ],
    ids=["nested", "only nulls", "empty", "dates", "booleans"],
)
def test_other_arrays_come_back_as_they_were_sent(values, cast):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}", [values])
        assert cursor.fetchone()[0] == values


def test_a_bulk_insert_stores_every_text_as_it_was():
    authors = [
        Author(name=f"Author {number}", slug=f"author-{number}", bio=text)
        for number, text in enumerate(AWKWARD_TEXTS)
    ]
    with CaptureQueriesContext(connection) as queries:
        Author.objects.bulk_create(authors)
    assert "UNNEST" in queries[-1]["sql"]  # each column went as one array
    stored = dict(Author.objects.filter(slug__startswith="author-").values_list("slug", "bio"))
    assert stored == {f"author-{number}": text for number, text in enumerate(AWKWARD_TEXTS)}


def test_long_texts_are_compressed_with_lz4():
    """Where the server has LZ4 (migration 0015 leaves pglz, the default, where not)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        (available,) = cursor.fetchone()
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attcompression FROM pg_attribute"
            " WHERE (attrelid::regclass::text, attname) IN (('articles_article', 'body'),"
            " ('articles_articledocument', 'item'), ('articles_articledocument', 'detail'),"
            " ('reversion_version', 'serialized_data'))"
        )
        compression = {(table, column): method for table, column, method in cursor.fetchall()}
    method = "l" if available else ""
    assert compression == {
        ("articles_article", "body"): method,
        ("articles_articledocument", "item"): method,
        ("articles_articledocument", "detail"): method,
        ("reversion_version", "serialized_data"): method,
    }
