"""Applying a register file (full or monthly update) to one constituency's electors and households.

`parse → validate every row → report → write in one transaction`, like every Groundswell import:

1. decode (UTF-8, else windows-1252) and parse every row (formats.py); any bad row → nothing is written;
2. load the constituency's existing electors and properties once (no per-row queries);
3. plan creates / amends / deletes in Python; write with COPY / executemany (groundswell.db.bulk).

Rules (documented in docs for organisers as well):

- An elector is identified by constituency + elector number (PD, number, suffix). Only live entries hold a
  number; a deleted elector keeps their row so contacts recorded against them survive.
- **Full register**: every entry in the file is created or updated; live electors not in the file are marked
  deleted (`deleted_at`), never removed. An entry is matched by number and name; failing that, a live
  elector of the same name at the same address has been renumbered (registers are renumbered every year)
  and keeps their row under the new number; failing that, the same number at the same address is a change
  of name. Otherwise the number now belongs to someone else: the old entry is marked deleted and a new one
  created, so canvass history is never transferred to a stranger. A full file is refused when the
  constituency's existing electors share none of its polling districts, or when most of its mapped
  postcodes lie in another constituency (it is almost certainly the wrong file), or when it would mark more
  than settings.REGISTER_MAX_SHRINK of the live electors deleted without `allow_shrink` (cut short or partial).
- **Update** (notice of alteration): create / amend / delete / drop per row. Applying the same change twice
  changes nothing; a file whose sha256 was already applied is reported "already applied" and skipped.
  A delete of an elector who is not live, or an amend of one who is not on the register, is a warning.
  Updates never renumber: an update row names its elector by number, so a new name there is a change of name.
  An update whose polling districts match none of the constituency's, or whose CompanyOPCSRef / DistrictRef
  names another area, is refused.
- A deleted elector who reappears (create, amend or full register) gets their old row back (`deleted_at`
  cleared), so their history reconnects.
- Households (Property) are keyed by normalised address lines + postcode within the constituency. They are
  never deleted (canvass results point at them); one without live electors simply drops out of walks.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from groundswell.audit.services import record
from groundswell.db.bulk import allocate_ids, chunked, insert_rows, update_rows
from groundswell.geography.lookup import geocode_postcodes
from groundswell.geography.models import Constituency, PollingDistrict, Postcode, Ward
from groundswell.geography.selectors import constituency_by_code

from . import formats
from .addresses import address_key, split_street
from .formats import AMEND, CREATE, DELETE, DROP, RegisterFileError, RegisterRow
from .models import Elector, Property, RegisterImport

ORDER_GAP = 100  # register_order spacing, so update additions slot in after their neighbours
MAX_WARNINGS = 500


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run."""


@dataclass
class RegisterReport:
    filename: str = ""
    format: str = ""
    kind: str = ""
    encoding: str = ""
    month: str = ""
    sha256: str = ""
    electors: int = 0  # entries in the file
    households: int = 0  # distinct addresses in the file
    created: int = 0
    amended: int = 0
    deleted: int = 0
    reactivated: int = 0
    renumbered: int = 0  # full register: same person, same address, new number
    dropped: int = 0
    unchanged: int = 0
    households_created: int = 0
    live_before: int = 0  # live electors in the constituency before the import
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message); line 0 = the whole file
    warnings: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    already_applied: bool = False
    written: bool = False
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "kind": self.kind,
            "electors": self.electors,
            "households": self.households,
            "errors": [{"line": line, "message": message} for line, message in self.errors],
            "warnings": [{"line": line, "message": message} for line, message in self.warnings[:MAX_WARNINGS]],
            "warning_count": len(self.warnings),
            "created": self.created,
            "amended": self.amended,
            "deleted": self.deleted,
            "reactivated": self.reactivated,
            "renumbered": self.renumbered,
            "dropped": self.dropped,
            "unchanged": self.unchanged,
            "households_created": self.households_created,
            "live_before": self.live_before,
            "encoding": self.encoding,
            "month": self.month,
            "sha256": self.sha256,
            "filename": self.filename,
            "columns": self.columns,
            "dry_run": self.dry_run,
            "already_applied": self.already_applied,
            "written": self.written,
            "import_id": self.import_id,
        }


