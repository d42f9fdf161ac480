"""What each resource looks like over the API: a list shape and a detail shape per resource.

Fields are listed explicitly (an image's and a book's from the columns their import
records declare), so a new model column never becomes public by accident.
The querysets that feed these serializers (``for_api_list()``/``for_api_detail()``)
fetch every relation read here; tests pin their query counts.

Docstrings and comments are for readers of the code. Front ends read each shape's
``description`` (``extend_schema_serializer``) and each field's ``help_text`` instead.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from articles.importing.records import BOOK_DETAILS
from articles.models import (
    Article,
    Author,
    Book,
    Issue,
    Publication,
    Topic,
)
from articles.readers import reads_drafts

from .embedded import (
    AuthorSummarySerializer,
    BlockSerializer,
    ImageSerializer,
    IssueSummarySerializer,
    PublicationSummarySerializer,
    ReadingListSerializer,
    TopicSummarySerializer,
)
from .fields import (
    ArchiveSerializer,
    IdentityLinkField,
    RFC3339DateTimeField,
    WebURLField,
)

# An author page shows the latest articles; the full list is a filtered article list.
RECENT_ARTICLES = 20


# Publications


@extend_schema_serializer(
    description="A publication: a title in the archive, e.g. Socialist Worker."
)
class PublicationListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:publication-detail", lookup_field="slug")

    class Meta:
        model = Publication
        fields = ("id", "slug", "url", "name")


@extend_schema_serializer(description="A publication, with the link to its issues.")
class PublicationDetailSerializer(PublicationListSerializer):
    issues_url = serializers.SerializerMethodField(help_text="The publication's issues.")

    class Meta(PublicationListSerializer.Meta):
        fields = (*PublicationListSerializer.Meta.fields, "issues_url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_issues_url(self, publication) -> str:
        url = reverse("api:issue-list", request=self.context.get("request"))
        return f"{url}?publication={publication.slug}"


# Articles


# The body in its three forms: on every detail, and on a list when `fields` names one.
FULL_TEXT_FIELDS = ("body", "body_html", "blocks")
# A page of full texts weighs far more than a page of summaries.
FULL_TEXT_PAGE_SIZE = 20


@extend_schema_serializer(
    description="An article as lists show it, without its body unless `fields` names `body`, "
    f"`body_html` or `blocks` (then at most {FULL_TEXT_PAGE_SIZE} to a page). `status` is "
    "there for editors only, `highlight` in a search (`q`) only."
)
class ArticleListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:article-detail", lookup_field="slug")
    issue = IssueSummarySerializer(read_only=True)
    authors = AuthorSummarySerializer(
        source="byline_data", many=True, read_only=True, help_text="In byline order."
    )
    topics = TopicSummarySerializer(
        source="topic_data",
        many=True,
        read_only=True,
        help_text="The topics it is filed under, by name.",
    )
    lead_image = ImageSerializer(
        read_only=True, allow_null=True, help_text="The first image, or null."
    )
    highlight = serializers.CharField(
        read_only=True,
        help_text="Only with `q`: the matching passage as HTML, matches wrapped in <mark>.",
    )
    web_url = WebURLField("article")
    body = serializers.CharField(
        read_only=True, help_text=Article._meta.get_field("body").help_text
    )
    body_html = serializers.CharField(
        read_only=True, help_text="The body as HTML: <p> paragraphs and <h2> subheadings."
    )
    blocks = BlockSerializer(many=True, read_only=True, help_text="The body as ordered blocks.")

    # Whether the body comes only when ``fields`` names it: on lists, not on a detail.
    full_text_on_request = True

    class Meta:
        model = Article
        fields = (
            "id",
            "slug",
            "url",
            "web_url",
            "headline",
            "standfirst",
            "published_at",
            "updated_at",
            "issue",
            "authors",
            "topics",
            "lead_image",
            "word_count",
            "status",
            "highlight",
            *FULL_TEXT_FIELDS,
        )
        extra_kwargs = {
            "status": {"help_text": "Only for editors: `draft` or `published`."},
            "updated_at": {
                "help_text": "When the article itself last changed: an editor's save, an "
                "import or a publish action. Filter with `modified_after` and "
                "`modified_before`. An edit of a record it embeds (an author's name, a "
                "book's title) does not change it."
            },
        }

    def available_fields(self, fields):
        request = self.context.get("request")
        if not (request and reads_drafts(request.user)):
            del fields["status"]
        if not self.context.get("search"):
            fields.pop("highlight", None)
        if self.full_text_on_request and not set(self.requested_fields or ()) & set(
            FULL_TEXT_FIELDS
        ):
            for name in FULL_TEXT_FIELDS:
                del fields[name]
        return fields


@extend_schema_serializer(
    description="Articles related to one article, most related first: at most ten, each as "
    "an item of the article list."
)
class RelatedArticlesSerializer(serializers.Serializer):
    """The related route's answer, for the schema: the view fills ``results`` with the
    list serializer itself, so the items are the list's."""

    results = ArticleListSerializer(many=True, read_only=True)


