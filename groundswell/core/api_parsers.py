"""The API's request parser and pagination, kept apart from `api.py`.

DRF resolves DEFAULT_PARSER_CLASSES and DEFAULT_PAGINATION_CLASS while `rest_framework.views` and `generics`
are still being imported, so the module they name must not import those itself (or a command that loads
views in that order, such as `groundswell audit verify`'s system checks, hits a circular import).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

# Deep enough for any real body (a person is 4 levels deep; custom_fields get the rest), shallow enough that
# nothing recursive downstream (validation, json.dumps for the audit log or the database, rendering) can run
# out of stack. A body nested deeper is refused before any of that runs.
MAX_JSON_DEPTH = 32


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "per_page"
    max_page_size = 100


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, made total: every body it cannot safely hand on is a 400 with the reason.

    DRF's own parser turns only ValueError into a ParseError, so JSON nested deeper than the interpreter's
    recursion limit raised RecursionError and answered 500. This one also refuses, with the reason:
    nesting deeper than MAX_JSON_DEPTH, NUL characters and lone surrogates anywhere in a string or key
    (PostgreSQL text cannot hold either, so they would fail at the database), an unknown or wrong
    character encoding, and NaN/Infinity. (DRF hands it request.body, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    has already bounded the size: see exception_handler.)
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except LookupError as exc:
            raise ParseError(f"JSON parse error - unknown character encoding {encoding!r}.") from exc
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from exc
        try:
            data = json.loads(text, parse_constant=strict_constant if api_settings.STRICT_JSON else None)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        check_json_value(data)
        return data


def check_json_value(data: Any) -> None:
    """Raise ParseError if `data` nests deeper than MAX_JSON_DEPTH or holds a string unfit to store.

    Walks with an explicit stack, so the check itself cannot hit the recursion limit.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
            if isinstance(value, dict):
                for key in value:
                    _check_string(key)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_string(value: str) -> None:
    if "\x00" in value:
        raise ParseError("JSON parse error - NUL characters (\\u0000) are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParseError("JSON parse error - unpaired surrogate escapes (\\ud800-\\udfff) are not allowed.") from exc
