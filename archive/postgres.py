"""How values are sent to PostgreSQL through psycopg.

On PostgreSQL, Django's ``bulk_create`` sends each column as one array (``UNNEST``), and
psycopg's text dumper of a list escapes every double quote and backslash in an element
through a regular-expression substitution with a template, a Python call for each
character escaped. The JSON the archive stores in bulk (an article's rendered documents,
its revisions' serialized versions) is mostly quotes, so that escaping was the largest
cost an import paid in the driver. ``QuotedListDumper`` escapes with ``bytes.replace``.
"""

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
