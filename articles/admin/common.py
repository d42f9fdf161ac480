"""Pieces the admin's pages share."""

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from ..forms import ImageUploadField

# Uploads are checked before Django decodes them, so a refusal says why.
IMAGE_UPLOAD = {models.ImageField: {"form_class": ImageUploadField}}


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
        queryset = super().get_queryset(request)
        return queryset.select_related(self.link_via) if self.link_via else queryset
