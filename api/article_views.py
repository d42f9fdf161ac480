"""The articles' viewset: lists, search, counts, citations, related articles and
revisions, over the same visibility rules and filters as every other resource."""

from django.core.validators import slug_re
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from archive.postgres import planned_for_their_values
from articles.caching import page_scope
from articles.expressions import KeptQuery, Placeholder
from articles.models import Article

from . import documents, filters, serializers, write_serializers
from .counts import COUNTS_SCHEMA, ArticleCountsSerializer, CountsQuerySerializer
from .preconditions import (
    IF_MATCH,
    IF_MATCH_NOTE,
    PRECONDITION_FAILED,
    ArticleWritesMixin,
)
from .publishing import PublishPermissionMixin
from .renderers import CITATION_RENDERERS, CitationRenderer
from .views import ArchiveViewSetMixin

# A whole article as an editor sends it, the documented example of a create and a replace.
ARTICLE_EXAMPLE = {
    "issue": "socialist-worker-2215",
    "headline": "Trotsky’s legacy",
    "slug": "trotskys-legacy",
    "standfirst": "",
    "body": "The first paragraph.\n\n## A subheading\n\nThe second.",
    "status": "draft",
    "published_at": None,
    "authors": ["esme-choonara"],
    "reading_list": {
        "groups": [
            {
                "heading": "On Trotsky’s life try:",
                "entries": [
                    {
                        "text": "Isaac Deutscher’s three volume biography",
                        "books": [
                            "the-prophet-armed",
                            "the-prophet-unarmed",
                            "the-prophet-outcast",
                        ],
                    }
                ],
            }
        ],
        "note": "All available at Bookmarks.",
    },
}


# A stored detail's row, for the public (the only readers served stored documents),
# compiled once per process: a request gives only its slug, and a slug names one
# article, so the row needs no order.
_PUBLIC_DETAIL = KeptQuery(
    Article.objects.published()
    .filter(slug=Placeholder("slug"))
    .order_by()
    .values_list("document__detail", "document__fingerprint")[:1]
)
_PUBLIC_DETAIL_AND_SCHEDULE = KeptQuery(
    Article.objects.published()
    .filter(slug=Placeholder("slug"))
    .with_next_publication()
    .order_by()
    .values_list("document__detail", "document__fingerprint", "next_publication")[:1]
)


