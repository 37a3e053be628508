"""Absent voters lists and marked registers: files keyed by elector number, applied to existing electors.

- Absent voting lists (uk-rules.md §1.4): the **postal voters list** (elector + the address the ballot goes to),
  the **list of proxies** (elector + proxy name and address) and the **proxy postal voters list**. They set
  Elector.postal_voter / proxy_voter and keep the addresses and names in absent_vote_detail under the list's
  name. A list never clears flags it does not mention (lists come in parts, e.g. per ward).
- Marked register (uk-rules.md §1.6): per elector number a mark, stored as the Green tool does [R36]:
  'v' voted in person, 'x' voted by post, '0' did not vote. Every elector live when the file is imported who
  has no row (or an empty mark) gets '0'. Re-importing the same file changes nothing.

Both follow the register importer's rule: every row is checked, any error means nothing is written.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import re
import sys
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from groundswell.audit.services import record
from groundswell.db.bulk import insert_rows, update_rows
from groundswell.geography.models import Constituency

from . import formats
from .formats import (
    RegisterFileError,
    TailCheck,
    parse_elector_number,
    parse_number,
    parse_pd,
    split_lines,
    squash,
)
from .importing import read_source, resolve_constituency
from .models import Elector, RegisterImport, TurnoutRecord

POSTAL, PROXY, PROXY_POSTAL = "postal", "proxy", "proxy-postal"
LIST_KINDS = (POSTAL, PROXY, PROXY_POSTAL)
_ELECTION_ID = re.compile(r"^[a-z][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class ListReport:
    filename: str = ""
    kind: str = ""  # postal / proxy / proxy-postal / marked
    encoding: str = ""
    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    created: int = 0  # turnout records written for the first time
    did_not_vote: int = 0  # electors given '0' because the file has no mark for them
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "created": self.created,
            "did_not_vote": self.did_not_vote,
            "errors": [{"line": line, "message": message} for line, message in self.errors],
            "warnings": [{"line": line, "message": message} for line, message in self.warnings[:500]],
            "encoding": self.encoding,
            "filename": self.filename,
            "dry_run": self.dry_run,
            "written": self.written,
        }


class _Rollback(Exception):
    pass


_COLUMNS = {
    "pd": ("pd", "pdcode", "pollingdistrict", "electornumberprefix"),
    "number": ("eno", "electornumber", "electorno", "number", "rollno", "elector", "electorid"),
    "suffix": ("electornumbersuffix", "suffix", "enosuffix"),
    "name": ("name", "electorname", "surname", "forenames", "firstnames", "electorsurname", "electorforename", "title"),
    "proxy_name": ("proxyname", "proxy", "nameofproxy", "proxyfullname", "proxysurname", "proxyforenames"),
    "list": ("list", "listtype", "type", "absentvotetype", "votetype", "absentvote"),
    "mark": ("mark", "marked", "marking", "voted", "vote", "turnout"),
    "period": ("period", "expiry", "expirydate", "validuntil", "enddate", "election"),
}
_BY_NAME = {alias: canon for canon, aliases in _COLUMNS.items() for alias in aliases}


def _column(header: str) -> str | None:
    name = squash(header)
    if name in _BY_NAME:
        return _BY_NAME[name]
    if "address" in name or "postcode" in name:
        # 'Postal Address 1', 'Address to which ballot is sent', 'Proxy Address', 'Proxy Postcode'…
        return "proxy_address" if name.startswith("proxy") and "postal" not in name else "postal_address"
    return None


def _read_table(data: bytes, report: ListReport) -> tuple[dict[str, list[int]], list[tuple[int, list[str]]]]:
    text, report.encoding = formats.decode(data)
    lines = split_lines(text)
    start = next((i for i, line in enumerate(lines) if line.strip(" \t,;")), None)
    if start is None:
        raise RegisterFileError("The file is empty")
    first = lines[start]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines[start:]), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise RegisterFileError(f"Line {start + 1}: the header row cannot be read ({exc})") from exc
    columns: dict[str, list[int]] = {}
    for index, raw in enumerate(header):
        if not raw.strip():
            continue
        name = _column(raw)
        if name is None:
            report.warnings.append((start + 1, f"Unknown column {raw.strip()!r} ignored"))
            continue
        columns.setdefault(name, []).append(index)
    if "number" not in columns:
        raise RegisterFileError(
            "This file has no elector number column: expected 'Elector Number' (e.g. AB1-12/1) or "
            "'PD' and 'ENO'. Columns found: " + ", ".join(repr(h.strip()) for h in header if h.strip())
        )
    rows = []
    # A list cut short would name the wrong elector on its last row, and a marked register would record
    # everyone after the cut as not having voted: refuse it (formats.TailCheck).
    tail = TailCheck(len(header))
    first_line = reader.line_num + 1
    try:
        for cells in reader:
            row_first, first_line = first_line, reader.line_num + 1
            if any(c.strip() for c in cells):
                rows.append((start + reader.line_num, cells))
                tail.see(row_first, reader.line_num, len(cells))
    except csv.Error as exc:
        raise RegisterFileError(f"Line {start + reader.line_num} cannot be read ({exc})") from exc
    tail.check(lines[start:], delimiter, text.endswith(("\n", "\r")), offset=start)
    return columns, rows


def _cells(cells: list[str], indexes: list[int] | None) -> list[str]:
    return [cells[i].strip() for i in indexes or () if i < len(cells) and cells[i].strip()]


def _key(cells: list[str], columns: dict[str, list[int]]) -> tuple[str, int, int]:
    number_text = " ".join(_cells(cells, columns["number"][:1]))
    if "pd" not in columns or "-" in number_text:
        return parse_elector_number(number_text)
    pd = parse_pd(" ".join(_cells(cells, columns["pd"][:1])))
    number, embedded = parse_number(number_text)
    suffix_text = " ".join(_cells(cells, columns.get("suffix", [])[:1]))
    if suffix_text and not suffix_text.isdigit():
        raise ValueError(f"{suffix_text!r} is not an elector number suffix")
    return pd, number, int(suffix_text) if suffix_text else (embedded or 0)


def _live_ids(constituency: Constituency) -> dict[tuple[str, int, int], int]:
    rows = Elector.objects.filter(constituency=constituency, deleted_at__isnull=True).values_list(
        "id", "polling_district", "number", "suffix"
    )
    return {(pd, number, suffix): pk for pk, pd, number, suffix in rows.iterator(chunk_size=5000)}


def _list_kind(value: str) -> str | None:
    text = squash(value)
    if not text:
        return None
    if "proxy" in text and "post" in text:
        return PROXY_POSTAL
    if "proxy" in text:
        return PROXY
    if "post" in text:
        return POSTAL
    return ""


def import_absent_voters(
    source: str | os.PathLike | IO,
    constituency: Constituency | str,
    *,
    list_kind: str | None = None,
    dry_run: bool = False,
    actor: Any = None,
    progress: bool = False,
    filename: str | None = None,
) -> ListReport:
    """Apply a postal / proxy / proxy postal voters list. `list_kind` None = from a list column or the columns."""
    report = ListReport(dry_run=dry_run)
    try:
        data, report.filename = read_source(source, filename)
        constituency = resolve_constituency(constituency)
        if list_kind is not None and list_kind not in LIST_KINDS:
            raise RegisterFileError(f"--list must be one of {', '.join(LIST_KINDS)}")
        columns, rows = _read_table(data, report)
    except RegisterFileError as exc:
        report.errors = [(0, str(exc))]
        return report
    if list_kind is None and "list" not in columns:
        list_kind = (PROXY_POSTAL if "postal_address" in columns else PROXY) if "proxy_name" in columns else POSTAL
    report.kind = list_kind or "mixed"
    live = _live_ids(constituency)
    seen: dict[tuple[tuple[str, int, int], str], int] = {}
    wanted: list[tuple[int, str, dict]] = []  # (elector id, list, detail)
    for line, cells in tqdm(rows, desc="Checking", file=sys.stderr, disable=not progress, mininterval=0.5):
        report.rows += 1
        try:
            key = _key(cells, columns)
            kind = list_kind or _list_kind(" ".join(_cells(cells, columns.get("list"))))
            if not kind:
                raise ValueError("the list column says neither postal nor proxy")
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        number = f"{key[0]}-{key[1]}" + (f"/{key[2]}" if key[2] else "")
        if (key, kind) in seen:
            report.errors.append((line, f"elector number {number} is repeated (first on line {seen[(key, kind)]})"))
            continue
        seen[(key, kind)] = line
        elector_id = live.get(key)
        if elector_id is None:
            report.errors.append((line, f"no elector {number} on the register of {constituency.code}"))
            continue
        detail = {"name": " ".join(_cells(cells, columns.get("name")))}
        if kind in (POSTAL, PROXY_POSTAL):
            detail["postal_address"] = ", ".join(_cells(cells, columns.get("postal_address")))
        if kind in (PROXY, PROXY_POSTAL):
            detail["proxy_name"] = " ".join(_cells(cells, columns.get("proxy_name")))
            detail["proxy_address"] = ", ".join(_cells(cells, columns.get("proxy_address")))
        if "period" in columns:
            detail["period"] = " ".join(_cells(cells, columns["period"]))
        wanted.append((elector_id, kind, {k: v for k, v in detail.items() if v}))
    if report.errors:
        return report

    try:
        with transaction.atomic():
            current = {
                pk: (postal, proxy, detail)
                for pk, postal, proxy, detail in Elector.objects.filter(
                    constituency=constituency, deleted_at__isnull=True
                ).values_list("id", "postal_voter", "proxy_voter", "absent_vote_detail")
            }
            changes: dict[int, list] = {}
            for elector_id, kind, detail in wanted:
                postal, proxy, old = changes.get(elector_id) or list(current[elector_id])
                merged = {**(old or {}), kind: detail}
                postal = postal or kind == POSTAL
                proxy = proxy or kind in (PROXY, PROXY_POSTAL)
                changes[elector_id] = [postal, proxy, merged]
            now = timezone.now()
            updates = [(pk, *vals, now) for pk, vals in changes.items() if tuple(vals) != current[pk]]
            update_rows(Elector, ("postal_voter", "proxy_voter", "absent_vote_detail", "updated_at"), updates)
            report.changed = len(updates)
            report.unchanged = len(changes) - len(updates)
            _record(report, constituency, actor, data, RegisterImport.Kind.ABSENT, report.kind)
            if dry_run:
                raise _Rollback
            report.written = True
    except _Rollback:
        pass
    return report


_MARKS = {
    **dict.fromkeys(("v", "voted", "inperson", "y", "yes", "1", "true", "pollingstation", "person"), "v"),
    **dict.fromkeys(("x", "postal", "post", "pv", "postalvote", "votedbypost", "byp", "p"), "x"),
    **dict.fromkeys(("", "0", "n", "no", "false", "didnotvote", "dnv", "none", "-"), "0"),
}


def import_marked_register(
    source: str | os.PathLike | IO,
    constituency: Constituency | str,
    election: str,
    *,
    dry_run: bool = False,
    actor: Any = None,
    progress: bool = False,
    filename: str | None = None,
) -> ListReport:
    """Record turnout at `election` (e.g. 'parl.2024-07-04') from a marked register. Idempotent."""
    report = ListReport(dry_run=dry_run, kind="marked")
    try:
        data, report.filename = read_source(source, filename)
        constituency = resolve_constituency(constituency)
        match = _ELECTION_ID.match(election or "")
        try:
            if not match:
                raise ValueError
            datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            raise RegisterFileError(
                f"{election!r} is not an election id (expected e.g. parl.2024-07-04 or local.reading.2024-05-02)"
            ) from None
        columns, rows = _read_table(data, report)
        if "mark" not in columns:
            raise RegisterFileError("This file has no mark column (expected 'Mark' with v, x or blank)")
    except RegisterFileError as exc:
        report.errors = [(0, str(exc))]
        return report
    live = _live_ids(constituency)
    marks: dict[int, str] = {}
    seen: dict[tuple[str, int, int], int] = {}
    for line, cells in tqdm(rows, desc="Checking", file=sys.stderr, disable=not progress, mininterval=0.5):
        report.rows += 1
        try:
            key = _key(cells, columns)
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        number = f"{key[0]}-{key[1]}" + (f"/{key[2]}" if key[2] else "")
        raw = " ".join(_cells(cells, columns["mark"]))
        mark = _MARKS.get(squash(raw))
        if mark is None:
            report.errors.append((line, f"mark {raw!r} is not v (in person), x (postal) or blank (did not vote)"))
            continue
        if key in seen:
            report.errors.append((line, f"elector number {number} is repeated (first on line {seen[key]})"))
            continue
        seen[key] = line
        elector_id = live.get(key)
        if elector_id is None:
            report.errors.append((line, f"no elector {number} on the register of {constituency.code}"))
            continue
        marks[elector_id] = mark
    if report.errors:
        return report
    for elector_id in live.values():
        if elector_id not in marks:
            marks[elector_id] = TurnoutRecord.Mark.DID_NOT_VOTE
            report.did_not_vote += 1
    try:
        with transaction.atomic():
            existing = {
                elector_id: (pk, mark)
                for pk, elector_id, mark in TurnoutRecord.objects.filter(
                    election=election, elector__constituency=constituency
                ).values_list("id", "elector_id", "mark")
            }
            planned_new, planned_changed = [], []
            for elector_id, mark in marks.items():
                old = existing.get(elector_id)
                if old is None:
                    planned_new.append((elector_id, mark))
                elif old[1] != mark:
                    planned_changed.append((old[0], mark))
                else:
                    report.unchanged += 1
            report.created, report.changed = len(planned_new), len(planned_changed)
            source_id = _record(report, constituency, actor, data, RegisterImport.Kind.MARKED, election).pk
            insert_rows(
                TurnoutRecord,
                ("elector", "election", "mark", "source"),
                ((elector_id, election, mark, source_id) for elector_id, mark in planned_new),
            )
            update_rows(TurnoutRecord, ("mark", "source"), [(pk, mark, source_id) for pk, mark in planned_changed])
            if dry_run:
                raise _Rollback
            report.written = True
    except _Rollback:
        pass
    return report


def _record(
    report: ListReport, constituency: Constituency, actor: Any, data: bytes, kind: str, label: str
) -> RegisterImport:
    user = actor if getattr(actor, "pk", None) else None
    entry = RegisterImport.objects.create(
        constituency=constituency,
        kind=kind,
        format=label[:40],
        filename=report.filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=report.encoding,
        rows=report.rows,
        created=report.created,
        amended=report.changed,
        unchanged=report.unchanged,
        warnings=[{"line": line, "message": m} for line, m in report.warnings[:500]],
        imported_by=user,
    )
    record(
        "imported",
        actor=user,
        object_type="register.registerimport",
        object_id=entry.pk,
        object_label=f"register import #{entry.pk} ({kind}: {label})"[:300],
        detail={
            "file": report.filename,
            "constituency": constituency.code,
            "kind": kind,
            "list": label,
            "rows": report.rows,
            "changed": report.changed,
            "created": report.created,
        },
    )
    return entry
