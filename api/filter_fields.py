"""The building blocks of the FilterSets (``api.filters``): form fields that refuse what
does not parse, slug filters that name what they did not find, and the time and search
filters, each answering a 400 that names its parameter."""

import datetime as dt

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from django_filters.fields import ModelChoiceField, ModelMultipleChoiceField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictBooleanField(forms.Field):
    """``true``/``false`` or ``1``/``0``; anything else is an error, not "no filter"."""

    default_error_messages = {"invalid": "Use true or false (or 1 or 0)."}
    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self._VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateOrDateTimeField(forms.Field):
    """An ISO 8601 date (``2010-08-17``) or date-time (``2010-08-17T18:05:00+01:00``)."""

    default_error_messages = {
        "invalid": "Use an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])."
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip()
        try:
            if len(value) == 10:
                return dt.date.fromisoformat(value)
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def refuse_null_characters(value):
    """PostgreSQL cannot compare text containing NUL, so such a slug is a 400, not a 500."""
    if isinstance(value, str):
        ProhibitNullCharactersValidator()(value)


class SlugField(ModelChoiceField):
    """A slug naming one record; unknown slugs and NUL characters are 400s."""

    def to_python(self, value):
        refuse_null_characters(value)
        return super().to_python(value)


class SlugFilter(filters.ModelChoiceFilter):
    field_class = SlugField


class SlugsField(ModelMultipleChoiceField):
    """Repeatable slugs, where an empty value (``?author=``) means no filter, as it does for
    every other filter, rather than a slug that names nothing."""

    def clean(self, value):
        slugs = [slug for slug in value or [] if slug]
        for slug in slugs:
            refuse_null_characters(slug)
        return super().clean(slugs)


class SlugsFilter(filters.ModelMultipleChoiceFilter):
    field_class = SlugsField


def slug_filter(queryset, help_text, *, many=False, **kwargs):
    """A filter naming records of ``queryset`` by slug; repeatable when ``many``.

    The schema documents it as a slug whatever it filters through, so that a filter with
    its own ``method`` (and so no ``field_name`` to follow) is typed like every other.
    """
    filter_class = SlugsFilter if many else SlugFilter
    documented_as = extend_schema_field(serializers.SlugField(help_text=help_text))
    return documented_as(
        filter_class(to_field_name="slug", queryset=queryset, help_text=help_text, **kwargs)
    )


class StrictBooleanFilter(django_filters.BooleanFilter):
    # The plain filter, not the DRF flavour: its widget turns unknown words into "unset".
    field_class = StrictBooleanField


# Integer columns are 32-bit: a larger number would overflow the query, not match nothing.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# Python's dates, and so the ORM's ``__year`` lookups, run from year 1 to 9999.
YEAR_MIN, YEAR_MAX = 1, 9999
# Longer than any headline or phrase worth searching for; bounds the cost of a query.
SEARCH_MAX_LENGTH = 200


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INTEGER_MIN)
        kwargs.setdefault("max_value", INTEGER_MAX)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class SearchFilter(filters.CharFilter):
    """Free text, at most ``SEARCH_MAX_LENGTH`` characters: a longer ``q`` is a 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, max_length=SEARCH_MAX_LENGTH, **kwargs)


class TimeBoundFilter(filters.Filter):
    """A bound on a date-time (``published_at``, ``updated_at``); a date means that whole
    day in the archive's time zone, so both bounds are inclusive."""

    field_class = DateOrDateTimeField

    def filter(self, qs, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
            if self.lookup_expr == "lte":
                if value == dt.date.max:
                    # No day follows the last one: every dated article is on or before it.
                    return qs.filter(**{f"{self.field_name}__isnull": False})
                return qs.filter(**{f"{self.field_name}__lt": start + dt.timedelta(days=1)})
            value = start
        return super().filter(qs, value)
