"""The audit trail in the admin: who created, changed or deleted which record, when, and
from where, across the archive and its users and groups (``Recent changes``); and the
mixins that make the admin's own pages record it."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch
from reversion.models import Version

from .models import Change, Event
from .recording import ArticleWrite, record_deletion, record_versions


def _changed(form, formsets) -> list[str]:
    """The fields a form and its inlines changed: the form's own, then each inline's name."""
    names = list(form.changed_data)
    for formset in formsets:
        if formset.has_changed():
            names.append(formset.prefix)
    return names


class RecordedDeletionsMixin:
    """For a record's admin page: a revision of each deletion, with the editor and source
    ``admin``, made before the record is gone."""

    def delete_model(self, request, obj):
        record_deletion(obj, user=request.user, source="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_deletion(obj, user=request.user, source="admin")
        super().delete_queryset(request, queryset)


class AuditedAdminMixin(RecordedDeletionsMixin):
    """For a record's admin page: a revision of each add, change (if it changed anything)
    and delete, with the editor and source ``admin``."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        fields = _changed(form, formsets)
        if change and not fields:
            return
        action = Change.Action.CHANGED if change else Change.Action.CREATED
        record_versions(
            [form.instance], user=request.user, source="admin", action=action, fields=fields
        )


class ArticlePartAdminMixin:
    """For the own page of an article's part (an image, a reading list group or entry): a
    change to the part is a revision of its article. ``article_id_of(obj)`` names it."""

    def article_id_of(self, obj):
        return obj.article_id

    def save_model(self, request, obj, form, change):
        form.article_write = ArticleWrite(self.article_id_of(obj))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article_id = self.article_id_of(form.instance)
        form.article_write.record(article_id, user=request.user, source="admin")

    def delete_model(self, request, obj):
        article_id = self.article_id_of(obj)
        write = ArticleWrite(article_id)
        super().delete_model(request, obj)
        write.record(article_id, user=request.user, source="admin")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    pass


class ReadOnlyAdminMixin:
    """A record nobody writes by hand: what happened stays as it was recorded."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recent changes across the archive, its users and groups: read only."""

    list_display = ("when", "user", "source", "action", "record", "changed")
    list_filter = ("source", "action")
    list_select_related = ("revision__user",)
    search_fields = ("revision__user__username", "revision__version__object_repr")
    list_per_page = 50

    def get_queryset(self, request):
        first_versions = Version.objects.select_related(None).only(
            "revision_id", "content_type_id", "object_repr"
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("revision__version_set", queryset=first_versions))
        )

    @admin.display(description="when", ordering="revision__date_created")
    def when(self, change):
        return change.revision.date_created

    @admin.display(description="who", ordering="revision__user__username")
    def user(self, change):
        return change.revision.user or "(a command)"

    @admin.display(description="what")
    def record(self, change):
        versions = sorted(change.revision.version_set.all(), key=lambda v: v.pk)
        if not versions:
            return "—"
        main = versions[0]
        return f"{main._content_type.name.capitalize()}: {main.object_repr}"

    @admin.display(description="changed fields")
    def changed(self, change):
        return ", ".join(change.changed_fields)


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change feed's events, as each feed lists them: read only, for checking what a
    mirror was told."""

    list_display = ("at", "feed", "action", "type", "slug", "object_id")
    list_filter = ("feed", "action", "type")
    search_fields = ("slug",)
    date_hierarchy = "at"
    list_per_page = 100
