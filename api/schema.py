"""OpenAPI generation that documents every answer an operation can give, not only success.

The schema speaks to front-end developers and docstrings to whoever reads the code, so
the schema never reads a docstring (``DISABLE_DOCSTRING_DESCRIPTIONS``): operations are
described with ``extend_schema`` in ``api.views``, shapes with ``extend_schema_serializer``
and fields with ``help_text``.

drf-spectacular's documented hooks do most of the work here: the public methods of
``AutoSchema``, a filter extension and a postprocessing hook (``SPECTACULAR_SETTINGS``).
Two private methods remain overridden, because drf-spectacular offers no public way to
adjust its default mapping of a serializer or a field (its extensions for serializers and
fields would have to call these same methods).
"""

import django_filters
from django import forms
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from .fields import ArchiveSerializer
from .renderers import CITATION_RENDERERS, CSLRenderer

FIELD_ERRORS = {
    "type": "object",
    "description": "Each bad query parameter or field, with what was wrong, e.g. "
    '`{"page_size": ["Must be at most 100."]}`.',
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            # A list field's errors, by the position of the item that was wrong.
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            # A nested object's errors in its own shape: an article's reading list, its
            # groups' and entries' errors keyed by their position.
            {
                "type": "object",
                "description": "A nested object's errors, in its shape, items of a list by "
                'their position: e.g. `{"groups": {"1": {"entries": {"0": {"books": ["…"]}}}}}`.',
            },
        ]
    },
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A request body that is not JSON at all is refused with a ``detail``, not per field.
BAD_REQUEST = {"oneOf": [FIELD_ERRORS, DETAIL]}
# Form field arguments and the JSON Schema keywords that say the same.
BOUNDS = {"min_value": "minimum", "max_value": "maximum", "max_length": "maxLength"}
ERRORS = {
    "400": ("Bad request: a parameter's value is malformed or names nothing.", BAD_REQUEST),
    "401": ("Not authenticated, or the token sent is not valid.", DETAIL),
    "403": (
        "Not allowed: writing needs an editor with the model permission; publishing, "
        "unpublishing or scheduling an article needs the publish permission too.",
        DETAIL,
    ),
    "404": ("No such object (or page).", DETAIL),
    "415": (
        "Unsupported media type: send the body in the media type this operation documents "
        "(JSON; multipart form data for imports, and for images with their file).",
        DETAIL,
    ),
    "429": ("Too many anonymous requests: wait for the seconds in `Retry-After`.", DETAIL),
    "503": ("The database is unavailable: try again after `Retry-After` seconds.", DETAIL),
}
RETRY_AFTER = {
    "schema": {"type": "integer"},
    "description": "Seconds until the client may ask again.",
}


def view_description(view, html=False):
    """DRF's description of a view (``VIEW_DESCRIPTION_FUNCTION``), shown by the browsable
    API and in answers to OPTIONS: none, where DRF would show the view's docstring, which
    speaks to readers of the code. Front ends read the descriptions in the schema."""
    return ""


def every_field(serializer):
    """A top-level shape's fields for any reader: ``ModelSerializer``'s own build, before
    ``ArchiveSerializer`` drops what a particular reader may not see."""
    return serializers.ModelSerializer.get_fields(force_instance(serializer))


def fields_parameter(serializer_class):
    """The sparse fieldset parameter (``fields=``) of a list or detail operation.

    Its enum holds every field, those only some readers get too, so that a typed client
    can ask for them; the description says when each of those may be named."""
    # Without a request, the serializer offers the fields every reader may ask for.
    public = list(serializer_class(context={}).fields)
    fields = every_field(serializer_class)
    example = ",".join([name for name in public if name not in ("id", "url")][:2])
    description = (
        f"Comma-separated names of the fields to return, e.g. `fields={example}`; an "
        "unknown name is a 400. It narrows the top-level object only: embedded objects "
        "keep their shape."
    )
    hidden = [
        f"`{name}` ({fields[name].help_text.rstrip('.')})" for name in fields if name not in public
    ]
    if hidden:
        description += (
            f" These may be named only where they apply, or the request is a 400: "
            f"{'; '.join(hidden)}."
        )
    return OpenApiParameter(
        "fields",
        {"type": "array", "items": {"enum": list(fields)}, "minItems": 1},
        style="form",
        explode=False,
        description=description,
    )


def format_parameter(formats):
    """``format``, where an operation answers in more formats than JSON: the same choice
    as an ``Accept`` header, for a link or a download."""
    citations = {renderer.format: renderer.media_type for renderer in CITATION_RENDERERS}
    named = ", ".join(f"`{name}` ({citations[name]})" for name in formats if name in citations)
    return OpenApiParameter(
        "format",
        {"type": "string", "enum": formats},
        description="The answer's format, as an alternative to the `Accept` header: `json` "
        f"(the default), or the article as a citation to download: {named}. A list answers "
        "with one file holding the page's articles (`page` and `page_size` apply). Errors "
        "are JSON whatever the format, and `fields` does not apply to a citation.",
    )


CITATION_SCHEMAS = {
    "application/x-bibtex": {
        "type": "string",
        "description": "BibTeX: an `@article` entry per article (`entrysubtype = {newspaper}`), "
        "keyed by the article's slug.",
    },
    "application/x-research-info-systems": {
        "type": "string",
        "description": "RIS: a `NEWS` record per article, keyed (`ID`) by the article's slug.",
    },
}
CSL_ITEM = {
    "type": "object",
    "description": "A CSL-JSON item of type `article-newspaper`, as the CSL input schema "
    "(csl-data.json) defines it; `id` is the article's slug.",
    "additionalProperties": True,
}


