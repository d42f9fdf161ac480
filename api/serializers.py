"""What each resource looks like over the API: a list shape and a detail shape per resource.

Fields are listed explicitly, so a new model column never becomes public by accident.
The querysets that feed these serializers (``for_api_list()``/``for_api_detail()``)
fetch every relation read here; tests pin their query counts.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from articles.models import (
    Article,
    Author,
    Book,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListGroup,
)

from .fields import ArchiveSerializer, ArchiveSlugRelatedField, IdentityLinkField, ReadSerializer


class PublicationSummarySerializer(ReadSerializer):
    class Meta:
        model = Publication
        fields = ("slug", "name")


class AuthorSummarySerializer(ReadSerializer):
    class Meta:
        model = Author
        fields = ("slug", "name")


class IssueSummarySerializer(ReadSerializer):
    publication = PublicationSummarySerializer(read_only=True)

    class Meta:
        model = Issue
        fields = ("slug", "number", "date", "publication")


class ImageSerializer(ReadSerializer):
    url = serializers.SerializerMethodField(
        help_text="The picture's file; null when the archive has only the caption."
    )

    class Meta:
        model = Image
        fields = ("id", "caption", "credit", "alt_text", "url", "width", "height")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, image) -> str | None:
        if not image.file:
            return None
        request = self.context.get("request")
        url = image.file.url
        return request.build_absolute_uri(url) if request else url


# Publications


class PublicationListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:publication-detail", lookup_field="slug")

    class Meta:
        model = Publication
        fields = ("id", "slug", "url", "name")


class PublicationDetailSerializer(PublicationListSerializer):
    issues_url = serializers.SerializerMethodField(help_text="The publication's issues.")

    class Meta(PublicationListSerializer.Meta):
        fields = (*PublicationListSerializer.Meta.fields, "issues_url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_issues_url(self, publication) -> str:
        url = reverse("api:issue-list", request=self.context.get("request"))
        return f"{url}?publication={publication.slug}"


# Articles


class ArticleListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:article-detail", lookup_field="slug")
    issue = IssueSummarySerializer(read_only=True)
    authors = AuthorSummarySerializer(
        source="byline_data", many=True, read_only=True, help_text="In byline order."
    )
    lead_image = ImageSerializer(
        read_only=True, allow_null=True, help_text="The first image, or null."
    )
    highlight = serializers.CharField(
        read_only=True,
        help_text="Only with `q`: the matching passage as HTML, matches wrapped in <mark>.",
    )

    class Meta:
        model = Article
        fields = (
            "id",
            "slug",
            "url",
            "headline",
            "standfirst",
            "published_at",
            "issue",
            "authors",
            "lead_image",
            "word_count",
            "status",
            "highlight",
        )
        extra_kwargs = {"status": {"help_text": "Only for staff: `draft` or `published`."}}

    def available_fields(self, fields):
        request = self.context.get("request")
        if not (request and request.user.is_staff):
            del fields["status"]
        if not self.context.get("search"):
            del fields["highlight"]
        return fields


class BlockSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=("paragraph", "heading"))
    text = serializers.CharField()


# The reading list serializers shape the JSON that ``Article.objects.for_api_detail()``
# builds in the database (``reading_list_data``): dictionaries, not model instances.


class RecommendedBookSerializer(ReadSerializer):
    authors = AuthorSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Book
        fields = ("slug", "title", "authors")


class ReadingListEntrySerializer(ReadSerializer):
    books = RecommendedBookSerializer(many=True, read_only=True)

    class Meta:
        model = ReadingListEntry
        fields = ("text", "books")


class ReadingListGroupSerializer(ReadSerializer):
    entries = ReadingListEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ReadingListGroup
        fields = ("heading", "entries")


class ReadingListSerializer(serializers.Serializer):
    """The article's reading list; null when it has neither groups nor a note."""

    groups = ReadingListGroupSerializer(source="reading_list_data", many=True, read_only=True)
    note = serializers.CharField(source="reading_list_note", read_only=True)

    def to_representation(self, article):
        data = super().to_representation(article)
        return data if data["groups"] or data["note"] else None


