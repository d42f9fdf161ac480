"""The API's viewsets: thin, since visibility, search and query tuning live on the models'
QuerySets and filtering in ``api.filters``."""

from django.conf import settings
from django.core.cache import cache
from django.core.validators import slug_re
from django.http import Http404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import permissions, routers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from articles.caching import PAGE_KINDS, generation_for, page_scope
from articles.models import Author, Book, Image, Issue, Publication, Topic
from articles.readers import reads_drafts

from . import documents, filters, serializers, write_serializers
from .coverage import CoverageSerializer, CoverageWindow
from .pagination import KeysetPagination, pagination_headers
from .parsers import BoundedJSONParser
from .preconditions import (
    CONFLICT,
    IF_MATCH,
    IF_MATCH_NOTE,
    PRECONDITION_FAILED,
    ImageWritesMixin,
    RecordWritesMixin,
)
from .renderers import CitationRenderer, JSONRenderer

WRITE_ACTIONS = ("create", "update", "partial_update")


def requested_fields(request) -> list[str] | None:
    """The sparse fieldset a client asked for with ``fields=a,b``, if any."""
    raw = request.query_params.get("fields")
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise ValidationError({"fields": ["Name at least one field, e.g. fields=slug,headline."]})
    return names


class ArchiveViewSetMixin:
    """List and detail shapes, the reader's rows, sparse fieldsets and HTTP caching for
    every resource.

    ``list_queryset`` and ``queryset`` are the list's and the detail's shapes, built once
    per process; each request narrows a clone of one to what its reader may see.
    Successful reads carry ``Last-Modified``: when what the reader sees last changed,
    anywhere in the archive (``articles.caching``), which is never earlier than the
    resource's own change, whether an edit, a deletion, an unpublishing or a scheduled
    publication. Django's conditional GET middleware adds the ``ETag`` and answers 304s.
    Answers for readers of published content may be cached publicly; a reader of drafts'
    privately.
    """

    lookup_field = "slug"
    list_queryset = None
    list_serializer_class = None
    detail_serializer_class = None
    write_serializer_class = None

    def get_queryset(self):
        shape = self.list_queryset if self.action == "list" else self.queryset
        return shape.all().for_reader(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        if self.action in WRITE_ACTIONS:
            return self.write_serializer_class
        return self.list_serializer_class

    def get_serializer(self, *args, **kwargs):
        if self.action not in ("list", "retrieve"):
            return super().get_serializer(*args, **kwargs)
        kwargs["fields"] = self.serialized_fields
        serializer = super().get_serializer(*args, **kwargs)
        # Resolve the fields now, so that an unknown name is a 400 even on an empty page.
        _ = getattr(serializer, "child", serializer).fields
        return serializer

    @cached_property
    def serialized_fields(self) -> list[str] | None:
        """The fields to serialize: those a citation needs, when one was asked for
        (``fields`` then changes nothing), otherwise the client's sparse fieldset, if any."""
        renderer = getattr(self.request, "accepted_renderer", None)
        if isinstance(renderer, CitationRenderer):
            return list(renderer.fields)
        return requested_fields(self.request)

    @cached_property
    def serves_documents(self) -> bool:
        """Whether this read is answered from stored documents (``api.documents``): plain
        JSON for a reader of published content, without a sparse fieldset. Articles are
        then served as stored, as lists, pages and an article's related articles, and so
        are the articles an issue's, an author's, a book's or a topic's page embeds
        (``stored_items``)."""
        request = self.request
        return (
            self.action in ("list", "retrieve", "related")
            and not reads_drafts(request.user)
            and type(getattr(request, "accepted_renderer", None)) is JSONRenderer
            and "indent" not in (request.accepted_media_type or "")
            and self.format_kwarg is None
            and self.serialized_fields is None
        )

    def stored_items(self, select) -> list:
        """The list items of the published articles ``select(articles)`` picks, in its
        order, as stored (``documents.served_items``)."""
        rows = list(select(documents.PUBLIC_STORED_ITEMS.all()))
        return documents.served_items(rows, self.get_serializer_context())

    def list(self, request, *args, **kwargs):
        return self._cached_for_public(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._cached_for_public(super().retrieve, request, *args, **kwargs)

    def _cached_for_public(self, handler, request, *args, **kwargs):
        """Serve readers of published content from the shared cache; see
        ``articles.caching``.

        The serialized data is cached, not the rendered bytes, so content negotiation,
        ETags and conditional requests work the same on a hit. ``X-Cache`` says which it
        was (``hit`` or ``miss``), for operators and the load test's hit ratio. Answers
        for readers of drafts are never cached.
        """
        if reads_drafts(request.user):
            return handler(request, *args, **kwargs)
        # The data holds absolute URLs: the scheme and host are part of what is cached. A
        # renderer may need its own fields (``serialized_fields``): its format is too.
        identity = f"{request.accepted_renderer.format} {request.build_absolute_uri()}"
        key = self.cache_generation.key("api", identity)
        cached = cache.get(key)
        if cached is not None:
            return Response(cached, headers={"X-Cache": "hit"})
        response = handler(request, *args, **kwargs)
        response["X-Cache"] = "miss"
        timeout = self.cache_generation.timeout(settings.API_RESPONSE_CACHE_SECONDS)
        if response.status_code == 200 and timeout:
            cache.set(key, response.data, timeout)
        return response

    @cached_property
    def cache_generation(self):
        """What this request's cached answer and list count are keyed and timed by: kept
        no later than the next scheduled publication (``articles.caching``)."""
        return generation_for(self.request.user, self.cache_page, self.read_schedule)

    # How this request reads the next scheduled publication when the cache does not hold
    # it; None: on its own (``articles.caching.generation_for``).
    read_schedule = None

    @property
    def cache_page(self) -> str | None:
        """The token name of the detail page asked for, which only writes that show on it
        retire; None for lists (but ``ArticleViewSet.cache_page``), other actions and
        pages without tokens of their own, which every write retires. A key spelt
        otherwise than the archive spells it (``012`` for image 12) has none: no write
        would retire it."""
        kind = self.queryset.model._meta.model_name
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if self.action != "retrieve" or kind not in PAGE_KINDS or lookup is None:
            return None
        if self.lookup_field == "pk" and not (lookup.isdigit() and str(int(lookup)) == lookup):
            return None
        # No record has a slug outside the slug alphabet: such a key would only carry the
        # client's bytes into the cache's keys.
        if self.lookup_field == "slug" and not slug_re.match(lookup):
            return None
        return page_scope(kind, lookup)

    def initial(self, request, *args, **kwargs):
        """A key outside the slug alphabet names no record: a 404 before any query (on
        PostgreSQL a NUL byte in it would be refused as text)."""
        super().initial(request, *args, **kwargs)
        slug = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if self.lookup_field == "slug" and slug is not None and not slug_re.match(slug):
            raise Http404

    def filter_queryset(self, queryset):
        # The list's filters are not a detail route's parameters: DRF would otherwise build
        # and validate the whole FilterSet to look up one row by its key.
        if (self.lookup_url_kwarg or self.lookup_field) in self.kwargs:
            return queryset
        return super().filter_queryset(queryset)

    @cached_property
    def paginator(self):
        """Numbered pages (``pagination_class``), or a keyset walk when the request has
        ``cursor``. The schema documents ``pagination_class`` alone, so that class lists
        the cursor's parameters too."""
        if KeysetPagination.cursor_query_param in self.request.query_params:
            return KeysetPagination()
        return super().paginator

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in permissions.SAFE_METHODS and response.status_code == 200:
            patch_vary_headers(response, ("Cookie", "Authorization"))
            if reads_drafts(request.user):
                patch_cache_control(response, private=True, no_cache=True)
            else:
                max_age = self.cache_generation.timeout(settings.API_CACHE_MAX_AGE)
                patch_cache_control(response, public=True, max_age=max_age)
            response.headers["Last-Modified"] = http_date(self.cache_generation.since)
            if self.action == "list":
                for name, value in pagination_headers(response.data).items():
                    response.headers[name] = value
        return response


class ArchiveRootView(routers.APIRootView):
    """The archive's resources, its documentation and its feeds."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        links = {
            "docs": "api:docs",
            "schema": "api:schema",
            "feed_rss": "api:feed-rss",
            "feed_atom": "api:feed-atom",
            "changes": "api:changes",
        }
        for key, name in links.items():
            response.data[key] = reverse(name, request=request)
        response.data["feeds_per_author"] = "/api/v1/feeds/authors/{slug}.rss (or .atom)"
        response.data["feeds_per_issue"] = "/api/v1/feeds/issues/{slug}.rss (or .atom)"
        return response


def record_writes(kind, write, detail, example, *, needed_by=""):
    """The schema of a resource's create, update, partial update and delete: who may,
    what to send (with ``example``, a complete request body) and what comes back."""
    who = f"for editors with the `articles.{{}}_{kind}` permission"
    a = "an" if kind[0] in "aeiou" else "a"
    validated = (
        "Validated as the admin validates it, with the same messages: a 400 names each bad "
        "field, and nothing is written."
    )
    conflict = ""
    if needed_by:
        conflict = f" If {needed_by} still need it, a 409 names them and nothing is deleted."
    correction = dict(list(example.items())[-1:])
    return {
        "create": extend_schema(
            description=f"Add {a} {kind}: {who.format('add')}. {validated} The answer is the "
            f"new {kind}'s detail.",
            request=write,
            responses={201: detail},
            examples=[OpenApiExample(f"A new {kind}", value=example, request_only=True)],
        ),
        "update": extend_schema(
            description=f"Replace {a} {kind}'s fields: {who.format('change')}. {validated} "
            + IF_MATCH_NOTE,
            request=write,
            parameters=[IF_MATCH],
            responses={200: detail, 412: PRECONDITION_FAILED},
            examples=[OpenApiExample(f"The whole {kind}", value=example, request_only=True)],
        ),
        "partial_update": extend_schema(
            description=f"Correct some of {a} {kind}'s fields: {who.format('change')}. "
            f"{validated} " + IF_MATCH_NOTE,
            request=write,
            parameters=[IF_MATCH],
            responses={200: detail, 412: PRECONDITION_FAILED},
            examples=[OpenApiExample("A correction", value=correction, request_only=True)],
        ),
        "destroy": extend_schema(
            description=f"Delete {a} {kind}: {who.format('delete')}.{conflict} " + IF_MATCH_NOTE,
            parameters=[IF_MATCH],
            responses={
                204: None,
                **({409: CONFLICT} if needed_by else {}),
                412: PRECONDITION_FAILED,
            },
        ),
    }


@extend_schema_view(
    list=extend_schema(description="The publications in the archive, e.g. Socialist Worker."),
    retrieve=extend_schema(description="A publication by slug, with the link to its issues."),
    **record_writes(
        "publication",
        write_serializers.PublicationWriteSerializer,
        serializers.PublicationDetailSerializer,
        {"slug": "international-socialism", "name": "International Socialism"},
        needed_by="issues",
    ),
)
class PublicationViewSet(RecordWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Publications by slug."""

    queryset = Publication.objects.for_api_detail()
    list_queryset = Publication.objects.for_api_list()
    filterset_class = filters.PublicationFilter
    list_serializer_class = serializers.PublicationListSerializer
    detail_serializer_class = serializers.PublicationDetailSerializer
    write_serializer_class = write_serializers.PublicationWriteSerializer

    @extend_schema(
        description="Which issues of a publication the archive holds and which it lacks, "
        "by issue number, as runs `[first, last]`: for researchers judging what a search "
        "can have missed, and for archivists finding the issues still to load. Give "
        "`number_min` and `number_max` to account for a window of numbers (numbers beyond "
        "the issues held count as missing); without them the window runs from the first "
        "issue held to the last. Only what the reader may see counts: an issue whose "
        "articles are all unpublished is missing, except for editors. With issues and "
        "articles per year. A bound that is not a whole number from 1 to 2147483647, or "
        "`number_max` below `number_min`, is a 400 naming it.",
        parameters=[CoverageWindow],
        responses={200: CoverageSerializer},
    )
    @action(detail=True, methods=["get"])
    def coverage(self, request, *args, **kwargs):
        return self._cached_for_public(self._coverage, request, *args, **kwargs)

    def _coverage(self, request, *args, **kwargs):
        window = CoverageWindow(data=request.query_params)
        window.is_valid(raise_exception=True)
        coverage = self.get_object().coverage(request.user, **window.validated_data)
        return Response(CoverageSerializer(coverage).data)


@extend_schema_view(
    list=extend_schema(description="Issues of the archive's publications: number and cover date."),
    retrieve=extend_schema(
        description="An issue by slug (e.g. `socialist-worker-2215`), with its articles in the "
        "order they went online: published ones, and for editors drafts too."
    ),
    **record_writes(
        "issue",
        write_serializers.IssueWriteSerializer,
        serializers.IssueDetailSerializer,
        {"publication": "socialist-worker", "number": 2216, "date": "2010-08-24"},
        needed_by="articles",
    ),
)
class IssueViewSet(RecordWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Issues by slug. The detail embeds the issue's articles, so what it shows depends on
    who asks: only editors get drafts."""

    queryset = Issue.objects.for_api_detail()
    list_queryset = Issue.objects.for_api_list()
    filterset_class = filters.IssueFilter
    list_serializer_class = serializers.IssueListSerializer
    detail_serializer_class = serializers.IssueDetailSerializer
    write_serializer_class = write_serializers.IssueWriteSerializer


@extend_schema_view(
    list=extend_schema(description="People credited with articles or books."),
    retrieve=extend_schema(
        description="An author by slug, with their latest articles (published ones, and for "
        "editors' drafts too), the link to all their articles, and their books."
    ),
    **record_writes(
        "author",
        write_serializers.AuthorWriteSerializer,
        serializers.AuthorDetailSerializer,
        {"name": "Tony Cliff", "slug": "tony-cliff", "bio": "Founder of the paper."},
        needed_by="articles' bylines or books' credits",
    ),
)
class AuthorViewSet(RecordWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Authors by slug. The detail embeds the author's latest articles, so what it shows
    depends on who asks: only editors get drafts."""

    queryset = Author.objects.for_api_detail()
    list_queryset = Author.objects.for_api_list()
    filterset_class = filters.AuthorFilter
    list_serializer_class = serializers.AuthorListSerializer
    detail_serializer_class = serializers.AuthorDetailSerializer
    write_serializer_class = write_serializers.AuthorWriteSerializer


@extend_schema_view(
    list=extend_schema(description="Books recommended in articles' reading lists."),
    retrieve=extend_schema(
        description="A book by slug, with the articles whose reading lists recommend it, "
        "newest first: published ones, and for editors drafts too."
    ),
    **record_writes(
        "book",
        write_serializers.BookWriteSerializer,
        serializers.BookDetailSerializer,
        {
            "title": "Their Morals and Ours",
            "authors": ["leon-trotsky"],
            "publisher": "Pathfinder",
            "year": 1973,
            "isbn": "0873482182",
            "series": "",
            "volume": None,
        },
        needed_by="articles' reading lists",
    ),
)
class BookViewSet(RecordWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Books by slug. The detail lists the articles recommending the book among those the
    reader may see."""

    queryset = Book.objects.for_api_detail()
    list_queryset = Book.objects.for_api_list()
    filterset_class = filters.BookFilter
    list_serializer_class = serializers.BookListSerializer
    detail_serializer_class = serializers.BookDetailSerializer
    write_serializer_class = write_serializers.BookWriteSerializer


@extend_schema_view(
    list=extend_schema(
        description="The topics editors file articles under, by name, each with how many of "
        "its articles you can read. A topic given only to drafts is listed for editors alone."
    ),
    retrieve=extend_schema(
        description="A topic by slug, with what it covers, its latest articles (published "
        "ones, and for editors drafts too) and the link to all of them."
    ),
    **record_writes(
        "topic",
        write_serializers.TopicWriteSerializer,
        serializers.TopicDetailSerializer,
        {
            "name": "Miners’ strike",
            "slug": "miners-strike",
            "description": "The strike of 1984–85 and its aftermath.",
        },
    ),
)
class TopicViewSet(RecordWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Topics by slug. Each carries how many of its articles the reader may see, so the
    count, like the detail's articles, depends on who asks."""

    queryset = Topic.objects.for_api_detail()
    list_queryset = Topic.objects.for_api_list()
    filterset_class = filters.TopicFilter
    list_serializer_class = serializers.TopicListSerializer
    detail_serializer_class = serializers.TopicDetailSerializer
    write_serializer_class = write_serializers.TopicWriteSerializer

    def get_queryset(self):
        return super().get_queryset().with_article_count(self.request.user)


@extend_schema_view(
    list=extend_schema(
        description="Pictures printed with articles: those of published articles, and for "
        "editors those of drafts too. Often only the caption survives: then `url` is null."
    ),
    retrieve=extend_schema(
        description="An image by id: a 404 for anyone but editors until its article is published."
    ),
    **record_writes(
        "image",
        write_serializers.ImageWriteSerializer,
        serializers.ImageDetailSerializer,
        {
            "article": "trotskys-socialism",
            "position": 1,
            "caption": "Leon Trotsky",
            "credit": "",
            "alt_text": "Leon Trotsky at his desk",
        },
    ),
)
class ImageViewSet(ImageWritesMixin, ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Images by id, since they have no slug; an image is visible to whoever may see its
    article. Writes take multipart form data, for the file, or JSON."""

    queryset = Image.objects.for_api_detail()
    list_queryset = Image.objects.for_api_list()
    lookup_field = "pk"
    parser_classes = [MultiPartParser, BoundedJSONParser]
    filterset_class = filters.ImageFilter
    list_serializer_class = serializers.ImageListSerializer
    detail_serializer_class = serializers.ImageDetailSerializer
    write_serializer_class = write_serializers.ImageWriteSerializer