def read_source(source: str | os.PathLike | IO, filename: str | None = None) -> tuple[bytes, str]:
    """(bytes, display name) from a path or an open (binary or text) file."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.read_bytes(), filename or path.name
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, filename or os.path.basename(getattr(source, "name", "") or "upload")


def resolve_constituency(constituency: Constituency | str) -> Constituency:
    if isinstance(constituency, Constituency):
        return constituency
    # A register is today's: its code names a seat of the current set (or of the newest set that has the code).
    found = constituency_by_code(str(constituency))
    if found is None:
        raise RegisterFileError(f"There is no constituency with code {constituency!r} (import boundaries first)")
    return found


# Elector columns written on insert: every NOT NULL column (insert_rows applies no model defaults). Nullable
# ones left out (person, support/contact times, deleted_at) are NULL; each datetime column costs a conversion a row.
_ELECTOR_INSERT = (
    "constituency",
    "polling_district",
    "number",
    "suffix",
    "title",
    "forenames",
    "initials",
    "surname",
    "markers",
    "open_register_opt_out",
    "attainer_date",
    "household",
    "person_link",
    "postal_voter",
    "proxy_voter",
    "absent_vote_detail",
    "current_support",
    "registered_month",
    "synthetic",
    "created_at",
    "updated_at",
)
# What a register row decides about an elector (compared to spot real changes).
_ELECTOR_DATA = ("title", "forenames", "initials", "surname", "markers", "open_register_opt_out", "attainer_date")
_ELECTOR_UPDATE = ("polling_district", "number", "suffix", *_ELECTOR_DATA, "household", "deleted_at", "updated_at")
_PROPERTY_INSERT = (
    "id",
    "constituency",
    "polling_district",
    "address_key",
    "address_lines",
    "postcode",
    "street",
    "house_number",
    "house_label",
    "uprn",
    "latitude",
    "longitude",
    "register_order",
    "synthetic",
)
_PROPERTY_UPDATE = ("polling_district", "street", "house_number", "house_label", "uprn", "register_order")


@dataclass(slots=True)
class _Existing:
    id: int
    key: tuple[str, int, int]
    data: tuple
    household_id: int | None
    deleted: bool


def _name_key(forenames: str, surname: str) -> str:
    return f"{forenames} {surname}".casefold().replace(" ", "")


def import_register(
    source: str | os.PathLike | IO,
    constituency: Constituency | str,
    *,
    dry_run: bool = False,
    actor: Any = None,
    progress: bool = False,
    filename: str | None = None,
    synthetic: bool = False,
    allow_shrink: bool = False,
) -> RegisterReport:
    """Check and (unless `dry_run`) apply a register file. Never raises for bad input: see report.errors.

    `constituency` is a Constituency or its code; `actor` the user importing (None = the command line);
    `synthetic` marks the rows as made-up demo data; `allow_shrink` lets a full register mark more than
    settings.REGISTER_MAX_SHRINK of the live electors deleted (refused otherwise: see _check_shrink).
    """
    report = RegisterReport(dry_run=dry_run)
    try:
        data, report.filename = read_source(source, filename)
        report.sha256 = hashlib.sha256(data).hexdigest()
        if not data.strip():
            raise RegisterFileError("The file is empty")
        constituency = resolve_constituency(constituency)
        text, report.encoding = formats.decode(data)
        if report.encoding != "utf-8":
            report.warnings.append((0, "The file is not UTF-8; it was read as windows-1252"))
        bar = tqdm(desc="Reading", unit=" rows", file=sys.stderr, disable=not progress, mininterval=0.5)
        parsed = formats.parse_register(text, report.encoding, progress=bar.update)
        bar.close()
    except RegisterFileError as exc:
        report.errors = [(0, str(exc))]
        return report
    report.format, report.kind, report.month = parsed.format, parsed.kind, parsed.month
    report.columns = parsed.columns
    report.errors = sorted(parsed.errors)
    report.warnings += parsed.warnings
    report.electors = len(parsed.rows) + len({line for line, _m in parsed.errors})
    keys = {r.line: address_key(r.lines, r.postcode) for r in parsed.rows if r.lines or r.postcode}
    report.households = len(set(keys.values()))
    if report.errors:
        return report  # all or nothing: nothing is written while any row is wrong

    previous = RegisterImport.objects.filter(
        constituency=constituency, sha256=report.sha256, kind__in=(RegisterImport.Kind.FULL, RegisterImport.Kind.UPDATE)
    ).first()
    latest = (
        RegisterImport.objects.filter(
            constituency=constituency, kind__in=(RegisterImport.Kind.FULL, RegisterImport.Kind.UPDATE)
        )
        .order_by("-imported_at", "-pk")
        .first()
    )
    # An update applied twice would undo later changes, so it is always refused; a full register is only
    # "already applied" while nothing has been imported since (re-importing it later restores that state).
    if previous is not None and (parsed.kind == "update" or previous == latest):
        report.already_applied = True
        report.unchanged = len(parsed.rows)
        report.import_id = previous.pk
        report.warnings.append(
            (0, f"This file was already applied on {previous.imported_at:%Y-%m-%d %H:%M}; nothing changed")
        )
        return report

    try:
        with transaction.atomic():
            _apply(parsed, keys, constituency, report, actor, progress, synthetic, allow_shrink)
            if dry_run:
                raise _Rollback
            report.written = True
    except _Rollback:
        report.import_id = None
    except RegisterFileError as exc:
        report.errors = [(0, str(exc))]
        report.written = False
    if report.written and report.created >= 1000:
        _refresh_planner_statistics()
    return report


def _refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL's planner knows nothing of the new rows until autovacuum gets round to
    them, and join-heavy reads (the polling-day board, targets) can pick hopeless plans in the meantime."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE register_elector, register_property")


def _load_electors(constituency: Constituency) -> tuple[dict, dict]:
    live: dict[tuple[str, int, int], _Existing] = {}
    deleted: dict[tuple[str, int, int], list[_Existing]] = defaultdict(list)
    rows = Elector.objects.filter(constituency=constituency).values_list(
        "id", "polling_district", "number", "suffix", *_ELECTOR_DATA, "household_id", "deleted_at"
    )
    n = len(_ELECTOR_DATA)
    for row in rows.order_by("id").iterator(chunk_size=5000):
        key = (row[1], row[2], row[3])
        entry = _Existing(row[0], key, tuple(row[4 : 4 + n]), row[4 + n], row[5 + n] is not None)
        if entry.deleted:
            deleted[key].append(entry)
        else:
            live[key] = entry
    return live, deleted


def _check_area(parsed: formats.ParsedFile, constituency: Constituency, live: dict, deleted: dict) -> None:
    """Refuse a file that belongs to another constituency (uk-rules.md §1.3 B: CompanyOPCSRef / DistrictRef)."""
    file_pds = {r.pd for r in parsed.rows}
    known_pds = {key[0] for key in live} | {key[0] for key in deleted}  # a PD whose electors all left is still ours
    known_pds |= set(PollingDistrict.objects.filter(constituency=constituency).values_list("code", flat=True))
    if parsed.kind == "update" and not known_pds:
        raise RegisterFileError(
            f"{constituency.code} has no electors yet: import its full register before monthly updates"
        )
    if known_pds and not file_pds & known_pds:
        raise RegisterFileError(
            f"This file is for another area: none of its polling districts ({', '.join(sorted(file_pds)[:8])}) "
            f"is one of {constituency.name} ({constituency.code})'s ({', '.join(sorted(known_pds)[:8])})"
        )
    # GSS codes: E14/W07/S14/N06 are constituencies; E06-E09/W06/S12/N09 councils.
    council_codes: set[str] | None = None
    for value, column in parsed.area_refs.items():
        code = value.strip().upper()
        if code[:3] in ("E14", "W07", "S14", "N06") and len(code) == 9 and code != constituency.code.upper():
            raise RegisterFileError(f"This file is for another area: its {column} is {value}, not {constituency.code}")
        if code[:3] in ("E06", "E07", "E08", "E09", "W06", "S12", "N09") and len(code) == 9:
            if council_codes is None:
                council_codes = set(
                    Ward.objects.filter(constituency=constituency).values_list("local_authority_code", flat=True)
                ) | set(
                    Postcode.objects.filter(
                        Q(constituency_code=constituency.code)
                        | Q(**{f"constituency_code_{constituency.boundary_set_id}": constituency.code})
                    )
                    .values_list("local_authority_code", flat=True)
                    .distinct()
                )
                council_codes.discard("")
            if council_codes and code not in council_codes:
                raise RegisterFileError(
                    f"This file is for another area: its {column} is {value}, a council outside "
                    f"{constituency.name} ({', '.join(sorted(council_codes))})"
                )
    for pd in sorted(file_pds - known_pds) if known_pds else ():
        parsed.warnings.append((0, f"Polling district {pd} is new to {constituency.code}"))


@dataclass
class _HouseholdPlan:
    """Households the file names: new ones to insert, existing ones whose details changed."""

    file_households: dict[str, int | None] = field(default_factory=dict)  # address key → property id
    new_props: list[list] = field(default_factory=list)  # _PROPERTY_INSERT values, id None until allocated
    changed_props: list[tuple] = field(default_factory=list)  # (id, *_PROPERTY_UPDATE values)
    postcodes: set[str] = field(default_factory=set)  # postcodes of the new households
    row_household: dict[int, str] = field(default_factory=dict)  # file line → address key

    def household_of(self, row: RegisterRow) -> int | None:
        """The property id of a row's address (None for a row without one)."""
        key = self.row_household.get(row.line)
        return self.file_households.get(key) if key is not None else None


