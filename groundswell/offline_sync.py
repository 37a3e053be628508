"""The server side of the shared offline queue (static/js/offline-queue.js): reading a batch of queued items.

Doorstep sync, telling sync and knock-up sync read their request bodies here, so broken or hostile input is
answered the same way everywhere. A body that is not `{"items": [...]}` at all is refused as a whole (400);
inside the list each item is checked on its own, and a bad item is refused with the field it concerns while
the others are stored. Nothing here raises anything but `BadBatch`: not deep nesting (RecursionError in the
json module), not 5,000-digit numbers (Python's int conversion limit), not NaN, invalid UTF-8 or NUL bytes
(which PostgreSQL refuses to store).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 8  # items are flat objects whose answers may hold a list: nothing a phone sends nests deeper
MAX_INT_DIGITS = 18  # below 2**63, so every number fits the databases' integer columns
MAX_ID = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")  # invalid UTF-8 bytes decode to these (surrogateescape)
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]', re.S)
EXPECTED = 'Expected {"items": [{…}, …]}'


class BadBatch(Exception):
    """The body as a whole cannot be read as a batch: answer `status` with `message`, store nothing."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ItemError(Exception):
    """One item is refused: `field` names what is wrong with it, `message` says how."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = str(self)


@dataclass(frozen=True)
class Refusal:
    """An item refused before it reached the app: its answer says which field and why."""

    client_id: str
    field: str
    message: str

    def answer(self, key: str = "error") -> dict[str, Any]:
        return {"client_id": self.client_id, "status": "error", key: self.message, "field": self.field}


@dataclass(frozen=True)
class _Unusable:
    """A JSON value Python could read but nothing should store (a huge integer, NaN, an infinite float)."""

    reason: str


def _parse_int(text: str) -> int | _Unusable:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        return _Unusable(f"is a number with {len(digits)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _parse_float(text: str) -> float | _Unusable:
    value = float(text)
    return value if math.isfinite(value) else _Unusable("is not a finite number")


def _parse_constant(text: str) -> _Unusable:
    return _Unusable(f"is {text}, which is not a number")


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def clean_text(value: str) -> str | None:
    """Why a string cannot be stored (None when it can): PostgreSQL refuses NUL, and nobody's UTF-8 has
    lone surrogates."""
    if "\x00" in value:
        return "contains a NUL character"
    if _SURROGATE.search(value):
        return "is not valid UTF-8 text"
    return None


def _label(key: str) -> str:
    return _SURROGATE.sub("\ufffd", key.replace("\x00", "\ufffd"))[:40]


def _problem(item: dict[str, Any]) -> tuple[str, str] | None:
    """(field path, reason) for the first thing in `item` that cannot be used, else None. Iterative, so no
    depth of nesting can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(item, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path, f"is nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            for key, inner in value.items():
                where = f"{path}.{_label(key)}" if path else _label(key)
                if clean_text(key):
                    return where, f"has a key that {clean_text(key)}"
                stack.append((inner, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((inner, f"{path}[{i}]", depth + 1) for i, inner in enumerate(value))
        elif isinstance(value, str):
            reason = clean_text(value)
            if reason:
                return path, reason
        elif isinstance(value, _Unusable):
            return path, value.reason
    return None


def client_id_of(item: Any) -> str:
    """The item's client id as the page keyed it, for the answer (whatever else is wrong with the item)."""
    value = item.get("client_id") if isinstance(item, dict) else None
    if isinstance(value, str):
        return value[:200]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _split_deep(text: str) -> list[Any]:
    """The items of a body too deeply nested for the json module, read one by one: an item nested too deep
    is refused (its client id and field found by scanning), the others are parsed on their own."""
    depth = 0
    prev = ""
    key_at: dict[int, str] = {}
    in_items = False
    found_items = False
    spans: list[tuple[int, int, int, str, str]] = []  # start, end, deepest, deep field, client id
    start = deepest = 0
    deep_field = client_id = ""
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok in "{[":
            depth += 1
            if not found_items and depth == 2 and tok == "[" and prev == ":" and key_at.get(1) == '"items"':
                in_items = found_items = True
                start, deepest, deep_field, client_id = m.end(), 2, "", ""
                key_at.pop(3, None)
            elif in_items and depth > deepest:
                deepest = depth
                if depth - 2 > MAX_DEPTH and not deep_field:
                    deep_field = key_at.get(3, "").strip('"')
        elif tok in "}]":
            if in_items and depth == 2:
                spans.append((start, m.start(), deepest, deep_field, client_id))
                in_items = False
            depth -= 1
        elif tok == ",":
            if in_items and depth == 2:
                spans.append((start, m.start(), deepest, deep_field, client_id))
                start, deepest, deep_field, client_id = m.end(), 2, "", ""
                key_at.pop(3, None)
        elif tok == ":":
            key_at[depth] = prev
        elif in_items and depth == 3 and prev == ":" and key_at.get(3) == '"client_id"':
            try:
                client_id = json.loads(tok)
            except ValueError:
                client_id = ""
        prev = tok
    if not found_items or in_items:
        raise BadBatch(EXPECTED)
    items: list[Any] = []
    for begin, end, deep, field, cid in spans:
        chunk = text[begin:end].strip()
        if not chunk and len(spans) == 1:
            break  # "items": []
        if deep - 2 > MAX_DEPTH:
            items.append(Refusal(cid[:200], _label(field), f"{_label(field) or 'item'}: nested too deeply"))
            continue
        try:
            items.append(_loads(chunk))
        except (ValueError, RecursionError):
            raise BadBatch(f"{EXPECTED}: the body is not JSON") from None
    return items


def read_items(body: bytes, *, max_items: int) -> list[dict[str, Any] | Refusal]:
    """The batch's items, in order: each a dict safe to read (strings storable, numbers bounded, nesting
    shallow) or a Refusal to answer as it is. Raises BadBatch when the body is not a batch at all."""
    # Bytes that are not UTF-8 become lone surrogates, refused per item below (or a JSON error outside strings).
    text = body.decode("utf-8", errors="surrogateescape") if body else "{}"
    try:
        data = _loads(text)
        items = data.get("items") if isinstance(data, dict) else None
    except RecursionError:
        items = _split_deep(text)
    except ValueError:
        raise BadBatch(f"{EXPECTED}: the body is not JSON") from None
    if not isinstance(items, list):
        raise BadBatch(EXPECTED)
    if len(items) > max_items:
        raise BadBatch(f"At most {max_items} items per request", status=413)
    out: list[dict[str, Any] | Refusal] = []
    for index, item in enumerate(items):
        if isinstance(item, Refusal):
            out.append(item)
        elif not isinstance(item, dict):
            out.append(Refusal("", f"items[{index}]", f"items[{index}]: an item must be an object {{…}}"))
        elif (problem := _problem(item)) is not None:
            field, reason = problem
            out.append(Refusal(client_id_of(item), field, f"{field}: {reason}"))
        else:
            out.append(item)
    return out


def group_items(
    items: list[dict[str, Any] | Refusal], id_field: str
) -> tuple[list[dict[str, Any] | None], dict[int | None, list[int]]]:
    """Start a batch's answers: refused items are answered at once (whatever container they name), and the
    others' indexes are grouped by the container id in `id_field` (the walk, the round; None when not an id),
    so each container is loaded and permission-checked once. Returns (answers so far, container id → indexes)."""
    answers: list[dict[str, Any] | None] = [None] * len(items)
    groups: dict[int | None, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if isinstance(item, Refusal):
            answers[index] = item.answer()
        else:
            groups[parse_id(item.get(id_field))].append(index)
    return answers, groups


# ---------------------------------------------------------------- reading one item's fields


def parse_id(value: Any) -> int | None:
    """A database id from JSON: a positive int, or a string of ASCII digits, that fits a bigint; else None.
    (str.isdigit() accepts '²', which int() refuses, and int() has no upper bound the databases share.)"""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and _ASCII_DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
        return number if 0 < number <= MAX_ID else None
    return None


def text_field(item: dict[str, Any], name: str, *, max_length: int, default: str = "") -> str:
    """A string field (numbers are taken as their text); an object, list or over-long text is refused."""
    value = item.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ItemError(name, "must be text")
    text = str(value)
    if len(text) > max_length:
        raise ItemError(name, f"is longer than {max_length} characters")
    return text


def client_id_field(item: dict[str, Any]) -> str:
    """The required client id: text, 1 to 64 characters."""
    client_id = text_field(item, "client_id", max_length=64).strip()
    if not client_id:
        raise ItemError("client_id", "is required")
    return client_id
