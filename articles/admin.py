"""The editorial admin. The article page is where an editor lives: bylines, images and
the reading list (groups, entries and the books they name) are edited in place."""

import uuid

import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .forms import ImageUploadField
from .importing.reports import ACTIONS, KINDS, ImportReport
from .importing.runner import Upload, import_files
from .models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)

# Uploads are checked before Django decodes them, so a refusal says why.
IMAGE_UPLOAD = {models.ImageField: {"form_class": ImageUploadField}}


def _change_link(obj):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def count_column(annotation, description):
    """A list column showing a count that the admin's queryset annotates, sortable by it."""

    @admin.display(description=description, ordering=annotation)
    def column(self, obj):
        return getattr(obj, annotation)

    return column


class PublishedYearFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Article.objects.dates("published_at", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(published_at__year=int(self.value()))
        return queryset


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "issue_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    issue_count = count_column("issue_count", "issues")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(issue_count=Count("issues"))


class ReadOnlyLinkInline(admin.TabularInline):
    """Records listed read-only on another record's page, each a link to its own page.

    A subclass gives its ``model`` and, where a row only joins to the record worth showing
    (a byline to its article), ``link_via``: the row's field holding that record. The inline
    is titled after the linked records, whose verbose name (or ``link_label``) heads the
    link's column; ``columns`` follow it.
    """

    link_via = None
    link_label = None
    columns = ()
    extra = 0
    can_delete = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        via = cls.link_via
        linked = cls.model._meta.get_field(via).related_model if via else cls.model
        label = cls.link_label or linked._meta.verbose_name

        @admin.display(description=label)
        def link(self, obj):
            return _change_link(getattr(obj, via) if via else obj)

        # The column's name is also its CSS class on the page (``field-linked_article``).
        name = "linked_" + "_".join(str(label).split())
        setattr(cls, name, link)
        cls.fields = cls.readonly_fields = (name, *cls.columns)
        cls.verbose_name = linked._meta.verbose_name
        cls.verbose_name_plural = linked._meta.verbose_name_plural

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(self.link_via) if self.link_via else queryset


class IssueArticleInline(ReadOnlyLinkInline):
    model = Article
    link_label = "headline"
    columns = ("status", "published_at")


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
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
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "article_count", "book_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AuthorBylineInline, AuthorBookInline]
    article_count = count_column("article_count", "articles")
    book_count = count_column("book_count", "books")

    def get_queryset(self, request):
        articles, books = Count("bylines", distinct=True), Count("book_credits", distinct=True)
        return super().get_queryset(request).annotate(article_count=articles, book_count=books)


class BookAuthorInline(admin.TabularInline):
    model = BookAuthor
    autocomplete_fields = ("author",)
    fields = ("position", "author")
    extra = 0


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
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


class BylineInline(nested_admin.NestedTabularInline):
    model = ArticleAuthor
    verbose_name = "byline"
    autocomplete_fields = ("author",)
    fields = ("author", "position")
    sortable_field_name = "position"
    extra = 0


class ImageInline(nested_admin.NestedStackedInline):
    model = Image
    formfield_overrides = IMAGE_UPLOAD
    fields = ("file", "caption", "credit", "alt_text", ("width", "height"), "position")
    readonly_fields = ("width", "height")
    sortable_field_name = "position"
    extra = 0


class EntryBookInline(nested_admin.NestedTabularInline):
    model = ReadingListEntryBook
    verbose_name = "book"
    verbose_name_plural = "books this entry names"
    autocomplete_fields = ("book",)
    fields = ("book", "position")
    sortable_field_name = "position"
    extra = 0


class ReadingListEntryInline(nested_admin.NestedStackedInline):
    model = ReadingListEntry
    fields = ("text", "position")
    sortable_field_name = "position"
    inlines = [EntryBookInline]
    extra = 0


class ReadingListGroupInline(nested_admin.NestedStackedInline):
    model = ReadingListGroup
    verbose_name = "reading list group"
    fields = ("heading", "position")
    sortable_field_name = "position"
    inlines = [ReadingListEntryInline]
    extra = 0


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        clean_one = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        return [clean_one(upload, initial) for upload in uploads]


class ImportFilesForm(forms.Form):
    files = MultipleFileField(help_text="Scraped article pages (.txt) or interchange documents.")
    publication = forms.CharField(
        required=False, help_text="The publication of scraped pages that have no masthead."
    )


class ArchiveImportAdminMixin:
    """The "Import archive files" page: upload, see the dry run's report, then confirm.

    Files that pass the dry run wait in media storage under a signed token until the
    editor confirms, so a large upload is not posted twice.
    """

    import_storage_folder = "import-uploads"
    import_token_salt = "articles.admin.import"
    import_token_max_age = 24 * 60 * 60

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="articles_article_import"), *super().get_urls()]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import archive files",
            "form": ImportFilesForm(),
        }
        report = None
        if request.method == "POST" and "token" in request.POST:
            report = self._import_stashed(request)
            if report is None:
                self.message_user(
                    request, "That upload has expired; upload it again.", messages.ERROR
                )
                return redirect("admin:articles_article_import")
            level = messages.ERROR if report.failed else messages.SUCCESS
            self.message_user(request, report.summary()[0], level)
        elif request.method == "POST":
            context["form"] = form = ImportFilesForm(request.POST, request.FILES)
            if form.is_valid():
                report, context["token"] = self._dry_run(request, form)
        if report:
            totals = report.totals
            context.update(
                report=report,
                actions=ACTIONS,
                totals=[(kind, [totals[kind, action] for action in ACTIONS]) for kind in KINDS],
            )
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _dry_run(self, request, form):
        """The dry run's report, and a token for the files that passed it (or None)."""
        files = [Upload(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        publication = form.cleaned_data["publication"]
        reports = import_files(files, publication=publication, dry_run=True)
        report = ImportReport(dry_run=True).add_all(reports)
        folder = f"{self.import_storage_folder}/{uuid.uuid4().hex}"
        passed = [
            (file.name, default_storage.save(f"{folder}/{file.name}", ContentFile(file.data)))
            for file, result in zip(files, report.files, strict=True)
            if not result.error
        ]
        if not passed:
            return report, None
        stash = {"user": request.user.pk, "publication": publication, "files": passed}
        return report, signing.dumps(stash, salt=self.import_token_salt)

    def _import_stashed(self, request):
        """Import the files a confirmed token names; None if the token is not good."""
        try:
            stash = signing.loads(
                request.POST["token"],
                salt=self.import_token_salt,
                max_age=self.import_token_max_age,
            )
        except signing.BadSignature:
            return None
        if stash["user"] != request.user.pk:
            return None
        files = []
        try:
            for name, stored in stash["files"]:
                with default_storage.open(stored) as stream:
                    files.append(Upload(name, stream.read()))
        except FileNotFoundError:
            return None  # confirmed twice: the first confirmation imported them
        for _, stored in stash["files"]:
            default_storage.delete(stored)
        return ImportReport().add_all(import_files(files, publication=stash["publication"]))


@admin.register(Article)
class ArticleAdmin(ArchiveImportAdminMixin, nested_admin.NestedModelAdmin):
    list_display = ("headline", "issue", "author_names", "status", "published_at", "word_count")
    list_filter = (
        "status",
        ("issue__publication", admin.RelatedOnlyFieldListFilter),
        PublishedYearFilter,
        ("issue", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("issue__publication",)
    search_fields = ("headline", "standfirst", "body")
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("issue",)
    date_hierarchy = "published_at"
    actions = ("publish", "unpublish")
    readonly_fields = ("word_count", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("issue", "headline", "slug", "standfirst", "body")}),
        ("Publication", {"fields": ("status", "published_at")}),
        ("Reading list", {"fields": ("reading_list_note",)}),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": ("source", "word_count", "created_at", "updated_at"),
            },
        ),
    )
    inlines = [BylineInline, ImageInline, ReadingListGroupInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))
            )
        )

    @admin.display(description="authors")
    def author_names(self, obj):
        return format_html_join(", ", "{}", ((b.author.name,) for b in obj.bylines.all()))

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.publish()
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        count = queryset.unpublish()
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "position", "has_file")
    list_select_related = ("article",)
    search_fields = ("caption", "credit", "article__headline")
    autocomplete_fields = ("article",)
    readonly_fields = ("width", "height")
    formfield_overrides = IMAGE_UPLOAD

    @admin.display(description="file", boolean=True)
    def has_file(self, obj):
        return bool(obj.file)


class ReadingListEntryAdminInline(admin.TabularInline):
    model = ReadingListEntryBook
    autocomplete_fields = ("book",)
    fields = ("book", "position")
    extra = 0


@admin.register(ReadingListEntry)
class ReadingListEntryAdmin(admin.ModelAdmin):
    list_display = ("text", "group", "article")
    list_select_related = ("group__article",)
    search_fields = ("text", "group__heading", "group__article__headline")
    inlines = [ReadingListEntryAdminInline]

    @admin.display(description="article")
    def article(self, obj):
        return obj.group.article


@admin.register(ReadingListGroup)
class ReadingListGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "position")
    list_select_related = ("article",)
    search_fields = ("heading", "article__headline")
    autocomplete_fields = ("article",)