class ArchiveAutoSchema(AutoSchema):
    def get_auth(self):
        # Reading is public: a token or session is optional, and only adds drafts. OpenAPI
        # says so with `{}` among the requirements, but generated clients (e.g.
        # openapi-python-client) read any requirement as "authentication required", so
        # reads declare none; the security schemes stay documented for writes.
        if self.method in permissions.SAFE_METHODS:
            return []
        return super().get_auth()

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if getattr(self.view, "action", None) in ("list", "retrieve"):
            parameters.append(fields_parameter(self.view.get_serializer_class()))
            formats = self.map_renderers("format")
            if len(formats) > 1:
                parameters.append(format_parameter(formats))
        return parameters

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if isinstance(force_instance(serializer), ArchiveSerializer):
            # A sparse fieldset (`fields=`) may leave out any field.
            schema.pop("required", None)
            # Document the fields only some readers get (`status`, `highlight`) too.
            for name, field in every_field(serializer).items():
                if name not in schema["properties"]:
                    schema["properties"][name] = self._map_serializer_field(field, direction)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            isinstance(field, serializers.CharField)
            and not field.allow_blank
            and field.trim_whitespace
            and not field.read_only
        ):
            # Surrounding spaces are trimmed, so spaces alone count as blank.
            schema["pattern"] = r"\S"
        return schema


class ArchiveFilterExtension(DjangoFilterExtension):
    """The filters' parameters with the bounds their form fields enforce, so that a client
    reads in the schema which values are a 400."""

    # Ahead of the built-in extension this one refines.
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        for parameter in parameters:
            filter_ = (
                filterset_class.base_filters.get(parameter["name"]) if filterset_class else None
            )
            if filter_ is None:
                continue
            # django-filter reads an empty value (`?year=`) as no filter at all.
            parameter["allowEmptyValue"] = True
            schema = parameter["schema"]
            if isinstance(filter_, django_filters.OrderingFilter):
                # Generated clients name enum members after their values, and `-headline`
                # has no name of its own (openapi-python-client makes it `VALUE_0`).
                schema["items"]["x-enum-varnames"] = [
                    ordering_name(value) for value in schema["items"]["enum"]
                ]
            if filter_.field_class is forms.IntegerField:
                schema["type"] = "integer"
            for keyword, bound in BOUNDS.items():
                if filter_.extra.get(keyword) is not None:
                    schema[bound] = filter_.extra[keyword]
        return parameters


def ordering_name(value):
    """An ordering's name in code: `published_at` → `PUBLISHED_AT`, `-headline` →
    `HEADLINE_DESC`."""
    name = value.removeprefix("-").upper()
    return f"{name}_DESC" if value.startswith("-") else name


PAGINATION_HEADERS = {
    "Link": {
        "schema": {"type": "string"},
        "description": 'The next and previous pages (RFC 8288), e.g. `<…?page=3>; rel="next", '
        '<…?page=1>; rel="prev"`: the same URLs as `next` and `previous`. Absent on a '
        "list that fits on one page.",
    },
    "X-Total-Count": {
        "schema": {"type": "integer"},
        "description": "The list's `count`; absent when walking by `cursor`.",
    },
}


def document_error_responses(result, generator, request, public):
    """A postprocessing hook: every operation documents the errors it can answer with, and
    each page of a list its headers."""
    for operations in result["paths"].values():
        for method, operation in operations.items():
            add_error_responses(method.upper(), operation["responses"])
            content = operation["responses"].get("200", {}).get("content", {})
            ok = content.get("application/json")
            paginated = ok and ok["schema"].get("$ref", "").startswith(
                "#/components/schemas/Paginated"
            )
            if paginated:
                operation["responses"]["200"]["headers"] = PAGINATION_HEADERS
            document_citations(content, many=paginated)
    return result


def document_citations(content, *, many):
    """The citation formats' answers as what they are, not as the JSON shape
    drf-spectacular gives every media type of an operation."""
    for media_type, schema in CITATION_SCHEMAS.items():
        if media_type in content:
            content[media_type] = {"schema": schema}
    if CSLRenderer.media_type in content:
        schema = {"type": "array", "items": CSL_ITEM} if many else CSL_ITEM
        content[CSLRenderer.media_type] = {"schema": schema}


def add_error_responses(method, responses):
    codes = ["400", "404", "503"]
    if method in permissions.SAFE_METHODS:
        responses.setdefault(
            "304", {"description": "Not modified: the `ETag` or date you sent still holds."}
        )
        # Only reads reach the anonymous throttle: an anonymous write is refused first.
        codes += ["401", "429"]
    else:
        codes += ["401", "403"]
        if method != "DELETE":
            codes.append("415")
    for code in codes:
        description, schema = ERRORS[code]
        responses.setdefault(
            code,
            {"description": description, "content": {"application/json": {"schema": schema}}},
        )
    bad_request = responses["400"].get("content", {}).get("application/json")
    if bad_request and bad_request["schema"] is not BAD_REQUEST:
        # An operation's own 400 (an import report) or, before it runs, the request's
        # field errors.
        bad_request["schema"] = {"anyOf": [bad_request["schema"], FIELD_ERRORS]}
    for code in ("429", "503"):
        if code in responses:
            responses[code]["headers"] = {"Retry-After": RETRY_AFTER}
