"""The API's JSON parser: DRF's, with limits on what a body may be.

Python's JSON decoder recurses once per level of nesting, so a body of 1,000 `[` (2 KB)
exhausts the interpreter's stack; no request of this API nests deeper than a few levels,
so deeper bodies are refused with the API's usual JSON 400. (A body larger than
DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django before any parser; config.api's
exception handler answers that in JSON too.)"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest body the API takes is a measurement batch: a list of objects (depth 2).
MAX_DEPTH = 20


def depth(data) -> int:
    """How deeply lists and objects nest in `data` (a scalar is 1), without recursion."""
    deepest, stack = 1, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, level + 1) for item in items if isinstance(item, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.") from None
        if depth(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        return data