@extend_schema_field(ArticleListSerializer(many=True))
class ReaderArticlesField(serializers.Field):
    """The articles a page embeds (an issue's, an author's, a book's), among those the
    request's reader may read, in the list's shape. ``select(articles, obj)`` narrows the
    reader's articles to the object's and orders them. A view that serves stored
    documents gives their stored items instead (``ArchiveViewSetMixin.stored_items``)."""

    def __init__(self, select, **kwargs):
        self.select = select
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        view = self.context.get("view")
        if getattr(view, "serves_documents", False):
            return view.stored_items(lambda articles: self.select(articles, obj))
        readable = Article.objects.for_reader(self.context["request"].user).for_api_list()
        articles = self.select(readable, obj)
        return ArticleListSerializer(articles, many=True, context=self.context).data


@extend_schema_serializer(
    description="An article with everything its page shows: issue, authors, the body as text, "
    "HTML and blocks, the images and the reading list. `status` is there for editors only."
)
class ArticleDetailSerializer(ArticleListSerializer):
    """Reads the article as ``Article.objects.for_api_detail()`` gives it: bylines, images
    and the reading list arrive as annotations, so serializing it makes no query."""

    full_text_on_request = False
    images = ImageSerializer(
        source="ordered_images",
        many=True,
        read_only=True,
        help_text="In order; the first is the lead.",
    )
    reading_list = ReadingListSerializer(source="*", read_only=True, allow_null=True)

    class Meta(ArticleListSerializer.Meta):
        # A search's passage belongs to a list of matches, never to an article's page.
        fields = (
            *(
                name
                for name in ArticleListSerializer.Meta.fields
                if name not in ("highlight", *FULL_TEXT_FIELDS)
            ),
            *FULL_TEXT_FIELDS,
            "images",
            "reading_list",
        )


# Issues


@extend_schema_serializer(description="An issue of a publication: its number and cover date.")
class IssueListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:issue-detail", lookup_field="slug")
    web_url = WebURLField("issue")
    publication = PublicationSummarySerializer(read_only=True)
    first_published_at = RFC3339DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the first of the issue's published articles went online: what the "
        "archive knows of an issue's time when `date`, the cover date, is empty. Null "
        "until one is published.",
    )

    class Meta:
        model = Issue
        fields = (
            "id",
            "slug",
            "url",
            "web_url",
            "publication",
            "number",
            "date",
            "first_published_at",
        )


@extend_schema_serializer(description="A neighbouring issue: its slug and number.")
class IssueNeighbourSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    number = serializers.IntegerField(read_only=True)


@extend_schema_field(IssueNeighbourSerializer(allow_null=True))
class IssueNeighbourField(serializers.Field):
    """The issue before (``position=0``) or after (1) among those the reader may see."""

    def __init__(self, position, **kwargs):
        self.position = position
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, issue):
        neighbours = self.parent.neighbours(issue)
        return neighbours[self.position]


@extend_schema_serializer(
    description="An issue with the issues before and after it, and its articles in the order "
    "they went online: published ones, and for editors drafts too."
)
class IssueDetailSerializer(IssueListSerializer):
    articles = ReaderArticlesField(
        lambda articles, issue: articles.filter(issue=issue).order_by("published_at", "id"),
        help_text="The issue's articles, in the order they went online.",
    )
    previous = IssueNeighbourField(
        position=0, help_text="The publication's issue before this one, by number, or null."
    )
    next = IssueNeighbourField(
        position=1, help_text="The publication's issue after this one, by number, or null."
    )

    class Meta(IssueListSerializer.Meta):
        fields = (*IssueListSerializer.Meta.fields, "previous", "next", "articles")

    def neighbours(self, issue):
        """Both neighbours, looked up once for the two fields."""
        if getattr(self, "_neighbours_of", None) != issue.pk:
            readable = Issue.objects.for_reader(self.context["request"].user)
            self._neighbours, self._neighbours_of = readable.neighbours(issue), issue.pk
        return self._neighbours