class ArticleDetailSerializer(ArticleListSerializer):
    body = serializers.CharField(
        read_only=True, help_text=Article._meta.get_field("body").help_text
    )
    body_html = serializers.CharField(
        read_only=True, help_text="The body as HTML: <p> paragraphs and <h2> subheadings."
    )
    blocks = BlockSerializer(many=True, read_only=True, help_text="The body as ordered blocks.")
    images = ImageSerializer(
        source="ordered_images",
        many=True,
        read_only=True,
        help_text="In order; the first is the lead.",
    )
    reading_list = ReadingListSerializer(source="*", read_only=True, allow_null=True)

    class Meta(ArticleListSerializer.Meta):
        fields = (
            *ArticleListSerializer.Meta.fields,
            "body",
            "body_html",
            "blocks",
            "images",
            "reading_list",
        )


class ArticleWriteSerializer(serializers.ModelSerializer):
    """What an editor sends to create or correct an article; the answer is the detail shape."""

    issue = ArchiveSlugRelatedField(slug_field="slug", queryset=Issue.objects.all())
    authors = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Author.objects.all(),
        many=True,
        required=False,
        help_text="Author slugs in byline order.",
    )

    class Meta:
        model = Article
        fields = (
            "issue",
            "headline",
            "slug",
            "standfirst",
            "body",
            "published_at",
            "status",
            "authors",
            "reading_list_note",
            "source",
        )

    def validate(self, attrs):
        status = attrs.get("status", getattr(self.instance, "status", Article.Status.DRAFT))
        published_at = attrs.get("published_at", getattr(self.instance, "published_at", None))
        if status == Article.Status.PUBLISHED and published_at is None:
            raise serializers.ValidationError(
                {"published_at": ["A published article needs a publication time."]}
            )
        return attrs

    def create(self, validated_data):
        authors = validated_data.pop("authors", [])
        article = super().create(validated_data)
        article.set_authors(authors)
        return article

    def update(self, instance, validated_data):
        authors = validated_data.pop("authors", None)
        article = super().update(instance, validated_data)
        if authors is not None:
            article.set_authors(authors)
        return article

    def to_representation(self, instance):
        article = Article.objects.for_api_detail().get(pk=instance.pk)
        return ArticleDetailSerializer(article, context=self.context).data


# Issues


class IssueListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:issue-detail", lookup_field="slug")
    publication = PublicationSummarySerializer(read_only=True)

    class Meta:
        model = Issue
        fields = ("id", "slug", "url", "publication", "number", "date")


class IssueDetailSerializer(IssueListSerializer):
    articles = ArticleListSerializer(
        many=True, read_only=True, help_text="The issue's articles, in the order they went online."
    )

    class Meta(IssueListSerializer.Meta):
        fields = (*IssueListSerializer.Meta.fields, "articles")


# Books


class BookListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:book-detail", lookup_field="slug")
    authors = AuthorSummarySerializer(
        source="ordered_authors", many=True, read_only=True, help_text="In credit order."
    )

    class Meta:
        model = Book
        fields = (
            "id",
            "slug",
            "url",
            "title",
            "authors",
            "publisher",
            "year",
            "isbn",
            "series",
            "volume",
        )


class BookDetailSerializer(BookListSerializer):
    articles = serializers.SerializerMethodField(
        help_text="Articles whose reading lists recommend the book, newest first."
    )

    class Meta(BookListSerializer.Meta):
        fields = (*BookListSerializer.Meta.fields, "articles")

    @extend_schema_field(ArticleListSerializer(many=True))
    def get_articles(self, book):
        articles = self.context["visible_articles"].for_api_list().recommending(book)
        return ArticleListSerializer(articles, many=True, context=self.context).data


# Authors


class AuthorListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:author-detail", lookup_field="slug")

    class Meta:
        model = Author
        fields = ("id", "slug", "url", "name")


class AuthorDetailSerializer(AuthorListSerializer):
    articles = ArticleListSerializer(
        source="recent_articles",
        many=True,
        read_only=True,
        help_text="The author's latest articles (at most 20); `articles_url` lists them all.",
    )
    articles_url = serializers.SerializerMethodField(help_text="All the author's articles.")
    books = BookListSerializer(many=True, read_only=True)

    class Meta(AuthorListSerializer.Meta):
        fields = (*AuthorListSerializer.Meta.fields, "bio", "articles", "articles_url", "books")

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, author) -> str:
        url = reverse("api:article-list", request=self.context.get("request"))
        return f"{url}?author={author.slug}"


# Images


class ImageListSerializer(ArchiveSerializer, ImageSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(ImageSerializer.Meta):
        fields = ("id", "article", "position", *ImageSerializer.Meta.fields[1:])


class ImageDetailSerializer(ImageListSerializer):
    """An image on its own has nothing more to show than its list item."""
