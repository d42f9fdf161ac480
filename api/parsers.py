"""Request bodies the API reads."""

import io

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# No write the API takes nests more than a few levels (an article's reading list is the
# deepest); a body nested past this is refused before anything walks it.
MAX_JSON_NESTING = 32


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser within bounds, each refusal naming its limit: a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes is a 413 before it is read whole (DRF reads a
    JSON body from the stream, past Django's own check), and one nested deeper than
    ``MAX_JSON_NESTING`` a 400, where Python's parser would run out of recursion."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge(f"The request body is over {limit:,} bytes, the most it may be.")
        too_deep = ParseError(f"JSON parse error - nested more than {MAX_JSON_NESTING} deep.")
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _nesting(data) > MAX_JSON_NESTING:
            raise too_deep
        return data


def _nesting(data) -> int:
    """How deep lists and objects nest in ``data``, counted without recursion."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        pending.extend((item, depth + 1) for item in value)
    return deepest
