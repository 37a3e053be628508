"""Hostile file contents for fuzzing the importers (hypothesis strategies), and a rollback per example.

`hostile_files(valid)` starts from a valid file in an importer's own layout and damages it the ways real uploads
go wrong: random binary, cut off at any byte, the wrong delimiter, a huge cell, NUL bytes, another encoding, a
duplicated header, spreadsheet-formula strings, stray control characters and quotes. Starting from a valid file
keeps most examples deep inside the importer (past header detection) where the interesting failures are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from hypothesis import strategies as st

FORMULAS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "=1+1", "\t=1", "'=1")
ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
) | st.sampled_from(FORMULAS + ("\u2028", "\x85", "\ufeff", "\x00", "\r", '"', '""', "\u202e", "é" * 300))


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def _truncated(draw, valid: bytes) -> bytes:
    return valid[: draw(st.integers(0, max(0, len(valid) - 1)))]


@st.composite
def _delimiter_swapped(draw, valid: bytes) -> bytes:
    old = draw(st.sampled_from([b",", b"\t"]))
    new = draw(st.sampled_from([b";", b"|", b"\t", b",", b" "]))
    return valid.replace(old, new)


@st.composite
def _huge_cell(draw, valid: bytes) -> bytes:
    lines = _lines(valid)
    index = draw(st.integers(0, len(lines) - 1))
    size = draw(st.sampled_from([5_000, 140_000]))  # 140 kB is past the csv module's default field limit
    lines[index] = lines[index] + draw(st.sampled_from([b"x", b"9", b"\xc3\xa9"])) * size
    return b"\n".join(lines)


@st.composite
def _inserted(draw, valid: bytes) -> bytes:
    """Bytes dropped in anywhere: NUL, control characters, quotes, a byte-order mark, invalid UTF-8."""
    piece = draw(
        st.sampled_from([b"\x00", b"\x00\x00\x00", b"\x01\x02", b'"', b"\r", b"\xef\xbb\xbf", b"\xff\xfe", b"\x85"])
    )
    at = draw(st.integers(0, len(valid)))
    return valid[:at] + piece + valid[at:]


@st.composite
def _cell_replaced(draw, valid: bytes) -> bytes:
    """One cell of one data row replaced by odd text (formula injection, separators, far-off Unicode)."""
    lines = _lines(valid)
    if len(lines) < 2:
        return valid
    index = draw(st.integers(1, len(lines) - 1))
    sep = b"\t" if b"\t" in lines[0] else b","
    cells = lines[index].split(sep)
    cell = draw(st.integers(0, max(0, len(cells) - 1)))
    cells[cell] = draw(ODD_TEXT).encode("utf-8")
    lines[index] = sep.join(cells)
    return b"\n".join(lines)


@st.composite
def _header_duplicated(draw, valid: bytes) -> bytes:
    lines = _lines(valid)
    sep = b"\t" if b"\t" in lines[0] else b","
    cells = lines[0].split(sep)
    cells.insert(draw(st.integers(0, len(cells))), draw(st.sampled_from(cells)))
    how = draw(st.sampled_from(["header", "header-and-rows", "header-line"]))
    if how == "header-line":
        return b"\n".join([lines[0], *lines])
    lines[0] = sep.join(cells)
    return b"\n".join(lines)


@st.composite
def _reencoded(draw, valid: bytes) -> bytes:
    text = valid.decode("utf-8", errors="replace")
    encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "utf-8-sig", "cp500"]))
    return text.encode(encoding, errors="replace")


def hostile_files(valid: bytes) -> st.SearchStrategy[bytes]:
    """Damaged versions of `valid` (and the valid file itself now and then)."""
    damaged = st.one_of(
        st.binary(min_size=0, max_size=2000),
        _truncated(valid),
        _delimiter_swapped(valid),
        _huge_cell(valid),
        _inserted(valid),
        _cell_replaced(valid),
        _header_duplicated(valid),
        _reencoded(valid),
        st.just(valid),
    )
    # A second layer of damage now and then (a cut-off file that is also in the wrong encoding).
    return damaged | damaged.flatmap(lambda once: _inserted(once) | _truncated(once) if once else st.just(once))


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Undo whatever an example wrote, so every hypothesis example starts from the same database."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass
