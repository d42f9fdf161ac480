"""The article page, where an editor lives: bylines, images and the reading list (groups,
entries and the books they name) are edited in place."""

import nested_admin
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils.html import format_html_join

from ..models import (
    Article,
    ArticleAuthor,
    Image,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from .editing import ArticleEditorMixin
from .imports import ArchiveImportAdminMixin
from .inlines import EditorInline
from .permissions import ArticlePartInlineMixin
from .previews import ArticlePreviewAdminMixin
from .publishing import PublishingAdminMixin
from .revisions import ArticleRevisionsAdminMixin


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


class BylineInline(ArticlePartInlineMixin, EditorInline, nested_admin.NestedTabularInline):
    model = ArticleAuthor
    verbose_name = "byline"
    autocomplete_fields = ("author",)
    fields = ("author", "position")
    sortable_field_name = "position"
    extra = 0


class ImageInline(ArticlePartInlineMixin, EditorInline, nested_admin.NestedStackedInline):
    model = Image
    fields = ("file", "caption", "credit", "alt_text", ("width", "height"), "position")
    readonly_fields = ("width", "height")
    sortable_field_name = "position"
    extra = 0


class EntryBookInline(ArticlePartInlineMixin, EditorInline, nested_admin.NestedTabularInline):
    model = ReadingListEntryBook
    verbose_name = "book"
    verbose_name_plural = "books this entry names"
    autocomplete_fields = ("book",)
    fields = ("book", "position")
    sortable_field_name = "position"
    extra = 0


class ReadingListEntryInline(
    ArticlePartInlineMixin, EditorInline, nested_admin.NestedStackedInline
):
    model = ReadingListEntry
    fields = ("text", "position")
    sortable_field_name = "position"
    inlines = [EntryBookInline]
    extra = 0


class ReadingListGroupInline(
    ArticlePartInlineMixin, EditorInline, nested_admin.NestedStackedInline
):
    model = ReadingListGroup
    verbose_name = "reading list group"
    fields = ("heading", "position")
    sortable_field_name = "position"
    inlines = [ReadingListEntryInline]
    extra = 0


@admin.register(Article)
class ArticleAdmin(
    ArticlePreviewAdminMixin,
    ArticleRevisionsAdminMixin,
    PublishingAdminMixin,
    ArticleEditorMixin,
    ArchiveImportAdminMixin,
    nested_admin.NestedModelAdmin,
):
    list_display = ("headline", "issue", "author_names", "status", "published_at", "word_count")
    list_filter = (
        "status",
        ("issue__publication", admin.RelatedOnlyFieldListFilter),
        PublishedYearFilter,
        ("issue", admin.RelatedOnlyFieldListFilter),
        ("topics", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("issue__publication",)
    search_fields = ("headline", "standfirst", "body")
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("issue", "topics")
    date_hierarchy = "published_at"
    actions = ("publish", "unpublish")
    readonly_fields = ("word_count", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("issue", "headline", "slug", "standfirst", "body", "topics")}),
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

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish(self, request, queryset):
        count = queryset.publish(user=request.user)
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(
        description="Unpublish selected articles (back to draft)", permissions=["publish"]
    )
    def unpublish(self, request, queryset):
        count = queryset.unpublish(user=request.user)
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)
