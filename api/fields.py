"""The building blocks of the API's shapes: field classes, and the two base serializers
that decide which fields a shape has.

Docstrings here are for whoever reads the code: the OpenAPI schema never shows them
(``DISABLE_DOCSTRING_DESCRIPTIONS``). What front ends read is declared with
``extend_schema_serializer`` and ``help_text`` in ``api.serializers``.
"""

import copy
import datetime as dt
import re
from collections.abc import Mapping
from types import SimpleNamespace

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .frontend import web_url


class RFC3339DateTimeField(serializers.DateTimeField):
    """Date-times in the archive's time zone, except where its offset has seconds.

    Before 1848 London kept local mean time, 1 minute 15 seconds behind Greenwich, and an
    offset like ``-00:01:15`` is not valid RFC 3339: such times are given in UTC.
    """

    def to_representation(self, value):
        if value and self.enforce_timezone(value).utcoffset().seconds % 60:
            value = value.astimezone(dt.UTC)
            return value.isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class IdentityLinkField(serializers.HyperlinkedIdentityField):
    """The object's own URL: the route is reversed once for a whole list, then completed
    for each object.

    A list page would otherwise reverse the route and make it absolute for every object.
    A value of letters, digits, ``-`` and ``_`` needs no escaping in a path, so its URL
    is the stand-in's URL with the value in the stand-in's place; any other value is
    reversed the usual way. The template is kept with the request and format it was made
    for, so a field reused for another request never hands out the previous one's host.
    """

    STAND_IN = "0stand-in0"
    PLAIN_VALUE = re.compile(r"[-a-zA-Z0-9_]+")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._template = None

    def get_url(self, obj, view_name, request, format):
        # A record embedded as JSON built in the database (a byline) is a dictionary; its
        # slug is always plain, so it never reaches the usual way below.
        value = str(
            obj[self.lookup_field] if isinstance(obj, Mapping) else getattr(obj, self.lookup_field)
        )
        if not self.PLAIN_VALUE.fullmatch(value):
            return super().get_url(obj, view_name, request, format)
        if self._template is None or self._template[:2] != (request, format):
            url = self.reverse(
                view_name,
                kwargs={self.lookup_url_kwarg: self.STAND_IN},
                request=request,
                format=format,
            )
            before, _, after = url.rpartition(self.STAND_IN)
            self._template = (request, format, before, after)
        _, _, before, after = self._template
        return f"{before}{value}{after}"


class ReadSerializer(serializers.ModelSerializer):
    """A read-only shape whose fields are built from the model once per class.

    ``ModelSerializer`` builds its fields anew for every instance, and an article nests
    many (issue, authors, images, each level of the reading list). What it builds depends
    only on the class (``Meta`` and the declared fields), never on the instance or its
    context, so the class keeps the first build. Each instance still gets its own deep
    copy, since binding a field to its serializer changes the field. A subclass that
    chooses fields by context does so after this build (see ``ArchiveSerializer``).
    """

    def get_fields(self):
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return copy.deepcopy(cls._built_fields)


class ArchiveSerializer(ReadSerializer):
    """A top-level shape: sparse fieldsets (``fields=headline,published_at``) and fields
    for some readers only.

    The view passes ``fields`` to the top-level serializer only; embedded objects keep
    their whole shape. ``available_fields()`` drops what this reader may not see before
    the fieldset is applied, so naming a field the reader may not see is the same 400 as
    naming one that does not exist. ``api.schema`` documents every field, hidden ones
    included, and requires none.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: RFC3339DateTimeField,
    }

    def __init__(self, *args, fields=None, **kwargs):
        self.requested_fields = fields
        super().__init__(*args, **kwargs)

    def available_fields(self, fields):
        """Drop fields this reader may not see; subclasses narrow this."""
        return fields

    def get_fields(self):
        fields = self.available_fields(super().get_fields())
        if self.requested_fields is None:
            return fields
        unknown = [name for name in self.requested_fields if name not in fields]
        if unknown:
            raise serializers.ValidationError(
                {
                    "fields": [
                        f"Unknown field(s): {', '.join(unknown)}. Choose from: {', '.join(fields)}."
                    ]
                }
            )
        return {name: field for name, field in fields.items() if name in self.requested_fields}


class ArchiveSlugRelatedField(serializers.SlugRelatedField):
    """A record by slug; a slug with a NUL character (which PostgreSQL cannot compare)
    is refused like any other slug that names nothing."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class WebURLField(serializers.Field):
    """Where the website built on the API shows the record (``api.frontend``)."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        kwargs.setdefault(
            "help_text",
            f"The {kind}'s page on the website, when the archive is configured with one "
            "(`FRONTEND_URLS`); else null.",
        )
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        if isinstance(record, Mapping):
            # A reading list's books credit their authors as the database built them.
            record = SimpleNamespace(**record)
        return web_url(self.kind, record)
