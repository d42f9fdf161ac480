"""Query expressions the API's querysets build on."""

from django.db.models import JSONField, Subquery


class JSONList(Subquery):
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
        return super().as_sql(compiler, connection, template=template, **extra_context)
