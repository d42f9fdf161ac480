"""The API's viewsets: thin, since visibility, search and query tuning live on the models'
QuerySets and filtering in ``api.filters``."""

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.views import defaults
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, routers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from articles.caching import generation_key
from articles.models import Article, Author, Book, Image, Issue, Publication

from . import filters, serializers
from .pagination import KeysetPagination


def page_not_found(request, exception):
    """A 404 for a URL that matches no route: JSON under ``/api/``, so that a client never
    has to parse an HTML page (e.g. ``articles/a.b/``, which no slug can match)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


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
    """List and detail shapes, sparse fieldsets and HTTP caching for every resource.

    Responses carry an ``ETag`` (a hash of the rendered body) and, where the resource
    has a timestamp, ``Last-Modified``; a matching ``If-None-Match`` or
    ``If-Modified-Since`` answers 304. Anonymous responses may be cached publicly; a
    logged-in reader's (which can include drafts) only privately.
    """

    lookup_field = "slug"
    list_serializer_class = None
    detail_serializer_class = None
    # The model field that says when an object last changed, for Last-Modified.
    last_modified_field = None
    last_modified = None

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class

    def get_serializer(self, *args, **kwargs):
        if self.action not in ("list", "retrieve"):
            return super().get_serializer(*args, **kwargs)
        kwargs["fields"] = requested_fields(self.request)
        serializer = super().get_serializer(*args, **kwargs)
        # Resolve the fields now, so that an unknown name is a 400 even on an empty page.
        _ = getattr(serializer, "child", serializer).fields
        return serializer

    def list(self, request, *args, **kwargs):
        return self._cached_for_anonymous(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._cached_for_anonymous(super().retrieve, request, *args, **kwargs)

    def _cached_for_anonymous(self, handler, request, *args, **kwargs):
        """Serve anonymous reads from the shared cache; see ``articles.caching``.

        The serialized data is cached, not the rendered bytes, so content negotiation,
        ETags and conditional requests work the same on a hit. Staff responses (which
        can include drafts) are never cached.
        """
        if request.user.is_authenticated:
            return handler(request, *args, **kwargs)
        key = generation_key("api", request.get_full_path())
        cached = cache.get(key)
        if cached is not None:
            data, self.last_modified = cached
            return Response(data)
        response = handler(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, (response.data, self.last_modified), settings.API_RESPONSE_CACHE_SECONDS)
        return response

    def filter_queryset(self, queryset):
        # The list's filters are not a detail route's parameters: DRF would otherwise build
        # and validate the whole FilterSet to look up one row by its key.
        if (self.lookup_url_kwarg or self.lookup_field) in self.kwargs:
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        obj = super().get_object()
        if self.last_modified_field:
            self.last_modified = getattr(obj, self.last_modified_field)
        return obj

    @cached_property
    def paginator(self):
        """Numbered pages (``pagination_class``), or a keyset walk when the request has
        ``cursor``. The schema documents ``pagination_class`` alone, so that class lists
        the cursor's parameters too."""
        if KeysetPagination.cursor_query_param in self.request.query_params:
            return KeysetPagination()
        return super().paginator

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if self.last_modified_field and page:
            self.last_modified = max(getattr(obj, self.last_modified_field) for obj in page)
        return page

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in permissions.SAFE_METHODS and response.status_code == 200:
            patch_vary_headers(response, ("Cookie", "Authorization"))
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
            response.add_post_render_callback(self._answer_conditionally)
        return response

    def _answer_conditionally(self, response):
        set_response_etag(response)
        last_modified = None
        if self.last_modified is not None:
            last_modified = int(self.last_modified.timestamp())
            response.headers["Last-Modified"] = http_date(last_modified)
        return get_conditional_response(
            self.request,
            etag=response.headers["ETag"],
            last_modified=last_modified,
            response=response,
        )


class ArchiveRootView(routers.APIRootView):
    """The archive's resources, its documentation and its feeds."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        links = {
            "docs": "api:docs",
            "schema": "api:schema",
            "feed_rss": "api:feed-rss",
            "feed_atom": "api:feed-atom",
        }
        for key, name in links.items():
            response.data[key] = reverse(name, request=request)
        response.data["feeds_per_author"] = "/api/v1/feeds/authors/{slug}.rss (or .atom)"
        response.data["feeds_per_issue"] = "/api/v1/feeds/issues/{slug}.rss (or .atom)"
        return response


class PublicationViewSet(ArchiveViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The titles in the archive, e.g. Socialist Worker."""

    queryset = Publication.objects.all()
    filterset_class = filters.PublicationFilter
    list_serializer_class = serializers.PublicationListSerializer
    detail_serializer_class = serializers.PublicationDetailSerializer


class IssueViewSet(ArchiveViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Issues of a publication; an issue's page lists its articles."""

    queryset = Issue.objects.all()
    filterset_class = filters.IssueFilter
    list_serializer_class = serializers.IssueListSerializer
    detail_serializer_class = serializers.IssueDetailSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return Issue.objects.for_api_detail(self.request.user)
        return Issue.objects.for_api_list()


# Writes take the write shape and answer with the article's detail shape.
@extend_schema_view(
    create=extend_schema(responses={201: serializers.ArticleDetailSerializer}),
    update=extend_schema(responses=serializers.ArticleDetailSerializer),
    partial_update=extend_schema(responses=serializers.ArticleDetailSerializer),
)
class ArticleViewSet(ArchiveViewSetMixin, viewsets.ModelViewSet):
    """Articles: anonymous readers see published ones, staff drafts too (with `status`).

    Editors with the article permissions create (POST), correct (PUT/PATCH) and delete
    articles; the answer is the article's detail shape.
    """

    # Built once, at import, and cloned for each request by DRF's get_queryset(): building
    # the JSON subqueries costs more than running them.
    queryset = Article.objects.for_api_detail()
    list_queryset = Article.objects.for_api_list()
    # JSON only: form encodings cannot say null or an empty byline.
    parser_classes = [JSONParser]
    filterset_class = filters.ArticleFilter
    list_serializer_class = serializers.ArticleListSerializer
    detail_serializer_class = serializers.ArticleDetailSerializer
    last_modified_field = "updated_at"

    def get_queryset(self):
        articles = self.list_queryset.all() if self.action == "list" else super().get_queryset()
        return articles.visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return serializers.ArticleWriteSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["search"] = self.action == "list" and bool(self.request.query_params.get("q"))
        return context


class AuthorViewSet(ArchiveViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People credited with articles or books; an author's page shows both."""

    queryset = Author.objects.all()
    filterset_class = filters.AuthorFilter
    list_serializer_class = serializers.AuthorListSerializer
    detail_serializer_class = serializers.AuthorDetailSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return Author.objects.for_api_detail(self.request.user)
        return Author.objects.for_api_list()


class BookViewSet(ArchiveViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Books recommended in reading lists; a book's page lists the articles recommending it."""

    queryset = Book.objects.all()
    filterset_class = filters.BookFilter
    list_serializer_class = serializers.BookListSerializer
    detail_serializer_class = serializers.BookDetailSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return Book.objects.for_api_detail()
        return Book.objects.for_api_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["visible_articles"] = Article.objects.visible_to(self.request.user)
        return context


class ImageViewSet(ArchiveViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Pictures printed with articles, by id; often only the caption survives."""

    queryset = Image.objects.all()
    lookup_field = "pk"
    filterset_class = filters.ImageFilter
    list_serializer_class = serializers.ImageListSerializer
    detail_serializer_class = serializers.ImageDetailSerializer

    def get_queryset(self):
        return Image.objects.visible_to(self.request.user).for_api_list()