@dataclass
class _ElectorPlan:
    """What happens to each elector: (existing, row, "same"|"reactivate"|"renumber") updates, inserts, deletes."""

    updates: list[tuple[_Existing, RegisterRow, str]] = field(default_factory=list)
    inserts: list[RegisterRow] = field(default_factory=list)
    delete_ids: list[int] = field(default_factory=list)
    seen_ids: set[int] = field(default_factory=set)  # live electors the file keeps


def _apply(
    parsed: formats.ParsedFile,
    keys: dict[int, str],
    constituency: Constituency,
    report: RegisterReport,
    actor: Any,
    progress: bool,
    synthetic: bool,
    allow_shrink: bool = False,
) -> None:
    """Plan every household and elector change in Python, check it, then write it in a few bulk statements."""
    now = timezone.now()
    live, deleted = _load_electors(constituency)
    report.live_before = len(live)
    warnings_before = len(parsed.warnings)
    _check_area(parsed, constituency, live, deleted)
    report.warnings += parsed.warnings[warnings_before:]
    full = parsed.kind == "full"

    households = _plan_households(parsed, keys, constituency, live, full, synthetic)
    _locate_new_households(parsed, households, constituency, report)
    electors = _plan_electors(parsed, live, deleted, households, full, report)
    if full:
        _delete_missing(live, electors, report)
        if not allow_shrink:
            _check_shrink(report)

    bar = tqdm(
        total=len(parsed.rows), desc="Writing", unit=" electors", file=sys.stderr, disable=not progress, mininterval=0.5
    )
    # Households first, so electors can point at them.
    _write_households(households)
    report.households_created = len(households.new_props)
    _write_electors(parsed, constituency, households, electors, report, synthetic, now, bar)
    bar.close()
    _record_import(parsed, constituency, report, actor, full)


