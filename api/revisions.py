"""An article's revisions, for editors (``articles.readers``): ``articles/{slug}/revisions/``
and ``…/{id}/``.

Each revision is read from its ``history.Change`` note (who, when, where from, which
fields) and, in the detail, from the versions django-reversion kept: the article's
state at that revision (``history.states``), with its issue, authors and books named.
"""

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets

from articles.models import Article
from articles.readers import reads_drafts
from history.models import Change
from history.states import Names, resolve, revision_states

ARTICLE_SLUG = OpenApiParameter(
    "article_slug", str, OpenApiParameter.PATH, description="The article's slug."
)


@extend_schema_serializer(
    description="A revision of an article: who made it, when, where from (`admin`, `api`, "
    "`import` or `action` for a bulk publish or unpublish), what it did and which fields "
    "it changed."
)
class RevisionListSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True, help_text="The revision's id.")
    created_at = serializers.DateTimeField(
        source="revision.date_created", read_only=True, help_text="When it was made."
    )
    user = serializers.CharField(
        source="revision.user.get_username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who made it: a username, or null for a command run on the server.",
    )
    comment = serializers.CharField(source="revision.comment", read_only=True)
    changed_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The names of the fields it changed; `authors`, `topics`, `images` and "
        "`reading_list` stand for the article's parts.",
    )

    class Meta:
        model = Change
        fields = ("id", "created_at", "user", "source", "action", "changed_fields", "comment")
        extra_kwargs = {
            "source": {
                "help_text": "Where it was made: `admin`, `api`, `import` or `action`; empty "
                "for a `baseline`, the article as it was before its first recorded change."
            },
            "action": {"help_text": "`created`, `changed`, `restored`, `deleted` or `baseline`."},
        }


@extend_schema_field(
    {
        "type": "object",
        "description": "The article as it was: its fields, `issue` `{slug, name}`, `authors` "
        "`[{slug, name}]`, `topics` `[{slug, name}]`, `images` "
        "`[{file, caption, credit, alt_text}]` and `reading_list` "
        "`[{heading, entries: [{text, books: [{slug, title}]}]}]`. A record deleted since "
        "has a null `slug`.",
        "additionalProperties": True,
    }
)
class ArticleStateField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, change):
        state = revision_states([change.pk])[change.pk]
        return resolve(state, Names([state]))


@extend_schema_serializer(
    description="A revision of an article with the article as it was at that revision."
)
class RevisionDetailSerializer(RevisionListSerializer):
    article = ArticleStateField()

    class Meta(RevisionListSerializer.Meta):
        fields = (*RevisionListSerializer.Meta.fields, "article")


class ReadsDrafts(permissions.BasePermission):
    """Revisions are the newsroom's, drafts' states among them: only for those who read
    drafts (``articles.readers``), whatever the method."""

    def has_permission(self, request, view):
        return bool(request.user and reads_drafts(request.user))


@extend_schema_view(
    list=extend_schema(
        description="Editors only (who may view or change articles): the article's revisions, "
        "newest first. Every change is one: saves in the admin, API writes, imports and bulk "
        "publishing.",
        parameters=[ARTICLE_SLUG],
    ),
    retrieve=extend_schema(
        description="Editors only: one revision of the article, with the article as it was then.",
        parameters=[
            ARTICLE_SLUG,
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, "The revision's id."),
        ],
    ),
)
class ArticleRevisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Revisions of the article named by the URL; a 404 for an article the reader may not
    read, as for the article itself."""

    permission_classes = [ReadsDrafts]
    serializer_class = RevisionListSerializer
    # Ids past 18 digits, beyond the database's integers, route nowhere: a 404.
    lookup_value_regex = r"\d{1,18}"
    filter_backends = []

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RevisionDetailSerializer
        return RevisionListSerializer

    def get_queryset(self):
        slug = self.kwargs["article_slug"]
        if not slug_re.match(slug):
            raise Http404
        readable = Article.objects.for_reader(self.request.user)
        article = get_object_or_404(readable.only("pk"), slug=slug)
        return Change.objects.filter(article=article).select_related("revision__user")