@extend_schema_view(
    list=extend_schema(
        description="Articles, newest first, or with `q` most relevant first. Readers other "
        "than editors get published articles only; editors (who may view or change articles), "
        "with a token or session, get drafts and scheduled articles too, and each article's "
        "`status`."
    ),
    retrieve=extend_schema(
        description="An article by slug, with everything its page shows in one response: "
        "issue, authors, the body as text, HTML and blocks, images and reading list. A draft "
        "or a scheduled article is a 404 for anyone but editors."
    ),
    create=extend_schema(
        description="Create an article, sent as JSON: for editors who may add articles. The "
        "answer is the new article's detail. Creating it published (or scheduled) needs the "
        "publish permission too: without it, a 403 says so.",
        responses={201: serializers.ArticleDetailSerializer},
        examples=[
            OpenApiExample(
                "A new article with its byline and reading list",
                value=ARTICLE_EXAMPLE,
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        description="Replace an article's fields, sent as JSON: for editors who may change "
        "articles. The answer is the article's detail. Publishing, unpublishing or changing "
        "the time of a published article needs the publish permission too: without it, a 403 "
        "says so. " + IF_MATCH_NOTE,
        parameters=[IF_MATCH],
        responses={200: serializers.ArticleDetailSerializer, 412: PRECONDITION_FAILED},
        examples=[
            OpenApiExample(
                "The whole article, published",
                value={
                    **ARTICLE_EXAMPLE,
                    "status": "published",
                    "published_at": "2010-08-17T18:05:00+01:00",
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        description="Correct some of an article's fields, sent as JSON: for editors who may "
        "change articles. The answer is the article's detail. Publishing, unpublishing or "
        "changing the time of a published article needs the publish permission too: without "
        "it, a 403 says so. " + IF_MATCH_NOTE,
        parameters=[IF_MATCH],
        responses={200: serializers.ArticleDetailSerializer, 412: PRECONDITION_FAILED},
        examples=[
            OpenApiExample(
                "A corrected standfirst",
                value={"standfirst": "Seventy years after his murder, Trotsky’s ideas live."},
                request_only=True,
            )
        ],
    ),
    destroy=extend_schema(
        description="Delete an article: for editors who may delete articles. " + IF_MATCH_NOTE,
        parameters=[IF_MATCH],
        responses={204: None, 412: PRECONDITION_FAILED},
    ),
)
class ArticleViewSet(
    PublishPermissionMixin, ArticleWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet
):
    """Articles by slug: the one resource editors also write over the API.

    Every request is narrowed by ``for_reader()``, so only editors ever get drafts or
    scheduled articles. Writes take ``ArticleWriteSerializer`` and answer in the detail
    shape.
    """

    queryset = Article.objects.for_api_detail()
    list_queryset = Article.objects.for_api_list()
    filterset_class = filters.ArticleFilter
    list_serializer_class = serializers.ArticleListSerializer
    detail_serializer_class = serializers.ArticleDetailSerializer
    write_serializer_class = write_serializers.ArticleWriteSerializer

    def dispatch(self, request, *args, **kwargs):
        # A search's right plan depends on its words: planned afresh, never kept.
        if not request.GET.get("q"):
            return super().dispatch(request, *args, **kwargs)
        with planned_for_their_values():
            return super().dispatch(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        # A page's right plan depends on its filters' values: one author's fifty articles
        # are found from the author, another's fifty thousand from the dates. A generic
        # plan, made for any author and dates, counted each author's articles by reading
        # every article of the date window.
        with planned_for_their_values():
            return super().paginate_queryset(queryset)

    @property
    def searching(self) -> bool:
        """Whether this is a search: a list with ``q``, whose items carry their passage."""
        return self.action == "list" and bool(self.request.query_params.get("q"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["search"] = self.searching
        return context

    def get_renderers(self):
        """JSON and the browsable API, and for an article or a page of the list, the
        citation formats too (``api.citations``)."""
        renderers = super().get_renderers()
        if self.action in ("list", "retrieve"):
            renderers += [renderer() for renderer in CITATION_RENDERERS]
        return renderers

    def handle_exception(self, exc):
        """Errors in JSON, even where a citation format was asked for: the citation
        renderers render an article's data and nothing else."""
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), CitationRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @property
    def cache_page(self) -> str | None:
        """A list of one issue's, one author's or one year's articles is keyed by that
        issue's, author's or year's token rather than the lists': a write that changes
        one of its rows, or moves a row into or out of it, retires that token too
        (``articles.caching``). Other writes, an import of other issues or an edit
        elsewhere, leave it cached. Only the spelling the archive uses has a token: a
        year spelt ``02009`` is keyed by the lists', as no write would retire it."""
        if self.action != "list":
            return super().cache_page
        for kind in ("issue", "author", "year"):
            values = self.request.query_params.getlist(kind)
            if len(values) != 1:
                continue
            value = values[0]
            if kind == "year" and value.isascii() and value.isdigit() and str(int(value)) == value:
                return page_scope(kind, value)
            if kind != "year" and slug_re.match(value):
                return page_scope(kind, value)
        return None

    @cached_property
    def full_text_listed(self) -> bool:
        """Whether this list's ``fields`` name the body in one of its forms."""
        names = self.serialized_fields or ()
        return self.action == "list" and bool(set(names) & set(serializers.FULL_TEXT_FIELDS))

    def get_queryset(self):
        if self.action == "list" and self.serves_documents:
            # The page's rows need only their keys, ordering and stored items.
            return documents.PUBLIC_STORED_ITEMS.all()
        if self.action == "related":
            # The article whose relations are sought: its key, and the words SQLite's
            # related search looks for.
            return Article.objects.for_reader(self.request.user).only(
                "pk", "headline", "standfirst"
            )
        queryset = super().get_queryset()
        # The list's shape leaves the body out: load it when it is asked for.
        return queryset.defer(None) if self.full_text_listed else queryset

    @extend_schema(
        description="Up to 10 other articles a reader of this one may want next, most "
        "related first: those sharing its authors count most, then those whose reading "
        "lists share a book, then those filed under a shared topic; this article's key "
        "words in their headline or standfirst break ties and fill the list when nothing "
        "else is shared. Each item has the "
        "article list's shape. Not paginated: `results` holds them all, and may be empty. "
        "Only articles the reader may see are offered (published ones, and for editors "
        "drafts and scheduled articles too); a draft's or scheduled article's related "
        "list is a 404 for anyone but editors, as its detail is.",
        filters=False,
        responses={200: serializers.RelatedArticlesSerializer},
    )
    @action(detail=True, pagination_class=None, filterset_class=None)
    def related(self, request, *args, **kwargs):
        return self._cached_for_public(self._related, request, *args, **kwargs)

    def _related(self, request, *args, **kwargs):
        article = self.get_object()
        if self.serves_documents:
            rows = documents.PUBLIC_STORED_ITEMS.all().related_to(article)
            items = documents.served_items(rows, self.get_serializer_context())
            return Response({"results": items})
        readable = self.list_queryset.all().for_reader(request.user)
        articles = readable.related_to(article)
        return Response({"results": self.get_serializer(articles, many=True).data})

    def retrieve(self, request, *args, **kwargs):
        if not self.serves_documents:
            return super().retrieve(request, *args, **kwargs)
        return self._cached_for_public(self._stored_detail, request, *args, **kwargs)

    @property
    def read_schedule(self):
        """A stored detail reads the next scheduled publication, when the cache does not
        hold it, in the statement that reads the detail: one round trip, not two."""
        if self.action == "retrieve" and self.serves_documents:
            return self._read_detail_and_schedule
        return None

    def _read_detail_and_schedule(self):
        rows = self._stored_detail_rows(with_schedule=True)
        self._stored_detail_read = [row[:2] for row in rows]
        if not rows:
            # No article at this address, so no row to carry the schedule: read on its own.
            return Article.objects.next_publication()
        return rows[0][2]

    def _stored_detail_rows(self, *, with_schedule: bool) -> list[tuple]:
        detail = _PUBLIC_DETAIL_AND_SCHEDULE if with_schedule else _PUBLIC_DETAIL
        return detail.rows(slug=self.kwargs[self.lookup_field])

    def _stored_detail(self, request, *args, **kwargs):
        rows = self.__dict__.pop("_stored_detail_read", None)
        if rows is None:
            rows = self._stored_detail_rows(with_schedule=False)
        if not rows:
            raise Http404
        detail, fingerprint = rows[0]
        if detail is None or fingerprint != documents.fingerprint():
            return super(ArchiveViewSetMixin, self).retrieve(request, *args, **kwargs)
        return Response(documents.served(detail, documents.origin_of(request)))

    def _stored_page(self, request, *args, **kwargs):
        """The page's stored items, in a search with each row's passage; any not stored
        (or stored under other settings) are serialized, in one query for them all."""
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(queryset)
        context = self.get_serializer_context()
        items = documents.served_items(rows, context, searching=self.searching)
        return self.get_paginated_response(items)

    def list(self, request, *args, **kwargs):
        if self.serves_documents:
            return self._cached_for_public(self._stored_page, request)
        size = request.query_params.get("page_size", "")
        if self.full_text_listed and size.isdigit() and int(size) > serializers.FULL_TEXT_PAGE_SIZE:
            raise ValidationError(
                {
                    "page_size": [
                        f"Must be at most {serializers.FULL_TEXT_PAGE_SIZE} when fields names "
                        "body, body_html or blocks."
                    ]
                }
            )
        return super().list(request, *args, **kwargs)

    @COUNTS_SCHEMA
    @action(
        detail=False,
        url_path="counts",
        queryset=Article.objects.all(),
        filterset_class=filters.ArticleCountsFilter,
    )
    def counts(self, request, *args, **kwargs):
        """How many articles the list's filters find, per ``by`` (``counts_by()``), cached
        and revalidated as the list is."""
        return self._cached_for_public(self._counts, request)

    def _counts(self, request):
        query = CountsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data["by"]
        queryset = self.filter_queryset(self.get_queryset())
        # Planned for the filters' values, as a page is (``paginate_queryset``).
        with planned_for_their_values():
            groups = queryset.counts_by(by)
        return Response(ArticleCountsSerializer({"by": by, "results": groups}).data)