def _plan_households(
    parsed: formats.ParsedFile,
    keys: dict[int, str],
    constituency: Constituency,
    live: dict[tuple[str, int, int], _Existing],
    full: bool,
    synthetic: bool,
) -> _HouseholdPlan:
    """Match each address in the file to a household of the constituency, or plan a new one, in register order."""
    props: dict[str, list] = {}
    for pid, key, pd, order, street, number, label, uprn in Property.objects.filter(
        constituency=constituency
    ).values_list(
        "id", "address_key", "polling_district", "register_order", "street", "house_number", "house_label", "uprn"
    ):
        props[key] = [pid, pd, order, street, number, label, uprn]
    order_of_household = {v[0]: v[2] for v in props.values()}
    # For updates: where each PD's existing electors sit in register order, to slot additions in after them.
    neighbours: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    if not full:
        for entry in live.values():
            if entry.household_id in order_of_household:
                neighbours[entry.key[0]].append((entry.key[1], entry.key[2], order_of_household[entry.household_id]))
        for rows in neighbours.values():
            rows.sort()
    pd_counter: dict[str, int] = defaultdict(int)
    pd_extra: dict[str, int] = defaultdict(int)
    plan = _HouseholdPlan()
    for row in parsed.rows:
        if not (row.lines or row.postcode) or row.op in (DELETE, DROP):
            continue
        key = keys[row.line]
        plan.row_household[row.line] = key
        if key in plan.file_households:
            continue
        plan.file_households[key] = None
        parts = split_street(row.lines)
        street = row.street or parts.street
        number = parts.house_number
        if row.house_number:
            digits = "".join(ch for ch in row.house_number.split("-")[0] if ch.isdigit())[:6]
            number = int(digits) if digits else number
        if full:
            pd_counter[row.pd] += 1
            order = pd_counter[row.pd] * ORDER_GAP
        else:
            order = _slot(neighbours.get(row.pd, []), row, pd_extra)
        existing = props.get(key)
        if existing is None:
            plan.postcodes.add(row.postcode)
            plan.new_props.append(
                [
                    None,
                    constituency.pk,
                    row.pd,
                    key,
                    list(row.lines),
                    row.postcode,
                    street[:200],
                    number,
                    parts.house_label,
                    row.uprn,
                    None,
                    None,
                    order,
                    synthetic,
                ]
            )
        else:
            pid, old_pd, old_order, old_street, old_number, old_label, old_uprn = existing
            if not full:
                order = old_order  # an update does not reorder the households already placed
            new = (row.pd, street[:200], number, parts.house_label, row.uprn or old_uprn, order)
            if new != (old_pd, old_street, old_number, old_label, old_uprn, old_order):
                plan.changed_props.append((pid, *new))
            plan.file_households[key] = pid
    return plan


