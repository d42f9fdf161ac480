"""An article's parts on pages of their own, for finding them across articles."""

from django.contrib import admin

from history.admin import ArticlePartAdminMixin

from ..models import Image, ReadingListEntry, ReadingListEntryBook, ReadingListGroup
from .common import EditorAdmin
from .inlines import EditorInline


@admin.register(Image)
class ImageAdmin(ArticlePartAdminMixin, EditorAdmin, admin.ModelAdmin):
    list_display = ("__str__", "article", "position", "has_file")
    list_select_related = ("article",)
    search_fields = ("caption", "credit", "article__headline")
    autocomplete_fields = ("article",)
    readonly_fields = ("width", "height")

    @admin.display(description="file", boolean=True)
    def has_file(self, obj):
        return bool(obj.file)


class ReadingListEntryAdminInline(EditorInline, admin.TabularInline):
    model = ReadingListEntryBook
    autocomplete_fields = ("book",)
    fields = ("book", "position")
    extra = 0


@admin.register(ReadingListEntry)
class ReadingListEntryAdmin(ArticlePartAdminMixin, EditorAdmin, admin.ModelAdmin):
    list_display = ("text", "group", "article")
    list_select_related = ("group__article",)
    search_fields = ("text", "group__heading", "group__article__headline")
    inlines = [ReadingListEntryAdminInline]

    @admin.display(description="article")
    def article(self, obj):
        return obj.group.article

    def article_id_of(self, obj):
        return obj.group.article_id


@admin.register(ReadingListGroup)
class ReadingListGroupAdmin(ArticlePartAdminMixin, EditorAdmin, admin.ModelAdmin):
    list_display = ("__str__", "article", "position")
    list_select_related = ("article",)
    search_fields = ("heading", "article__headline")
    autocomplete_fields = ("article",)