# Books


@extend_schema_serializer(description="A book recommended in articles' reading lists.")
class BookListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:book-detail", lookup_field="slug")
    authors = AuthorSummarySerializer(
        source="ordered_authors", many=True, read_only=True, help_text="In credit order."
    )

    class Meta:
        model = Book
        fields = ("id", "slug", "url", "title", "authors", *BOOK_DETAILS)


@extend_schema_serializer(
    description="A book with the articles whose reading lists recommend it: published ones, and "
    "for editors drafts too."
)
class BookDetailSerializer(BookListSerializer):
    articles = ReaderArticlesField(
        lambda articles, book: articles.recommending(book),
        help_text="Articles whose reading lists recommend the book, newest first.",
    )

    class Meta(BookListSerializer.Meta):
        fields = (*BookListSerializer.Meta.fields, "articles")


# Authors


@extend_schema_field(BookListSerializer(many=True))
class ReaderBooksField(serializers.Field):
    """An author's books among those the request's reader may see (``Book.for_reader``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, author):
        books = Book.objects.for_reader(self.context["request"].user).for_api_list()
        return BookListSerializer(
            books.filter(credits__author=author), many=True, context=self.context
        ).data


@extend_schema_serializer(description="A person credited with articles or books.")
class AuthorListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:author-detail", lookup_field="slug")
    web_url = WebURLField("author")

    class Meta:
        model = Author
        fields = ("id", "slug", "url", "web_url", "name")


@extend_schema_serializer(
    description="An author with their latest articles (published ones, and for editors drafts "
    "too), the link to all of them, and their books."
)
class AuthorDetailSerializer(AuthorListSerializer):
    articles = ReaderArticlesField(
        lambda articles, author: articles.filter(bylines__author=author)[:RECENT_ARTICLES],
        help_text=f"The author's latest articles (at most {RECENT_ARTICLES}); "
        "`articles_url` lists them all.",
    )
    articles_url = serializers.SerializerMethodField(help_text="All the author's articles.")
    books = ReaderBooksField(help_text="The books the author is credited with, by title.")

    class Meta(AuthorListSerializer.Meta):
        fields = (*AuthorListSerializer.Meta.fields, "bio", "articles", "articles_url", "books")

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, author) -> str:
        url = reverse("api:article-list", request=self.context.get("request"))
        return f"{url}?author={author.slug}"


# Topics


@extend_schema_serializer(
    description="A subject the archive's editors file articles under, with how many of its "
    "articles you can read."
)
class TopicListSerializer(ArchiveSerializer):
    url = IdentityLinkField(view_name="api:topic-detail", lookup_field="slug")
    article_count = serializers.IntegerField(
        read_only=True,
        help_text="How many of the topic's articles you can read: published ones, and for "
        "editors drafts too.",
    )

    class Meta:
        model = Topic
        fields = ("id", "slug", "url", "name", "article_count")


@extend_schema_serializer(
    description="A topic with what it covers, its latest articles (published ones, and for "
    "editors drafts too) and the link to all of them."
)
class TopicDetailSerializer(TopicListSerializer):
    articles = ReaderArticlesField(
        lambda articles, topic: articles.filter(topics=topic)[:RECENT_ARTICLES],
        help_text=f"The topic's latest articles (at most {RECENT_ARTICLES}); `articles_url` "
        "lists them all.",
    )
    articles_url = serializers.SerializerMethodField(help_text="All the topic's articles.")

    class Meta(TopicListSerializer.Meta):
        fields = (*TopicListSerializer.Meta.fields, "description", "articles", "articles_url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, topic) -> str:
        url = reverse("api:article-list", request=self.context.get("request"))
        return f"{url}?topic={topic.slug}"


# Images


@extend_schema_serializer(
    description="A picture printed with an article: the article's slug, the picture's place among "
    "its images, and the picture. Often only its caption survives: then `url`, `width` "
    "and `height` are null."
)
class ImageListSerializer(ArchiveSerializer, ImageSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(ImageSerializer.Meta):
        fields = ("id", "article", "position", *ImageSerializer.Meta.fields[1:])


@extend_schema_serializer(
    description="A picture printed with an article: the same properties as in the list."
)
class ImageDetailSerializer(ImageListSerializer):
    """An image on its own shows nothing more than its list item; the class gives the
    detail route its own shape and component name, as every resource has."""