def _locate_new_households(
    parsed: formats.ParsedFile, plan: _HouseholdPlan, constituency: Constituency, report: RegisterReport
) -> None:
    """Give new households a location from the postcode table; refuse a file whose households lie elsewhere."""
    geo = geocode_postcodes(p for p in plan.postcodes if p)
    first_line: dict[str, int] = {}
    for row in parsed.rows:
        first_line.setdefault(row.postcode, row.line)
    unmapped: list[tuple[int, str]] = []
    elsewhere: dict[str, list[str]] = defaultdict(list)  # other constituency → postcodes
    located = 0
    for values in plan.new_props:
        info = geo.get(values[5])
        if info is not None:
            values[10], values[11] = info.lat, info.lon
            located += 1
            # The postcode's seat in the register's own boundary set (its plain code is the current set's).
            code = getattr(info, f"constituency_code_{constituency.boundary_set_id}", "") or info.constituency_code
            if code and code != constituency.code:
                elsewhere[code].append(values[5])
        elif values[5]:
            # Not an error: new postcodes reach the ONS directory months late. The household just has no location.
            unmapped.append((first_line.get(values[5], 0), values[5]))
    outside = sum(len(v) for v in elsewhere.values())
    if located >= 10 and outside * 2 > located:
        top = max(elsewhere, key=lambda code: len(elsewhere[code]))
        raise RegisterFileError(
            f"This file is for another area: {outside} of its {located} mapped households are outside "
            f"{constituency.code}, most in {top}"
        )
    for line, postcode in sorted(set(unmapped))[:50]:
        report.warnings.append((line, f"postcode {postcode} is not in the postcode table; household not mapped"))
    if len(set(unmapped)) > 50:
        report.warnings.append((0, f"… {len(set(unmapped))} households in all have a postcode not in the table"))
    for code, codes in sorted(elsewhere.items()):
        sample = ", ".join(sorted(set(codes))[:5])
        report.warnings.append(
            (0, f"{len(codes)} households have postcodes in {code}, not {constituency.code}: {sample}")
        )


