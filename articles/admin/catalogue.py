"""Publications, issues, authors, books and topics: the records articles hang on."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, F, Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from history.admin import AuditedAdminMixin

from ..models import Article, ArticleAuthor, Author, Book, BookAuthor, Issue, Publication, Topic
from .common import EditorAdmin, ReadOnlyLinkInline, change_link, count_column
from .coverage import PublicationCoverageAdminMixin
from .inlines import EditorInline


@admin.register(Publication)
class PublicationAdmin(
    PublicationCoverageAdminMixin, AuditedAdminMixin, EditorAdmin, admin.ModelAdmin
):
    ordering = ("name", "id")
    list_display = ("name", "slug", "issue_count", "coverage_column")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    issue_count = count_column("issue_count", "issues")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(issue_count=Count("issues"))


class IssueArticleInline(ReadOnlyLinkInline):
    model = Article
    link_label = "headline"
    columns = ("status", "published_at")


class IssueForm(forms.ModelForm):
    """An issue's slug, when left empty, is made from its publication and number as the
    importer makes it: ``socialist-worker-2215``."""

    class Meta:
        model = Issue
        fields = ("publication", "number", "date", "slug")
        help_texts = {"slug": "Left empty, made from the publication and number."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug"):
            slug = Issue.default_slug(cleaned.get("publication"), cleaned.get("number"))
            if slug:
                cleaned["slug"] = slug
        return cleaned


@admin.register(Issue)
class IssueAdmin(AuditedAdminMixin, EditorAdmin, admin.ModelAdmin):
    form = IssueForm
    # The number's field starts at the model's lower bound, not at a positive integer
    # field's 0, so that 0 and -3 are refused with the same message.
    formfield_overrides = {models.PositiveIntegerField: {"min_value": 1}}
    # Ordered explicitly: the count annotation drops Meta.ordering (GROUP BY), and the
    # autocomplete pages through this queryset.
    ordering = ("publication__name", "-number")
    list_display = ("__str__", "publication", "number", "date", "article_count")
    list_filter = ("publication",)
    list_select_related = ("publication",)
    search_fields = ("slug", "publication__name", "=number")
    autocomplete_fields = ("publication",)
    date_hierarchy = "date"
    inlines = [IssueArticleInline]
    article_count = count_column("article_count", "articles")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))


class AuthorBylineInline(ReadOnlyLinkInline):
    model = ArticleAuthor
    link_via = "article"


class AuthorBookInline(ReadOnlyLinkInline):
    model = BookAuthor
    link_via = "book"


@admin.register(Author)
class AuthorAdmin(AuditedAdminMixin, EditorAdmin, admin.ModelAdmin):
    ordering = ("name", "id")
    list_display = ("name", "slug", "article_count", "book_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AuthorBylineInline, AuthorBookInline]
    article_count = count_column("article_count", "articles")
    book_count = count_column("book_count", "books")

    def get_queryset(self, request):
        articles, books = Count("bylines", distinct=True), Count("book_credits", distinct=True)
        return super().get_queryset(request).annotate(article_count=articles, book_count=books)


class BookAuthorInline(EditorInline, admin.TabularInline):
    model = BookAuthor
    autocomplete_fields = ("author",)
    fields = ("position", "author")
    extra = 0


@admin.register(Book)
class BookAdmin(AuditedAdminMixin, EditorAdmin, admin.ModelAdmin):
    list_display = ("title", "author_names", "series", "volume", "year")
    search_fields = ("title", "authors__name")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [BookAuthorInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("credits", queryset=BookAuthor.objects.select_related("author"))
            )
        )

    @admin.display(description="authors")
    def author_names(self, obj):
        return ", ".join(credit.author.name for credit in obj.credits.all())


# A topic's page lists its latest articles; the article list, filtered, has them all.
TOPIC_PAGE_ARTICLES = 50


@admin.register(Topic)
class TopicAdmin(AuditedAdminMixin, EditorAdmin, admin.ModelAdmin):
    # Ordered explicitly: the count annotation drops Meta.ordering (GROUP BY), and the
    # article page's topic search pages through this queryset.
    ordering = ("name", "id")
    list_display = ("name", "slug", "article_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "filed_articles")
    readonly_fields = ("filed_articles",)
    article_count = count_column("article_count", "articles")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles")
    def filed_articles(self, topic):
        """The latest articles filed under the topic, drafts first, each a link to its
        page, and a link to the article list filtered to all of them."""
        if topic.pk is None:
            return "None yet: file articles under the topic on their own pages."
        latest = topic.articles.select_related("issue__publication").order_by(
            F("published_at").desc(nulls_first=True), "-id"
        )[:TOPIC_PAGE_ARTICLES]
        rows = ((change_link(a), a.issue, a.get_status_display()) for a in latest)
        items = format_html_join("", "<li>{} ({}, {})</li>", rows)
        url = reverse("admin:articles_article_changelist") + f"?topics__id__exact={topic.pk}"
        return format_html(
            '<ul>{}</ul><a href="{}">All {} articles filed under it</a>',
            items,
            url,
            topic.article_count,
        )
