"""Pieces the admin's pages share."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from ..forms import EditorTextField, FittedTextarea, ImageUploadField

# Uploads are checked before Django decodes them, so a refusal says why.
IMAGE_UPLOAD = {models.ImageField: {"form_class": ImageUploadField}}

# Every text box stores LF line ends and opens tall enough for its text.
EDITOR_FORMFIELDS = {
    **IMAGE_UPLOAD,
    models.TextField: {"form_class": EditorTextField, "widget": FittedTextarea},
}

# Marks a request whose change form was posted back with nothing changed.
NOTHING_CHANGED = "_archive_nothing_changed"


class EditorFormsMixin:
    """Form fields for every admin form and inline: exact text, checked uploads, and the
    position of rows that are ordered by dragging kept out of sight (the page renumbers
    it from the rows' order when the form is sent, so a typed number would be lost)."""

    formfield_overrides = EDITOR_FORMFIELDS

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == getattr(self, "sortable_field_name", None):
            kwargs["widget"] = forms.HiddenInput()
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EditorAdmin(EditorFormsMixin):
    """What every page an editor changes records on does.

    A save with no edits writes nothing: no row, no ``updated_at``, no log entry and no
    retired cache, and the editor is told so. When only the record's inlines changed, the
    record is saved too, so its ``updated_at`` says when its parts last changed. Save
    sits at the top as well as the bottom, and leaving the page with unsaved edits asks
    first (``editing.js``, which also grows text boxes as the editor types).
    """

    save_on_top = True

    class Media:
        js = ("articles/admin/editing.js",)

    def get_search_results(self, request, queryset, search_term):
        # PostgreSQL refuses a NUL byte in text: a term pasted with one finds what the
        # rest of it finds.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # save_related() saves it if a part changed
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change and not form.has_changed():
            if any(formset.has_changed() for formset in formsets):
                super().save_model(request, form.instance, form, change)
            else:
                setattr(request, NOTHING_CHANGED, True)
        super().save_related(request, form, formsets, change)

    def log_change(self, request, obj, message):
        if getattr(request, NOTHING_CHANGED, False):
            return None
        return super().log_change(request, obj, message)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, NOTHING_CHANGED, False) and level == messages.SUCCESS:
            message, level = "No changes to save: nothing was written.", messages.INFO
        super().message_user(request, message, level, *args, **kwargs)


def change_link(obj):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def count_column(annotation, description):
    """A list column showing a count that the admin's queryset annotates, sortable by it."""

    @admin.display(description=description, ordering=annotation)
    def column(self, obj):
        return getattr(obj, annotation)

    return column


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
            return change_link(getattr(obj, via) if via else obj)

        # The column's name is also its CSS class on the page (``field-linked_article``).
        name = "linked_" + "_".join(str(label).split())
        setattr(cls, name, link)
        cls.fields = cls.readonly_fields = (name, *cls.columns)
        cls.verbose_name = linked._meta.verbose_name
        cls.verbose_name_plural = linked._meta.verbose_name_plural

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row's title names the records it joins (a byline: its author and article).
        joined = [field.name for field in self.model._meta.concrete_fields if field.many_to_one]
        return super().get_queryset(request).select_related(*joined)