def _plan_electors(
    parsed: formats.ParsedFile,
    live: dict[tuple[str, int, int], _Existing],
    deleted: dict[tuple[str, int, int], list[_Existing]],
    households: _HouseholdPlan,
    full: bool,
    report: RegisterReport,
) -> _ElectorPlan:
    """Decide for each row which elector it is: by number, then (full register) renumbered, then new or back."""
    plan = _ElectorPlan()
    pending = _match_by_number(parsed, live, full, plan, report)
    home_of = {row.line: households.household_of(row) for row in pending}
    pending = _match_renumbered(pending, live, home_of, full, plan, report)
    _match_remaining(pending, live, deleted, home_of, plan, report)
    return plan


def _match_by_number(
    parsed: formats.ParsedFile,
    live: dict[tuple[str, int, int], _Existing],
    full: bool,
    plan: _ElectorPlan,
    report: RegisterReport,
) -> list[RegisterRow]:
    """Drops, deletes, and rows whose number a live entry of the same person holds. Returns the rows left over."""
    pending: list[RegisterRow] = []  # rows whose number no live entry of the same person holds
    for row in parsed.rows:
        current = live.get(row.key)
        if row.op == DROP:
            report.dropped += 1
            continue
        if row.op == DELETE:
            if current is None:
                report.warnings.append((row.line, f"{row.elector_number} is not on the register; nothing to delete"))
                report.unchanged += 1
            else:
                plan.delete_ids.append(current.id)
                report.deleted += 1
            continue
        # An update row names its elector by number, so a different name there is a change of name. In a full
        # register the number may have passed to someone else: that is decided after renumbering, below.
        if current is not None and (not full or _same_name(current, row)):
            plan.seen_ids.add(current.id)
            plan.updates.append((current, row, "same"))
        else:
            pending.append(row)
    return pending


def _match_renumbered(
    pending: list[RegisterRow],
    live: dict[tuple[str, int, int], _Existing],
    home_of: dict[int, int | None],
    full: bool,
    plan: _ElectorPlan,
    report: RegisterReport,
) -> list[RegisterRow]:
    """Full registers are renumbered each year (uk-rules.md §1.1: numbers run consecutively in street order), so a
    live elector of the same name at the same address under a new number is the same person: move their number
    rather than delete them and lose their canvass history. Returns the rows still unmatched."""
    movable: dict[tuple[str, int], list[_Existing]] = defaultdict(list)
    if full and pending:
        for entry in live.values():
            if entry.id not in plan.seen_ids and entry.household_id is not None:
                movable[(_name_key(entry.data[1], entry.data[3]), entry.household_id)].append(entry)
    still_pending: list[RegisterRow] = []
    for row in pending:
        hid = home_of[row.line]
        candidates = movable.get((_name_key(row.forenames, row.surname), hid)) if hid is not None else None
        if candidates:
            entry = candidates.pop(0)
            plan.seen_ids.add(entry.id)
            plan.updates.append((entry, row, "renumber"))
            report.renumbered += 1
        else:
            still_pending.append(row)
    return still_pending


