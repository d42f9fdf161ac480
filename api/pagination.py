"""Two ways through a list: numbered pages, and a cursor for walking the whole archive.

``?page=N&page_size=M`` (``NumberedPagination``) gives the familiar envelope with a total
``count``. Deep pages cost an OFFSET scan and a list's first page a COUNT, so ``?cursor=``
(empty to start; ``KeysetPagination``) walks the list by keyset instead: each page continues
after the last row's ordering key (for articles ``published_at`` then ``id``), so a deep
page costs what the first does. The view picks one for each request
(``api.views.ArchiveViewSetMixin.paginator``).
"""

import base64
import binascii
import datetime as dt
import json

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, IntegerField, Q, Value
from django.utils.encoding import force_str
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from articles.caching import generation_for
from articles.expressions import SubqueryCount
from articles.readers import reads_drafts

MAX_PAGE_SIZE = 100
# Past any list's last page, and small enough that the page's OFFSET fits the databases'
# integers: a larger number is a 400, not an overflow.
MAX_PAGE = 2**31 - 1
# Query parameters that choose a page of a list or its shape, not which rows it holds.
PAGE_PARAMETERS = frozenset({"page", "page_size", "cursor", "fields", "format"})


def pagination_headers(envelope):
    """The headers of a page of a list, from its envelope: ``Link`` (RFC 8288) to the
    next and previous pages, and ``X-Total-Count`` when the list was counted. Built from
    the envelope, so that an answer from the response cache, which keeps only the data,
    carries them too."""
    links = [
        f'<{envelope[key]}>; rel="{rel}"'
        for key, rel in (("next", "next"), ("previous", "prev"))
        if envelope.get(key)
    ]
    headers = {"Link": ", ".join(links)} if links else {}
    if envelope.get("count") is not None:
        headers["X-Total-Count"] = str(envelope["count"])
    return headers


def _positive_int(request, name, default, maximum=None):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: ["A whole number is required."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"Must be at most {maximum}."]})
    return value


