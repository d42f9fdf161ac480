"""The article page's publication box and the list's status column: who may publish, and
what readers see when (a published article with a future time is *scheduled*)."""

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..models import Article
from ..publishing import NEEDS_PUBLISH_PERMISSION, may_publish

PUBLICATION_FIELDS = ("status", "published_at")


def scheduled_time(article: Article) -> str:
    """The article's publication time as editors read it, in the archive's time zone."""
    return formats.date_format(timezone.localtime(article.published_at), "D j M Y, H:i T")


class PublishingAdminMixin:
    """Only holders of ``articles.publish_article`` publish, unpublish or schedule.

    For anyone else the status is read-only (a new article stays a draft), and so is a
    published article's time; the bulk actions that need ``["publish"]`` are not offered.
    The list's status column and the publication box say when an article is scheduled.
    """

    def has_publish_permission(self, request) -> bool:
        return may_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields.append("status")
            if obj is not None and obj.status == Article.Status.PUBLISHED:
                fields.append("published_at")
        return fields

    def get_fieldsets(self, request, obj=None):
        notes = []
        if obj is not None and obj.is_scheduled:
            notes.append(
                format_html(
                    "<strong>Scheduled for {}</strong>: readers see it from then on.",
                    scheduled_time(obj),
                )
            )
        if not self.has_publish_permission(request):
            notes.append(NEEDS_PUBLISH_PERMISSION)
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            if notes and set(PUBLICATION_FIELDS) & set(options.get("fields", ())):
                description = format_html_join(mark_safe("<br>"), "{}", ((note,) for note in notes))
                options = {**options, "description": description}
            fieldsets.append((name, options))
        return fieldsets

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        return ["publication_state" if column == "status" else column for column in columns]

    @admin.display(description="status", ordering="status")
    def publication_state(self, obj):
        if obj.is_scheduled:
            return f"Scheduled for {scheduled_time(obj)}"
        return obj.get_status_display()