def _match_remaining(
    pending: list[RegisterRow],
    live: dict[tuple[str, int, int], _Existing],
    deleted: dict[tuple[str, int, int], list[_Existing]],
    home_of: dict[int, int | None],
    plan: _ElectorPlan,
    report: RegisterReport,
) -> None:
    """The rest: a change of name at the same number and address, a deleted elector back, or a new elector."""
    for row in pending:
        hid = home_of[row.line]
        current = live.get(row.key)
        if (
            current is not None
            and current.id not in plan.seen_ids
            and current.household_id is not None
            and hid == current.household_id
        ):
            # Same number, same address, new name (marriage, correction): the same elector.
            plan.seen_ids.add(current.id)
            plan.updates.append((current, row, "same"))
            continue
        old = _pick_deleted(deleted.get(row.key, ()), row)
        if old is not None:
            if row.op == AMEND:
                report.warnings.append((row.line, f"{row.elector_number} was deleted; the amendment re-adds them"))
            plan.updates.append((old, row, "reactivate"))
            report.reactivated += 1
            continue
        if row.op == AMEND:
            report.warnings.append((row.line, f"{row.elector_number} is not on the register; added"))
        plan.inserts.append(row)
        report.created += 1


def _delete_missing(live: dict[tuple[str, int, int], _Existing], plan: _ElectorPlan, report: RegisterReport) -> None:
    """Full register: live electors the file does not list are marked deleted."""
    gone = set(plan.delete_ids)
    for entry in live.values():
        if entry.id not in plan.seen_ids and entry.id not in gone:
            plan.delete_ids.append(entry.id)
            report.deleted += 1


def _write_households(plan: _HouseholdPlan) -> None:
    """Insert the new households (ids allocated first, so electors can point at them) and update changed ones."""
    ids = allocate_ids(Property, len(plan.new_props))
    for values, pid in zip(plan.new_props, ids, strict=True):
        values[0] = pid
        plan.file_households[values[3]] = pid
    insert_rows(Property, _PROPERTY_INSERT, (tuple(v) for v in plan.new_props))
    update_rows(Property, _PROPERTY_UPDATE, plan.changed_props)


def _elector_data(row: RegisterRow) -> tuple:
    """A row's values in _ELECTOR_DATA order."""
    return (row.title, row.forenames, row.initials, row.surname, row.markers, row.optout, row.attainer)


def _write_electors(
    parsed: formats.ParsedFile,
    constituency: Constituency,
    households: _HouseholdPlan,
    plan: _ElectorPlan,
    report: RegisterReport,
    synthetic: bool,
    now: datetime,
    bar: tqdm,
) -> None:
    """Write the planned deletes, updates (renumbers parked first) and inserts; count amended and unchanged."""
    updates: list[tuple] = []
    renumbered: list[tuple[int, str]] = []
    for existing, row, how in plan.updates:
        key = households.row_household.get(row.line)
        hid = households.file_households.get(key) if key is not None else None
        if row.op in (AMEND, CREATE) and key is None:
            hid = existing.household_id  # an update row without an address keeps the old one
        data = _elector_data(row)
        if how != "same" or data != existing.data or hid != existing.household_id:
            updates.append((existing.id, row.pd, row.number, row.suffix, *data, hid, None, now))
            if how == "renumber":
                # Parked on a unique placeholder first, so numbers can move round in one statement.
                renumbered.append((existing.id, f"~{existing.id}"[:12]))
            elif how == "same":
                report.amended += 1
        else:
            report.unchanged += 1
    inserts: list[tuple] = []
    for row in plan.inserts:
        inserts.append(
            (
                constituency.pk,
                row.pd,
                row.number,
                row.suffix,
                *_elector_data(row),
                households.household_of(row),
                "",
                False,
                False,
                {},
                "",
                row.month or parsed.month,
                synthetic,
                now,
                now,
            )
        )
    # Deletes first: they free numbers that new entries take (the unique constraint covers live entries only).
    for chunk in chunked(plan.delete_ids):
        Elector.objects.filter(pk__in=chunk).update(deleted_at=now, updated_at=now)
    update_rows(Elector, ("polling_district",), renumbered)
    update_rows(Elector, _ELECTOR_UPDATE, updates)
    bar.update(len(updates) + len(plan.delete_ids))
    insert_rows(Elector, _ELECTOR_INSERT, inserts)
    bar.update(len(inserts))


