"""Two ways through a list: numbered pages, and a cursor for walking the whole archive.

``?page=N&page_size=M`` gives the familiar envelope with a total ``count``. Deep pages
cost an OFFSET scan and a list's first page a COUNT, so ``?cursor=`` (empty to start)
walks the list by keyset instead: each page continues after the last row's ordering key
(for articles ``published_at`` then ``id``), so page 5000 costs what page 1 does.
"""

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db.models import F, IntegerField, Q, Value
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from articles.caching import generation_key
from articles.expressions import SubqueryCount

MAX_PAGE_SIZE = 100
# Query parameters that choose a page of a list or its shape, not which rows it holds.
PAGE_PARAMETERS = frozenset({"page", "page_size", "cursor", "fields", "format"})


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


class _Keyset:
    """The ordering of a queryset as (field, descending) pairs ending in a unique key.

    NULL counts as larger than any value, PostgreSQL's own rule, so that the
    ``-published_at`` order can still walk its index.
    """

    def __init__(self, model, ordering):
        self.model = model
        self.fields = []
        for name in ordering:
            descending = name.startswith("-")
            field = model._meta.get_field(name.removeprefix("-"))
            self.fields.append((field.attname, descending, field))

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
            None if value is None else field.to_python(value)
            for value, (_, _, field) in zip(values, self.fields, strict=True)
        ]

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
        see a range in its OR of cases, and without one it walks the index from the start,
        so the page at 99% depth cost four times the first."""
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


class _CountingPaginator(Paginator):
    """Numbered pages read in one query that also counts the whole list.

    A separate COUNT cost a round trip and a query of its own through the ORM; as a
    scalar subquery of the page's query it costs neither, and PostgreSQL still plans the
    two apart (an InitPlan counts through an index while the page's rows are read in the
    ordering's). A page past the end needs no count: it is empty.

    The count is then kept in the cache under ``count_key``, retired with the cached
    responses (``articles.caching``) when the archive changes, and the list's other pages
    and page sizes read it as a constant: counting the 148,464 published articles of the
    150,000-article benchmark archive took 10 of each page's 17 ms, and grows with it.

    Deep in a list the page finds its rows' keys before reading the rows: PostgreSQL
    computes every selected column of the rows an OFFSET skips, a search's ``ts_headline``
    passage (half a millisecond an article) and each lead image, so page 100 of a search
    took a second. The keys cost only the ordering; then just the page's rows are read.
    """

    def __init__(self, object_list, per_page, *, count_key, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    def page(self, number):
        # ArchivePagination has checked that the number is a whole number from 1.
        number = int(number)
        bottom = (number - 1) * self.per_page
        known_count = cache.get(self.count_key)
        if known_count is None:
            total = SubqueryCount(self.object_list.order_by().values("pk"))
        else:
            total = Value(known_count, output_field=IntegerField())
        counted = self.object_list.annotate(list_total=total)
        if bottom:
            keys = list(counted.values_list("pk", "list_total")[bottom : bottom + self.per_page])
            pks = [pk for pk, _ in keys]
            rows = {row.pk: row for row in self.object_list.filter(pk__in=pks).order_by()}
            page = [rows[pk] for pk in pks if pk in rows]
            totals = [total for _, total in keys]
        else:
            page = list(counted[: self.per_page])
            totals = [row.list_total for row in page]
        if totals:
            self.count = totals[0]
        elif number == 1:
            self.count = 0
        else:
            raise EmptyPage(self.error_messages["no_results"])
        if known_count is None:
            cache.set(self.count_key, self.count, settings.API_RESPONSE_CACHE_SECONDS)
        return self._get_page(page, number, self)


class ArchivePagination(PageNumberPagination):
    """Page numbers by default (``page``, ``page_size`` up to 100); a keyset cursor with
    ``cursor``. A bad value answers 400 naming the parameter, never a silent cap."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.cursor_mode = self.cursor_query_param in request.query_params
        self.page_size = _positive_int(
            request, self.page_size_query_param, type(self).page_size, MAX_PAGE_SIZE
        )
        if not self.cursor_mode:
            _positive_int(request, self.page_query_param, 1)
            return super().paginate_queryset(queryset, request, view)
        if self.page_query_param in request.query_params:
            raise ValidationError({self.cursor_query_param: ["Use either page or cursor."]})
        return self._paginate_by_cursor(queryset, request)

    def get_page_size(self, request):
        return self.page_size

    def django_paginator_class(self, queryset, page_size):
        return _CountingPaginator(queryset, page_size, count_key=self._count_key())

    def _count_key(self):
        """The cache key of the list's total: its rows depend on the endpoint, the filters
        and whether the reader is staff (who see drafts), not on the page asked for."""
        request = self.request
        filters = sorted(
            (name, value)
            for name, values in request.query_params.lists()
            if name not in PAGE_PARAMETERS
            for value in values
        )
        return generation_key("api-count", repr((request.path, request.user.is_staff, filters)))

    def _paginate_by_cursor(self, queryset, request):
        model = queryset.model
        try:
            self.keyset = _Keyset(model, queryset.query.order_by or model._meta.ordering)
        except (AttributeError, FieldDoesNotExist):
            # Ordered by an expression, such as search relevance, which is no keyset: walk
            # in the list's default order instead.
            self.keyset = _Keyset(model, model._meta.ordering)
        position, self.reverse = self._decode_cursor(request)
        if position is not None:
            queryset = queryset.filter(self.keyset.beyond(position, self.reverse))
        rows = list(queryset.order_by(*self.keyset.order_by(self.reverse))[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if self.reverse:
            rows.reverse()
        self.has_next = more if not self.reverse else True
        self.has_previous = more if self.reverse else position is not None
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

    def _cursor_link(self, obj, reverse):
        data = {"after": self.keyset.values(obj), "reverse": reverse}
        token = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def get_next_link(self):
        if not self.cursor_mode:
            return super().get_next_link()
        return self._cursor_link(self.rows[-1], False) if self.has_next and self.rows else None

    def get_previous_link(self):
        if not self.cursor_mode:
            return super().get_previous_link()
        return self._cursor_link(self.rows[0], True) if self.has_previous and self.rows else None

    def get_paginated_response(self, data):
        count = None if self.cursor_mode else self.page.paginator.count
        return Response(
            OrderedDict(
                [
                    ("count", count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        envelope["properties"]["count"].update(
            nullable=True,
            description="Total number of results; null in cursor mode. Counted with the "
            "first page asked for and kept until the archive changes (a scheduled article "
            "whose time comes can take the response cache's lifetime, 5 minutes by default, "
            "to be counted).",
        )
        return envelope

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE_SIZE, default=20)
                parameter["description"] = "Results per page: 1 to 100 (default 20)."
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Walk the list by keyset instead of page numbers: pass it "
                "empty to start, then follow `next`/`previous`. Deep pages cost the same "
                "as the first; `count` is null. Cannot be combined with `page`.",
                "schema": {"type": "string"},
            }
        )
        return parameters