class _ListPagination(BasePagination):
    """What numbered pages and the keyset walk share: ``page_size`` (a bad value answers
    400 naming it, never a silent cap) and the envelope ``{count, next, previous,
    results}``, whose ``count`` stays null unless the class counts the list."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    count = None

    def get_page_size(self, request):
        return _positive_int(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        # DRF's page-number envelope, examples included, with a count that may be null.
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "nullable": True,
                    "description": "Total number of results; null in cursor mode. Counted "
                    "with the first page asked for and kept until the archive changes; a "
                    "scheduled article is counted from its publication time on, as it is "
                    "listed.",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://archive.example.org/api/v1/articles/?page=4",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://archive.example.org/api/v1/articles/?page=2",
                },
                "cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Only when walking by `cursor`: the next page's cursor, "
                    "to send as `cursor` (the same page as `next`); null on the last page. "
                    "Numbered pages have no `cursor`.",
                    "example": "eyJhZnRlciI6IFsiMjAxMC0wOC0xN1QxNzowNTowMCswMDowMCIsIDFdfQ==",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page: 1 to {self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            }
        ]


class NumberedPagination(_ListPagination, PageNumberPagination):
    """``?page=N``: numbered pages, with the list's total ``count``.

    A page is read in one query that also counts the whole list, as a scalar subquery:
    the count costs no round trip of its own, and the database still plans it apart
    from the page's rows. A page past the end needs no count: it is empty, a 404.

    Counting grows with the archive, so the count is then cached (``_count_key``) until
    the archive changes (``articles.caching``), and the list's other pages, page sizes and
    shapes read it as a constant: a list is counted once, however it is paged.

    Deep in a list the page reads its rows' keys before its rows: an OFFSET computes every
    selected column of the rows it skips (a search's highlighted passage, each lead
    image), while the keys compute only the ordering. Then only the page's rows are read.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = _positive_int(request, self.page_query_param, 1, MAX_PAGE)
        # The view's generation, so that the count is kept exactly as long as the answer.
        generation = getattr(view, "cache_generation", None) or generation_for(request.user)
        count_key = self._count_key(request, generation)
        known_count = cache.get(count_key)
        rows, count = self._read(queryset, number, page_size, known_count)
        if count is None and number > 1:
            raise NotFound(self.invalid_page_message)
        self.count = count or 0
        timeout = generation.timeout(settings.API_RESPONSE_CACHE_SECONDS)
        if known_count is None and timeout:
            cache.set(count_key, self.count, timeout)
        # The rows are read already: the Paginator only numbers the pages (for the links
        # and the browsable API), and the list's length is all it needs for that.
        self.page = Page(rows, number, Paginator(range(self.count), page_size))
        if self.page.paginator.num_pages > 1 and self.template is not None:
            # The browsable API shows page links, as for DRF's own page numbers.
            self.display_page_controls = True
        return rows

    def _read(self, queryset, number, page_size, known_count):
        """The page's rows and the list's count, which comes with the rows: ``None`` when
        the page has none."""
        if known_count is None:
            total = SubqueryCount(queryset.order_by().values("pk"))
        else:
            total = Value(known_count, output_field=IntegerField())
        counted = queryset.annotate(list_total=total)
        bottom = (number - 1) * page_size
        if not bottom:
            rows = list(counted[:page_size])
            return rows, rows[0].list_total if rows else None
        keys = list(counted.values_list("pk", "list_total")[bottom : bottom + page_size])
        pks = [pk for pk, _ in keys]
        by_pk = {row.pk: row for row in queryset.filter(pk__in=pks).order_by()}
        return [by_pk[pk] for pk in pks if pk in by_pk], keys[0][1] if keys else None

    @staticmethod
    def _count_key(request, generation):
        """The cache key of the list's total: its rows depend on the endpoint, the filters
        and whether the reader reads drafts, not on the page asked for."""
        filters = sorted(
            (name, value)
            for name, values in request.query_params.lists()
            if name not in PAGE_PARAMETERS
            for value in values
        )
        reader = reads_drafts(request.user)
        return generation.key("api-count", repr((request.path, reader, filters)))

    def get_schema_operation_parameters(self, view):
        # drf-spectacular documents only the view's ``pagination_class``, this class: the
        # keyset walk's parameters (``page_size``, ``cursor``) are listed here too.
        page = {
            "name": self.page_query_param,
            "required": False,
            "in": "query",
            "description": force_str(self.page_query_description),
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        }
        return [page, *KeysetPagination().get_schema_operation_parameters(view)]


