"""How values and statements are sent to PostgreSQL through psycopg.

On PostgreSQL, Django's ``bulk_create`` sends each column as one array (``UNNEST``), and
psycopg's text dumper of a list escapes every double quote and backslash in an element
through a regular-expression substitution with a template, a Python call for each
character escaped. The JSON the archive stores in bulk (an article's rendered documents,
its revisions' serialized versions) is mostly quotes, so that escaping was the largest
cost an import paid in the driver. ``QuotedListDumper`` escapes with ``bytes.replace``.

psycopg prepares a statement the fifth time a connection sends it, and PostgreSQL may
then plan it once for any values (a generic plan): for the API's lists that saves
planning on every request. ``planned_for_their_values`` sends statements unprepared, for
the reads whose right plan depends on the values.
"""

from contextlib import ExitStack, contextmanager

from django.db import connections
from psycopg.types.array import ListDumper


class QuotedListDumper(ListDumper):
    """psycopg's text dumper of lists, quoting each element of a flat list whole.

    Quoting every element (rather than only those that need it, as psycopg does) spells
    the same array; nested lists and lists with no element to type them are left to
    psycopg."""

    def dump(self, obj):
        if self.sub_dumper is None or any(isinstance(item, list) for item in obj):
            return super().dump(obj)
        dump = self.sub_dumper.dump
        elements = []
        for item in obj:
            data = None if item is None else dump(item)
            if data is None:
                elements.append(b"NULL")
            else:
                escaped = bytes(data).replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                elements.append(b'"' + escaped + b'"')
        return b"{" + self.delimiter.join(elements) + b"}"


def use_quoted_lists(sender, connection, **_signal_kwargs) -> None:
    """``connection_created``: dump lists with ``QuotedListDumper`` on PostgreSQL."""
    if connection.vendor == "postgresql":
        connection.connection.adapters.register_dumper(list, QuotedListDumper)


@contextmanager
def planned_for_their_values():
    """Within it, statements go to PostgreSQL unprepared, so each is planned for the values
    it runs with.

    A search's statements are built on what the planner knows of its values: how many
    articles match the words, and that nearly all are published by now. A generic plan
    knows neither; for a word in a hundred articles of 100,000 it read the whole
    publication index beside the search index, every time. A page of one author's
    articles, likewise, is best read from the author or from the dates by how many the
    author has.
    """
    with ExitStack() as stack:
        for alias in connections:
            connection = connections[alias]
            if connection.vendor == "postgresql":
                stack.enter_context(connection.execute_wrapper(_unprepared))
        yield


def _unprepared(execute, sql, params, many, context):
    driver = context["connection"].connection
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        return execute(sql, params, many, context)
    finally:
        driver.prepare_threshold = threshold
