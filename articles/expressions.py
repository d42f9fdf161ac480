"""Query expressions the API's querysets build on."""

from django.db.models import IntegerField, JSONField, Subquery


class CompiledSubquery(Subquery):
    """A subquery that keeps its SQL once compiled, for each database.

    The API builds its article querysets once per process and clones them per request;
    the clones share their annotations, so the bylines, images and reading list compile
    to SQL once per process rather than on every request.
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
            sql, params = super().as_sql(compiler, connection, **extra_context)
            self._compiled[connection.alias] = (sql, tuple(params))
        sql, params = self._compiled[connection.alias]
        return sql, list(params)


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
