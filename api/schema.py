"""OpenAPI generation that documents every answer an operation can give, not only success."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

BAD_REQUEST = {
    "type": "object",
    "description": "Each bad query parameter or field, with what was wrong, e.g. "
    '`{"page_size": ["Must be at most 100."]}`.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERRORS = {
    "400": ("Bad request: a parameter's value is malformed or names nothing.", BAD_REQUEST),
    "401": ("Not authenticated.", DETAIL),
    "403": ("Not allowed: writing needs an editor with the model permission.", DETAIL),
    "404": ("No such object (or page).", DETAIL),
}


class ArchiveAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if getattr(self.view, "action", None) in ("list", "retrieve"):
            parameters.append(
                OpenApiParameter(
                    "fields",
                    str,
                    description="Comma-separated field names to return, e.g. "
                    "`fields=headline,published_at`; an unknown name is a 400.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "404"]
        if self.method in permissions.SAFE_METHODS:
            responses.setdefault(
                "304", {"description": "Not modified: the `ETag` or date you sent still holds."}
            )
        else:
            codes += ["401", "403"]
        for code in codes:
            description, schema = ERRORS[code]
            responses.setdefault(
                code,
                {"description": description, "content": {"application/json": {"schema": schema}}},
            )
        return responses
