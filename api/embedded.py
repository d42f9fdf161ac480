"""Shapes embedded in the resources' shapes: summaries of a publication, an author, a topic
and an issue, an image, the body's blocks and the reading list.

The reading list serializers shape the JSON that ``Article.objects.for_api_detail()``
builds in the database (``reading_list_data``): dictionaries, not model instances.
"""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from articles.importing.records import IMAGE_COLUMNS
from articles.models import (
    Author,
    Book,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListGroup,
    Topic,
)

from .fields import IdentityLinkField, ReadSerializer, WebURLField

URL_HELP = "The {kind}'s detail in this API."


@extend_schema_serializer(
    description="A publication embedded in another object: its slug, API URL and name."
)
class PublicationSummarySerializer(ReadSerializer):
    url = IdentityLinkField(
        view_name="api:publication-detail",
        lookup_field="slug",
        help_text=URL_HELP.format(kind="publication"),
    )

    class Meta:
        model = Publication
        fields = ("slug", "url", "name")


@extend_schema_serializer(
    description="An author in a byline or a book's credits: slug, API URL, website page and name."
)
class AuthorSummarySerializer(ReadSerializer):
    url = IdentityLinkField(
        view_name="api:author-detail", lookup_field="slug", help_text=URL_HELP.format(kind="author")
    )
    web_url = WebURLField("author")

    class Meta:
        model = Author
        fields = ("slug", "url", "web_url", "name")


@extend_schema_serializer(description="A topic an article is filed under: slug, API URL and name.")
class TopicSummarySerializer(ReadSerializer):
    url = IdentityLinkField(
        view_name="api:topic-detail", lookup_field="slug", help_text=URL_HELP.format(kind="topic")
    )

    class Meta:
        model = Topic
        fields = ("slug", "url", "name")


@extend_schema_serializer(
    description="The issue an article appeared in: slug, API URL, website page, number, "
    "cover date and publication."
)
class IssueSummarySerializer(ReadSerializer):
    url = IdentityLinkField(
        view_name="api:issue-detail", lookup_field="slug", help_text=URL_HELP.format(kind="issue")
    )
    web_url = WebURLField("issue")
    publication = PublicationSummarySerializer(read_only=True)

    class Meta:
        model = Issue
        fields = ("slug", "url", "web_url", "number", "date", "publication")


@extend_schema_serializer(
    description="A picture printed with the article. Often only its caption survives: "
    "then `url`, `width` and `height` are null."
)
class ImageSerializer(ReadSerializer):
    url = serializers.SerializerMethodField(
        help_text="The picture's file; null when the archive has only the caption."
    )

    class Meta:
        model = Image
        # The importable columns, the file given as the URL it is served from.
        fields = ("id", *("url" if name == "file" else name for name in IMAGE_COLUMNS))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, image) -> str | None:
        if not image.file:
            return None
        request = self.context.get("request")
        url = image.file.url
        return request.build_absolute_uri(url) if request else url


@extend_schema_serializer(
    description="A piece of the body, in order: a paragraph or a subheading (`heading`)."
)
class BlockSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=("paragraph", "heading"))
    text = serializers.CharField()


@extend_schema_serializer(
    description="A book that a reading-list entry names: slug, API URL, title and authors."
)
class RecommendedBookSerializer(ReadSerializer):
    url = IdentityLinkField(
        view_name="api:book-detail", lookup_field="slug", help_text=URL_HELP.format(kind="book")
    )
    authors = AuthorSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Book
        fields = ("slug", "url", "title", "authors")


@extend_schema_serializer(
    description="An entry exactly as the reading list prints it, with the books it names (one "
    "entry can name several)."
)
class ReadingListEntrySerializer(ReadSerializer):
    books = RecommendedBookSerializer(many=True, read_only=True)

    class Meta:
        model = ReadingListEntry
        fields = ("text", "books")


@extend_schema_serializer(
    description="A group of entries under its heading, e.g. “On Trotsky’s life try:”."
)
class ReadingListGroupSerializer(ReadSerializer):
    entries = ReadingListEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ReadingListGroup
        fields = ("heading", "entries")


@extend_schema_serializer(
    description="The further reading printed after the article: groups of entries, and a closing "
    "note (e.g. where to buy the books). Null when the article has neither."
)
class ReadingListSerializer(serializers.Serializer):
    """Reads the article itself (``source="*"``): its groups come from the JSON that
    ``for_api_detail()`` builds, its note from the article. A list with neither groups nor
    a note is ``None``, not an empty object."""

    groups = ReadingListGroupSerializer(source="reading_list_data", many=True, read_only=True)
    note = serializers.CharField(source="reading_list_note", read_only=True)

    def to_representation(self, article):
        data = super().to_representation(article)
        return data if data["groups"] or data["note"] else None