def _record_import(
    parsed: formats.ParsedFile, constituency: Constituency, report: RegisterReport, actor: Any, full: bool
) -> None:
    """The RegisterImport row (what was applied, for "already applied" and the history) and its audit entry."""
    register_import = RegisterImport.objects.create(
        constituency=constituency,
        kind=RegisterImport.Kind.FULL if full else RegisterImport.Kind.UPDATE,
        format=parsed.format,
        filename=report.filename[:255],
        sha256=report.sha256,
        month=(report.month or "")[:20],
        encoding=report.encoding,
        rows=len(parsed.rows),
        created=report.created + report.reactivated,
        amended=report.amended + report.renumbered,
        deleted=report.deleted,
        unchanged=report.unchanged,
        warnings=[{"line": line, "message": m} for line, m in report.warnings[:MAX_WARNINGS]],
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    report.import_id = register_import.pk
    record(
        "imported",
        actor=actor if getattr(actor, "pk", None) else None,
        object_type="register.registerimport",
        object_id=register_import.pk,
        object_label=f"register import #{register_import.pk} ({parsed.format})",
        detail={
            "file": report.filename,
            "constituency": constituency.code,
            "format": parsed.format,
            "kind": register_import.kind,
            "sha256": report.sha256,
            "month": report.month,
            "electors": report.electors,
            "created": report.created,
            "reactivated": report.reactivated,
            "renumbered": report.renumbered,
            "amended": report.amended,
            "deleted": report.deleted,
            "dropped": report.dropped,
            "unchanged": report.unchanged,
        },
    )


def _check_shrink(report: RegisterReport) -> None:
    """Refuse a full register that would mark more than REGISTER_MAX_SHRINK of the live electors deleted.

    Registers change by a few per cent a year; a file that drops a large share of them is almost always cut
    short, filtered, or for part of the area, and importing it would take those electors out of every walk and
    knock-up list. The counts stay on the report, so a dry run says how many would go.
    """
    limit = settings.REGISTER_MAX_SHRINK
    if report.live_before and report.deleted > limit * report.live_before:
        raise RegisterFileError(
            f"This full register would mark {report.deleted:,} of the {report.live_before:,} electors now on the "
            f"register deleted ({report.deleted / report.live_before:.0%}), more than the {limit:.0%} allowed "
            "(setting REGISTER_MAX_SHRINK). Check the file is complete and for the whole constituency; if the "
            "register really has shrunk that much, import it again with --allow-shrink"
        )


def _same_name(entry: _Existing, row: RegisterRow) -> bool:
    return _name_key(entry.data[1], entry.data[3]) == _name_key(row.forenames, row.surname)


def _pick_deleted(candidates, row: RegisterRow) -> _Existing | None:
    """The deleted entry to bring back: same name under that number, preferring the most recent."""
    wanted = _name_key(row.forenames, row.surname)
    for entry in sorted(candidates, key=lambda e: -e.id):
        if _name_key(entry.data[1], entry.data[3]) == wanted:
            return entry
    return None


def _slot(pd_rows: list[tuple[int, int, int]], row: RegisterRow, extra: dict[str, int]) -> int:
    """Register order for a household first seen in an update: just after the elector numbered before it."""
    index = bisect.bisect_right(pd_rows, (row.number, row.suffix, 1 << 40)) - 1
    if index >= 0:
        return pd_rows[index][2] + 1
    extra[row.pd] += 1
    return extra[row.pd]
