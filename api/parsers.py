"""Request bodies the API reads."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No write the API takes nests more than a few levels (an article's reading list is the
# deepest); a body nested past this is refused before anything walks it.
MAX_JSON_NESTING = 32


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_JSON_NESTING`` with a 400
    that names the limit, where Python's parser would run out of recursion (a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON parse error - nested more than {MAX_JSON_NESTING} deep.")
        try:
            data = super().parse(stream, media_type, parser_context)
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