class _Keyset:
    """The ordering of a queryset as (field, descending) pairs ending in a unique key.

    NULL counts as larger than any value, PostgreSQL's own rule, so that the
    ``-published_at`` order can still walk its index.
    """

    def __init__(self, model, ordering):
        self.fields = []
        for name in ordering:
            descending = name.startswith("-")
            field = model._meta.get_field(name.removeprefix("-"))
            self.fields.append((field.attname, descending, field))

    @classmethod
    def of(cls, queryset):
        """The keyset of a queryset's order."""
        model = queryset.model
        try:
            return cls(model, queryset.query.order_by or model._meta.ordering)
        except (AttributeError, FieldDoesNotExist):
            # Ordered by an expression, such as search relevance, which is no keyset: walk
            # in the list's default order instead.
            return cls(model, model._meta.ordering)

    def order_by(self, reverse=False):
        expressions = []
        for attname, descending, field in self.fields:
            if descending != reverse:
                expressions.append(F(attname).desc(nulls_first=True if field.null else None))
            else:
                expressions.append(F(attname).asc(nulls_last=True if field.null else None))
        return expressions

    def values(self, obj):
        return [self._encode(getattr(obj, attname)) for attname, _, _ in self.fields]

    def parse(self, values):
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise ValueError("wrong length")
        return [
            None if value is None else self._decode(field, value)
            for value, (_, _, field) in zip(values, self.fields, strict=True)
        ]

    @staticmethod
    def _decode(field, value):
        """A cursor's value as its column holds it; a value no row can have (a NUL in text,
        an integer out of the column's range) is refused before it reaches the database."""
        value = field.to_python(value)
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL in text")
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if not low <= value <= high:
                raise ValueError("integer out of range")
        return value

    def beyond(self, values, reverse=False):
        """Rows that come after ``values`` in this order (before them when ``reverse``)."""
        condition, equal_so_far = Q(pk__in=[]), Q()
        for (attname, descending, field), value in zip(self.fields, values, strict=True):
            if descending != reverse:
                # Walking towards smaller values: every non-NULL value is smaller than NULL.
                step = Q(
                    **{f"{attname}__isnull": False} if value is None else {f"{attname}__lt": value}
                )
            elif value is None:
                step = Q(pk__in=[])
            else:
                step = Q(**{f"{attname}__gt": value})
                if field.null:
                    step |= Q(**{f"{attname}__isnull": True})
            condition |= equal_so_far & step
            equal_so_far &= Q(**{f"{attname}__isnull": True} if value is None else {attname: value})
        return condition & self._bound(values, reverse)

    def _bound(self, values, reverse):
        """A range on the first key that ``beyond`` implies, spelt out: PostgreSQL cannot
        see a range in its OR of cases, and without one it walks the index from the start
        of the list. With it, a page's index scan starts at the cursor, however deep."""
        attname, descending, field = self.fields[0]
        value = values[0]
        if value is None:
            return Q()
        if descending != reverse:
            return Q(**{f"{attname}__lte": value})
        bound = Q(**{f"{attname}__gte": value})
        return bound | Q(**{f"{attname}__isnull": True}) if field.null else bound

    @staticmethod
    def _encode(value):
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value


class KeysetPagination(_ListPagination):
    """``?cursor=`` (empty to start): each page continues after the last row's ordering
    key, and ``next`` and ``previous`` carry that key as an opaque token, which the
    envelope's ``cursor`` gives on its own for the next page. The list is not counted:
    ``count`` is null."""

    cursor_query_param = "cursor"
    page_query_param = "page"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if self.page_query_param in request.query_params:
            raise ValidationError({self.cursor_query_param: ["Use either page or cursor."]})
        self.keyset = _Keyset.of(queryset)
        position, reverse = self._decode_cursor(request)
        if position is not None:
            queryset = queryset.filter(self.keyset.beyond(position, reverse))
        rows = list(queryset.order_by(*self.keyset.order_by(reverse))[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size]
        if reverse:
            rows.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = more if reverse else position is not None
        self.rows = rows
        return rows

    def _decode_cursor(self, request):
        token = request.query_params[self.cursor_query_param]
        if not token:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            return self.keyset.parse(data["after"]), bool(data.get("reverse"))
        except (
            binascii.Error,
            UnicodeDecodeError,
            ValueError,
            KeyError,
            TypeError,
            FieldDoesNotExist,
            DjangoValidationError,
        ):
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None

    def _cursor(self, obj, reverse):
        data = {"after": self.keyset.values(obj), "reverse": reverse}
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()

    def _cursor_link(self, obj, reverse):
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._cursor(obj, reverse))

    def get_next_cursor(self):
        return self._cursor(self.rows[-1], False) if self.has_next and self.rows else None

    def get_next_link(self):
        return self._cursor_link(self.rows[-1], False) if self.has_next and self.rows else None

    def get_previous_link(self):
        return self._cursor_link(self.rows[0], True) if self.has_previous and self.rows else None

    def get_paginated_response(self, data):
        # The next page's cursor on its own, so that a client need not parse it out of
        # `next`.
        response = super().get_paginated_response(data)
        response.data = {**response.data, "cursor": self.get_next_cursor()}
        return response

    def get_schema_operation_parameters(self, view):
        cursor = {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": "Walk the list by keyset instead of page numbers: pass it empty "
            "to start, then follow `next`/`previous`. Deep pages cost the same as the first; "
            "`count` is null. Cannot be combined with `page`.",
            "schema": {"type": "string"},
        }
        return [*super().get_schema_operation_parameters(view), cursor]
