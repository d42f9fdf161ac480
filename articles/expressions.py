"""Query expressions the API's querysets build on, and the SQL they keep once compiled."""

from contextvars import ContextVar

from django.db import connections
from django.db.models import DateTimeField, Exists, Expression, IntegerField, JSONField, Subquery
from django.utils import timezone

# Set while a CompiledSubquery compiles the SQL it keeps: CurrentTime then leaves a
# placeholder for the time, which the kept SQL gets afresh each time it is used.
_compiling_to_keep = ContextVar("compiling_to_keep", default=False)
_THE_CURRENT_TIME = object()


class CurrentTime(Expression):
    """The time as the query is compiled, as a parameter: ``timezone.now()`` read when the
    SQL is made rather than when the queryset is built, so a queryset built once per
    process (and any SQL a ``CompiledSubquery`` keeps) still says what is published now."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection):
        if _compiling_to_keep.get():
            return "%s", [_THE_CURRENT_TIME]
        return "%s", [connection.ops.adapt_datetimefield_value(timezone.now())]


class CompiledSubquery(Subquery):
    """A subquery that keeps its SQL once compiled, for each database.

    The API builds its article querysets once per process and clones them per request;
    the clones share their annotations (and their filters' subqueries), so the bylines,
    images and reading list, and the readers' visibility rules, compile to SQL once per
    process rather than on every request. A ``CurrentTime`` inside is filled in each time.
    A copy, which Django makes when it resolves or relabels the subquery, compiles afresh.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiled = {}

    def copy(self):
        clone = super().copy()
        clone._compiled = {}
        return clone

    def as_sql(self, compiler, connection, **extra_context):
        if connection.alias not in self._compiled:
            keeping = _compiling_to_keep.set(True)
            try:
                sql, params = super().as_sql(compiler, connection, **extra_context)
            finally:
                _compiling_to_keep.reset(keeping)
            self._compiled[connection.alias] = (sql, tuple(params))
        sql, params = self._compiled[connection.alias]
        if _compiling_to_keep.get():
            return sql, list(params)
        return sql, _filled(params, connection)


def _filled(params, connection, values=None) -> list:
    """Kept parameters with the current time, and each placeholder's value from
    ``values`` (by its name), filled in."""
    now = None
    filled = []
    for param in params:
        if param is _THE_CURRENT_TIME:
            if now is None:
                now = connection.ops.adapt_datetimefield_value(timezone.now())
            param = now
        elif isinstance(param, Placeholder):
            param = values[param]
        filled.append(param)
    return filled


class Placeholder(str):
    """Where a ``KeptQuery`` puts a value it is given each time it runs: the string is
    the value's name."""


class KeptQuery:
    """A queryset's SQL, compiled once for each database and run again with new values.

    For a read that every request repeats with only a value changed (an article's stored
    detail, by its slug), building and compiling the queryset cost as much as running it.
    The queryset is built with a ``Placeholder`` where a run's value goes
    (``filter(slug=Placeholder("slug"))``, run as ``rows(slug=...)``), and rows come back
    as ``values_list()`` would give them. A ``CurrentTime`` in it, its
    subqueries' included, is filled in each time it runs.
    """

    def __init__(self, queryset):
        self.queryset = queryset
        self._compiled = {}

    def rows(self, **values) -> list[tuple]:
        alias = self.queryset.db
        if alias not in self._compiled:
            compiler = self.queryset.query.get_compiler(using=alias)
            keeping = _compiling_to_keep.set(True)
            try:
                sql, params = compiler.as_sql()
            finally:
                _compiling_to_keep.reset(keeping)
            fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
            self._compiled[alias] = (sql, tuple(params), compiler, compiler.get_converters(fields))
        sql, params, compiler, converters = self._compiled[alias]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, _filled(params, connection, values))
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [tuple(row) for row in rows]


class CompiledExists(CompiledSubquery, Exists):
    """``Exists`` that keeps its SQL once compiled, as ``CompiledSubquery`` does, for a
    filter: a lookup resolves its operand again each time it compiles
    (``Lookup.process_lhs``), which for a subquery would make a copy, and with it the SQL
    anew. Once resolved, the subquery is what resolving it again would make."""

    _resolved = False

    def resolve_expression(self, *args, **kwargs):
        if self._resolved:
            return self
        resolved = super().resolve_expression(*args, **kwargs)
        resolved._resolved = True
        return resolved


class JSONList(CompiledSubquery):
    """The rows of a ``values(data=JSONObject(...))`` queryset as one JSON array, in the
    queryset's order (``[]`` when it has none).

    An article page's bylines, images and reading list each come from several tables;
    folded into the article's own query as JSON they cost no further round trip and no
    prefetch bookkeeping, however many rows they hold. The aggregate reads a sorted
    derived table, so the array keeps the queryset's order on both databases.
    """

    output_field = JSONField()
    template = "(SELECT COALESCE(JSONB_AGG(item.data), '[]') FROM (%(subquery)s) item)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # JSON() keeps the result JSON, rather than text, when a JSONObject embeds it:
        # SQLite drops that mark at a subquery's edge.
        template = "JSON((SELECT JSON_GROUP_ARRAY(JSON(item.data)) FROM (%(subquery)s) item))"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class SubqueryCount(Subquery):
    """How many rows a queryset has, as a scalar subquery of another query.

    It does not depend on the outer row, so both databases compute it once per query.
    """

    output_field = IntegerField()
    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
