"""Inlines whose page costs the same number of queries however many rows they hold.

Django builds an inline's rows one by one: each row's title (``__str__``) loads the
records it names, each autocomplete loads its chosen record, and nested inlines
(a reading list's entries, an entry's books) query once per parent row. An
``EditorInline`` loads its rows with the records they name (``select_related``) and
its nested inlines' rows with them (``prefetch_related``), and lets each row and each
autocomplete use what was loaded.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Prefetch

from .common import EditorFormsMixin


def _with_named_records(queryset, parent_model):
    """``queryset`` loading the records its rows name, other than their parent row.
    (``select_related()`` without names would follow every foreign key.)"""
    named = [
        field.name
        for field in queryset.model._meta.concrete_fields
        if field.many_to_one and field.related_model is not parent_model
    ]
    return queryset.select_related(*named) if named else queryset


def _nested_prefetches(inline, prefix=""):
    """Prefetches loading the rows of ``inline``'s nested inlines, at any depth."""
    prefetches = []
    for child in getattr(inline, "inlines", ()):
        link = next(
            field
            for field in child.model._meta.concrete_fields
            if field.many_to_one and field.related_model is inline.model
        )
        path = prefix + link.remote_field.get_accessor_name()
        rows = _with_named_records(child.model._default_manager.all(), inline.model)
        prefetches += [Prefetch(path, queryset=rows), *_nested_prefetches(child, path + "__")]
    return prefetches


class LoadedChoiceAutocomplete(AutocompleteSelect):
    """An autocomplete that shows its chosen record from ``loaded`` (the row's own copy)
    when it is there, instead of querying for it."""

    loaded = None

    def optgroups(self, name, value, attr=None):
        chosen = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not self.loaded or chosen != [str(self.loaded.pk)]:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(self.loaded)
        options.append(self.create_option(name, self.loaded.pk, label, set(chosen), len(options)))
        return [(None, options, 0)]


class EditorInlineForm(forms.ModelForm):
    """Hands each autocomplete the record its row already holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if not isinstance(widget, LoadedChoiceAutocomplete):
                continue
            if self.instance._meta.get_field(name).is_cached(self.instance):
                widget.loaded = getattr(self.instance, name)


class LoadedRowsFormSetMixin:
    """A nested formset showing the rows its parent row has prefetched, each row knowing
    its parent; a posted formset reads its rows as usual."""

    def get_queryset(self):
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {})
        rows = prefetched.get(self.fk.remote_field.cache_name)
        return super().get_queryset() if self.is_bound or rows is None else rows

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i < self.initial_form_count():
            setattr(form.instance, self.fk.name, self.instance)
        return form


class EditorInline(EditorFormsMixin):
    """``EditorFormsMixin`` for inlines, at a cost that does not grow with their rows."""

    form = EditorInlineForm

    def get_queryset(self, request):
        queryset = _with_named_records(super().get_queryset(request), self.parent_model)
        return queryset.prefetch_related(*_nested_prefetches(self))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (LoadedRowsFormSetMixin, formset), {})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedChoiceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
