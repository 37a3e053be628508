"""Importing people and members from CSV: `import_people_csv`, shared by the command and the upload page.

Three phases, so a 100,000-row file takes seconds and a bad file writes nothing:

1. check every row in pure Python (names, emails, phones, postcodes, dates, codes, duplicates in the file);
2. look up existing emails, phones and membership numbers in bulk (chunked IN queries) to match people;
3. only if every row is valid (or `skip_invalid`), write everything with bulk_create/bulk_update in one
   transaction, and one `imported` audit entry.

Rules worth knowing:
- Columns: a name column (first name, surname or name) and at least one of email, phone or postcode are
  required, because a name alone can neither be matched against existing records nor contacted.
- A row whose email (first) or phone (otherwise) matches an existing person updates that person: non-blank cells
  overwrite, blank cells leave things alone, emails/phones/tags are added, never removed. The person keeps their
  unit. Consents are appended only when they differ from the person's current decision. A match on phone alone
  never renames anyone: when the names differ (households share landlines) the row becomes a new person, listed
  as a possible duplicate, and the pair appears under Duplicates for someone to merge or leave.
- The report lists every existing person a row would update, field by field (old → new), so the preview shows
  exactly what an import will change before anything is written.
- NUL characters are refused (PostgreSQL cannot store them, and the API refuses them), naming row and column; a
  file that is not text at all (a workbook, archive, image or random bytes) is refused as "not a CSV file".
- Unknown columns become custom fields, and are listed in the report. Several phone columns (Mobile and
  Telephone) are all kept; the first number given becomes primary.
- Duplicates within the file (identical rows, a repeated email address or membership number) are errors; a
  repeated phone number is not (households share landlines).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from groundswell.accounts.access import Perm, has_perm
from groundswell.audit.services import record
from groundswell.db.bulk import CHUNK, allocate_ids, chunked, insert_rows

from .columns import COLUMNS, FULL_NAME, field_for_header
from .models import (
    Consent,
    EmailAddress,
    Membership,
    OrganisationUnit,
    Person,
    PhoneNumber,
    Tagging,
    TimelineEntry,
)
from .normalise import (
    InvalidValue,
    apply_geography,
    lookup_postcodes,
    normalise_email,
    normalise_name,
    normalise_name_part,
    normalise_phone_with_kind,
    normalise_postcode,
)
from .services import constituency_party_for, get_or_create_tags

BATCH_SIZE = 2000
SUPPORTED_ENCODINGS = {"utf-8", "utf8", "utf-8-sig", "cp1252", "windows-1252", "latin-1", "latin1", "iso-8859-1"}

_MAX = {
    "given_name": 100,
    "family_name": 100,
    "additional_name": 100,
    "address_line1": 200,
    "address_line2": 200,
    "locality": 100,
    "membership_number": 40,
}
_CONSENT_VALUES = {
    **dict.fromkeys(("yes", "y", "true", "t", "1", "granted", "given", "optin", "optedin"), Consent.Status.GRANTED),
    **dict.fromkeys(("no", "n", "false", "f", "0", "withdrawn", "optout", "optedout", "refused"), "withdrawn"),
    # Explicitly "not asked": record nothing, same as a blank cell.
    **dict.fromkeys(("unknown", "notasked"), None),
}
_STATUS_VALUES = {
    **{v: v for v in Membership.Status.values},
    **{header: v for v, label in Membership.Status.choices for header in (re.sub(r"[^a-z]", "", label.lower()),)},
}
# A midnight time part is tolerated: database and CRM exports often write dates as datetimes.
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?Z?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
# Spreadsheet formula guard that export adds ('=…' → "'=…"); stripped again here so round trips are lossless.
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")

SCALAR_FIELDS = (
    "given_name",
    "family_name",
    "additional_name",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
    "date_of_birth",
)
CONSENT_COLUMNS = {"consent_email": "email", "consent_sms": "sms", "consent_phone": "phone", "consent_post": "post"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (encoding, empty, missing columns).

    `cli_hint`: extra advice for the command line only (a flag to pass), never shown on the upload page.
    """

    def __init__(self, message: str, cli_hint: str = ""):
        super().__init__(message)
        self.cli_hint = cli_hint


@dataclass
class FieldChange:
    field: str  # the column's label, e.g. "Postcode"
    old: str
    new: str


@dataclass
class PersonChange:
    """What one row would change on an existing person: shown in the preview before anything is written."""

    line: int
    person_id: int
    name: str  # the person's name as held now
    matched_by: str  # "email" or "phone"
    fields: list[FieldChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PossibleDuplicate:
    """A row whose phone number belongs to someone of another name: imported as a new person, for review."""

    line: int
    person_id: int
    existing_name: str
    name: str
    reason: str = "phone"


@dataclass
class ImportReport:
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message); line 0 = file
    unknown_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header as written → column it was read as
    skipped_lines: list[int] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)  # existing people the valid rows update
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False
    cli_hint: str = ""  # command-line-only advice for a file error (e.g. --encoding cp1252)

    @property
    def file_error(self) -> str:
        return next((message for line, _col, message in self.errors if line == 0), "")

    @property
    def ok(self) -> bool:
        """True when the import did (or, in a dry run, would) go ahead."""
        if self.file_error:
            return False
        return not self.errors or (self.skip_invalid and (self.created + self.updated) > 0)

    @property
    def row_errors(self) -> list[tuple[int, str, str]]:
        """The errors that belong to a row (the file error, if any, is shown on its own)."""
        return [e for e in self.errors if e[0]]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [{"line": line, "column": col, "message": msg} for line, col, msg in self.errors]
        data["ok"] = self.ok
        return data

    def change_lines(self, limit: int | None = None) -> list[str]:
        """'line 4: Kerry Williams (#12, matched by phone): Postcode RG1 1AA → RG2 2BB; …' per updated person."""
        lines = []
        for change in self.changes:
            fields = "; ".join(f"{f.field} {f.old or '(blank)'} → {f.new}" for f in change.fields) or "no changes"
            notes = "".join(f" [{note}]" for note in change.notes)
            lines.append(
                f"line {change.line}: {change.name} (#{change.person_id}, matched by {change.matched_by}): "
                f"{fields}{notes}"
            )
        if limit is not None and len(lines) > limit:
            lines = lines[:limit] + [f"… and {len(lines) - limit} more"]
        return lines

    def error_lines(self, limit: int | None = None) -> list[str]:
        lines = [f"line {line}: {col + ': ' if col else ''}{msg}" if line else msg for line, col, msg in self.errors]
        if limit is not None and len(lines) > limit:
            lines = lines[:limit] + [f"… and {len(lines) - limit} more"]
        return lines


class _Row:
    """One checked row, ready to write."""

    __slots__ = (
        "line",
        "values",
        "email",
        "phones",
        "unit",
        "branch",
        "membership_number",
        "membership_status",
        "joined_on",
        "lapsed_on",
        "tags",
        "consents",
        "custom",
        "match_id",
        "matched_by",
    )

    def __init__(self, line: int):
        self.line = line
        self.values: dict[str, Any] = {}
        self.email = ""
        self.phones: list[tuple[str, str]] = []  # (E.164, kind), in column order; the first may become primary
        self.unit: OrganisationUnit | None = None
        self.branch: OrganisationUnit | None = None
        self.membership_number = ""
        self.membership_status = ""
        self.joined_on: datetime.date | None = None
        self.lapsed_on: datetime.date | None = None
        self.tags: list[str] = []
        self.consents: dict[str, str] = {}
        self.custom: dict[str, str] = {}
        self.match_id: int | None = None
        self.matched_by = ""


def _read_bytes(source: str | os.PathLike | IO) -> tuple[bytes | str, str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.read_bytes(), path.name
    data = source.read()
    name = os.path.basename(getattr(source, "name", "") or "upload.csv")
    return data, name


# Files people upload by mistake, by their first bytes.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
# Bytes that never appear in CSV text (tab, LF, CR and form feed can; so can ^Z, which old DOS tools append).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_SAVE_AS_CSV = "open it in Excel or LibreOffice and save it as 'CSV UTF-8 (comma delimited)', then upload that"


def _not_text(data: bytes) -> str:
    """What the file looks like if it is plainly not CSV text ('' when it may be text)."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    sample = data[:65536]
    controls = len(_CONTROL_BYTES.findall(sample))
    if not controls:
        return ""
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            return "binary data, not text"
    # Valid text with a stray NUL is a damaged cell (reported by row and column); a file full of them is not text.
    if controls > max(8, len(sample) // 100):
        return "binary data, not text"
    return ""


def _decode(data: bytes | str, encoding: str | None) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' and try again")
    kind = _not_text(data)
    if kind:
        raise ImportFileError(f"This is not a CSV file: it looks like {kind}. If it is a spreadsheet, {_SAVE_AS_CSV}.")
    enc = (encoding or "utf-8").lower()
    if enc not in SUPPORTED_ENCODINGS:
        raise ImportFileError(f"Unsupported encoding {encoding!r}; use utf-8 or cp1252")
    if enc in ("utf-8", "utf8", "utf-8-sig"):
        enc = "utf-8-sig"  # accepts a byte-order mark if there is one
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        if enc == "utf-8-sig":
            raise ImportFileError(
                f"Line {line} is not valid UTF-8 (byte 0x{byte}). The file is probably Windows-1252 "
                "(Excel's plain 'CSV' format): save it as 'CSV UTF-8' and try again",
                cli_hint="or import it as it is with --encoding cp1252",
            ) from exc
        raise ImportFileError(f"Line {line} cannot be read as {encoding} (byte 0x{byte})") from exc


def _parse_date(raw: str) -> datetime.date:
    """ISO (1980-03-31) or UK day-first (31/03/1980, 31-03-1980, 31.03.1980). Never US month-first."""
    m = _ISO_DATE.match(raw)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _UK_DATE.match(raw)
        if not m:
            raise InvalidValue(f"{raw!r} is not a date (use 31/03/1980 or 1980-03-31)")
        d, mo, y = (int(g) for g in m.groups())
    try:
        return datetime.date(y, mo, d)
    except ValueError as exc:
        raise InvalidValue(f"{raw!r} is not a real date") from exc


def _sniff_delimiter(first_line: str) -> str:
    # Excel in some locales writes ';'-separated "CSV"; tab-separated exports also turn up.
    if "," in first_line:
        return ","
    for delimiter in (";", "\t"):
        if delimiter in first_line:
            return delimiter
    return ","


def _units_by_code() -> dict[str, OrganisationUnit]:
    return {u.code.lower(): u for u in OrganisationUnit.objects.all()}


def _lookup(model, column: str, values: Iterable[str]) -> dict[str, set[int]]:
    """{value: {person_id, …}} for live (not merged, not erased) people, in chunks."""
    found: dict[str, set[int]] = {}
    for chunk in chunked(sorted(set(values))):
        rows = model.objects.filter(
            **{f"{column}__in": chunk}, person__merged_into__isnull=True, person__erased_at__isnull=True
        ).values_list(column, "person_id")
        for value, person_id in rows:
            found.setdefault(value, set()).add(person_id)
    return found


def import_people_csv(
    path_or_file: str | os.PathLike | IO,
    unit: OrganisationUnit | str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    actor: Any = None,
    progress: bool = False,
    encoding: str | None = None,
    source_name: str | None = None,
    allowed_units: Iterable[OrganisationUnit] | None = None,
) -> ImportReport:
    """Check and (unless `dry_run`) import a people CSV. Never raises for bad input: see report.errors.

    unit: every row goes there (an OrganisationUnit or its code); otherwise each row's unit/branch code column.
    actor: the user importing; when given, rows may only go to (and match people in) units where they hold
        the import permission. None means the system (the command line).
    encoding: None/'utf-8' (a BOM is fine) or 'cp1252' for files saved by older Excel.
    source_name: the file name to report and record (an upload's original name rather than its temp path).
    allowed_units: if given, rows may only go to (and match people in) these units, e.g.
        access.units_for(user, Perm.IMPORT_PEOPLE); otherwise `actor`'s import permission decides.
    """
    report = ImportReport(dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        data, report.filename = _read_bytes(path_or_file)
        report.filename = source_name or report.filename
        text = _decode(data, encoding)
        if not text.strip():
            raise ImportFileError("The file is empty (0 bytes)" if not data else "The file is empty")
        forced_unit = _resolve_unit(unit)
        permitted = _Permitted(actor, allowed_units)
        if forced_unit is not None and not permitted(forced_unit):
            raise ImportFileError(f"You may not import people into {forced_unit.code}")
        rows = _check_rows(text, report, forced_unit, permitted, progress)
    except ImportFileError as exc:
        report.errors = [(0, "", str(exc))]
        report.cli_hint = exc.cli_hint
        report.changes, report.possible_duplicates = [], []
        return report

    bad_lines = sorted({line for line, _c, _m in report.errors})
    bad = set(bad_lines)
    valid = [r for r in rows if r.line not in bad]
    report.changes = [c for c in report.changes if c.line not in bad]
    report.possible_duplicates = [d for d in report.possible_duplicates if d.line not in bad]
    if bad_lines and not skip_invalid and not dry_run:
        return report  # all or nothing: created/updated stay 0 because nothing was written
    # In a dry run these say what the valid rows would do, so a preview can show them next to the problems.
    report.created = sum(1 for r in valid if r.match_id is None)
    report.updated = len(valid) - report.created
    if skip_invalid:
        report.skipped = len(bad)
        report.skipped_lines = bad_lines
    if dry_run or not valid or (bad_lines and not skip_invalid):
        return report
    rows = valid
    _write(rows, report, actor, progress, forced_unit)
    report.written = True
    return report


def _resolve_unit(unit: OrganisationUnit | str | None) -> OrganisationUnit | None:
    if unit is None or isinstance(unit, OrganisationUnit):
        return unit
    found = OrganisationUnit.objects.filter(code__iexact=unit.strip()).first()
    if found is None:
        raise ImportFileError(f"There is no unit with code {unit!r}")
    return found


def _check_rows(
    text: str, report: ImportReport, forced_unit: OrganisationUnit | None, permitted: _Permitted, progress: bool
) -> list[_Row]:
    """Check every row of the file; errors go to report.errors. Raises ImportFileError for a bad file."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    header = _read_header(reader)
    columns = _map_columns(header, reader.line_num, report, forced_unit)
    checker = _RowChecker(columns, report, forced_unit, permitted)
    rows: list[_Row] = []
    # Physical lines, an upper bound on rows (quoted cells may span lines): good enough for a progress bar.
    bar = tqdm(
        total=text.count("\n"), desc="Checking", unit=" rows", file=sys.stderr, disable=not progress, mininterval=0.5
    )
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(f"Line {reader.line_num} is not valid CSV ({exc})") from exc
        line = previous_end + 1
        previous_end = reader.line_num
        bar.update(1)
        if not any(c.strip() for c in cells):
            continue  # blank lines (often at the end of spreadsheet exports) are not rows
        report.rows += 1
        row = checker.check(line, cells)
        if row is not None:
            rows.append(row)
    bar.close()
    if report.rows == 0:
        raise ImportFileError("The file has a header row but no data rows")

    _match_existing(rows, report, permitted, columns.label)
    report.errors.sort(key=lambda e: e[0])
    return rows


def _read_header(reader: Any) -> list[str]:
    """The first non-blank row."""
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("The file is empty") from exc
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num}: the header row is not valid CSV ({exc})") from exc
    return header


@dataclass
class _Columns:
    """What each column of the file means."""

    mapping: dict[int, str]  # column index → canonical name, "phone:<index>" or "custom:<header>"
    phone_keys: list[str]  # "phone" then any further phone columns, in file order
    label: dict[str, str]  # column key → the header as the file spells it, for messages
    width: int  # cells in the header


def _map_columns(
    header: list[str], line_num: int, report: ImportReport, forced_unit: OrganisationUnit | None
) -> _Columns:
    """Map each header to a field (report.columns says how); refuse a header that cannot be imported."""
    mapping: dict[int, str] = {}
    seen_fields: dict[str, str] = {}
    phone_keys = ["phone"]
    extra_labels: dict[str, str] = {}
    for index, raw_header in enumerate(header):
        name = raw_header.replace("\ufeff", "").strip()
        if not name:
            continue
        if "\x00" in name:
            raise ImportFileError(
                f"Line {line_num}: column {index + 1} of the header contains a NUL character (byte 0): "
                "the file is damaged; remove it and try again"
            )
        canonical = field_for_header(name)
        if canonical is None:
            mapping[index] = f"custom:{name}"
            extra_labels[f"custom:{name}"] = name
            report.unknown_columns.append(name)
            report.columns[name] = "custom field"
            continue
        if canonical == "phone" and "phone" in seen_fields:
            # Membership lists often carry Mobile and Telephone side by side: keep every number.
            extra = f"phone:{index}"
            mapping[index] = extra
            phone_keys.append(extra)
            extra_labels[extra] = name
            report.columns[name] = "phone"
            continue
        if canonical in seen_fields:
            raise ImportFileError(f"Columns {seen_fields[canonical]!r} and {name!r} both mean {canonical}")
        seen_fields[canonical] = name
        mapping[index] = canonical
        report.columns[name] = canonical
    present = set(seen_fields)
    if not present & {"given_name", "family_name", FULL_NAME} or not present & {"email", "phone", "postcode"}:
        raise ImportFileError(
            "The file needs a name column (First name, Surname or Name) and at least one of Email, Phone or "
            "Postcode, so people can be matched and reached. Columns found: "
            + (", ".join(repr(h) for h in header if h.strip()) or "none")
        )
    if forced_unit is None and not present & {"unit_code", "branch_code"}:
        raise ImportFileError(
            "No unit to import into: choose one (--unit CODE) or add a Unit code or Branch code column"
        )
    return _Columns(mapping, phone_keys, {**seen_fields, **extra_labels}, len(header))


class _RowChecker:
    """Checks one data row at a time, remembering what earlier rows held to catch duplicates within the file.

    Each step appends its problems to report.errors and leaves the row's good values on the _Row; the order of
    the steps is the order of a row's messages in the report.
    """

    def __init__(
        self,
        columns: _Columns,
        report: ImportReport,
        forced_unit: OrganisationUnit | None,
        permitted: _Permitted,
    ):
        self.columns = columns
        self.errors = report.errors
        self.forced_unit = forced_unit
        self.permitted = permitted
        self.units = _units_by_code()
        self.today = timezone.localdate()
        self.seen_rows: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.seen_numbers: dict[str, int] = {}
        self.phone_cache: dict[str, tuple[str, str] | InvalidValue] = {}
        self.line = 0

    def err(self, column: str, message: str) -> None:
        self.errors.append((self.line, self.columns.label.get(column, column), message))

    def check(self, line: int, cells: list[str]) -> _Row | None:
        """The checked row, or None when it cannot be read at all (its error is already reported)."""
        self.line = line
        get = self._cells(cells)
        if get is None:
            return None
        row = _Row(line)
        self._names(get, row)
        self._contacts(get, row)
        self._dates(get, row)
        self._membership(get, row)
        self._unit(get, row)
        self._tags_consents_custom(get, row)
        return row

    def _cells(self, cells: list[str]) -> dict[str, str] | None:
        """{column key: non-blank value}; None for a row too wide, damaged, or repeating an earlier row."""
        width = self.columns.width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            self.err("", f"has {len(cells)} cells but the header has {width} columns")
            return None
        get: dict[str, str] = {}
        for index, canonical in self.columns.mapping.items():
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                get[canonical] = _FORMULA_GUARD.sub("", value)
        nul = [canonical for canonical, value in get.items() if "\x00" in value]
        if nul:
            for canonical in nul:
                self.err(canonical, "contains a NUL character (byte 0): the file is damaged here; remove it")
            return None

        # Case-insensitive identity of the row's non-blank cells (column order is fixed, so repr is stable and,
        # being C code, much cheaper than building a tuple per row).
        key = repr(get).casefold()
        if key in self.seen_rows:
            self.err("", f"duplicate of line {self.seen_rows[key]}")
            return None
        self.seen_rows[key] = self.line
        return get

    def _names(self, get: dict[str, str], row: _Row) -> None:
        """Name and address parts; a single Name column is split at its last space."""
        values = row.values
        for name in ("given_name", "family_name", "additional_name", "address_line1", "address_line2", "locality"):
            value = get.get(name, "")
            if len(value) > _MAX[name]:
                self.err(name, f"longer than {_MAX[name]} characters")
            values[name] = value
        if not values["given_name"] and not values["family_name"] and get.get(FULL_NAME):
            given, _sep, family = get[FULL_NAME].rpartition(" ")
            values["given_name"], values["family_name"] = (given, family) if given else (family, "")
        if not values["given_name"] and not values["family_name"]:
            self.err("given_name" if "given_name" in self.columns.label else FULL_NAME, "no name given")

    def _contacts(self, get: dict[str, str], row: _Row) -> None:
        """Email (unique within the file), every phone column (repeats allowed: households share) and postcode."""
        if "email" in get:
            try:
                row.email = normalise_email(get["email"])
            except InvalidValue as exc:
                self.err("email", str(exc))
            else:
                if row.email in self.seen_emails:
                    self.err("email", f"same email address as line {self.seen_emails[row.email]}")
                else:
                    self.seen_emails[row.email] = self.line
        for key in self.columns.phone_keys:
            raw_phone = get.get(key)
            if not raw_phone:
                continue
            parsed = self.phone_cache.get(raw_phone)
            if parsed is None:
                try:
                    parsed = self.phone_cache[raw_phone] = normalise_phone_with_kind(raw_phone)
                except InvalidValue as exc:
                    parsed = self.phone_cache[raw_phone] = exc
            if isinstance(parsed, InvalidValue):
                self.err(key, str(parsed))
            elif parsed not in row.phones:
                row.phones.append(parsed)
        row.values["postcode"] = ""
        if "postcode" in get:
            try:
                row.values["postcode"] = normalise_postcode(get["postcode"])
            except InvalidValue as exc:
                self.err("postcode", str(exc))

    def _dates(self, get: dict[str, str], row: _Row) -> None:
        """Date of birth and membership dates, none in the future."""
        for name in ("date_of_birth", "joined_on", "lapsed_on"):
            if name not in get:
                continue
            try:
                parsed_date = _parse_date(get[name])
            except InvalidValue as exc:
                self.err(name, str(exc))
                continue
            if parsed_date > self.today:
                self.err(name, f"{get[name]!r} is in the future")
            elif name == "date_of_birth":
                row.values[name] = parsed_date
            else:
                setattr(row, name, parsed_date)

    def _membership(self, get: dict[str, str], row: _Row) -> None:
        """Membership number (unique within the file) and status (only with a number)."""
        if "membership_number" in get:
            number = get["membership_number"]
            if len(number) > _MAX["membership_number"]:
                self.err("membership_number", "longer than 40 characters")
            elif number in self.seen_numbers:
                self.err("membership_number", f"membership number {number} is also on line {self.seen_numbers[number]}")
            else:
                self.seen_numbers[number] = self.line
                row.membership_number = number
        if "membership_status" in get:
            status = _STATUS_VALUES.get(re.sub(r"[^a-z]", "", get["membership_status"].lower()))
            if status is None:
                allowed = ", ".join(Membership.Status.values)
                self.err("membership_status", f"unknown membership status {get['membership_status']!r} ({allowed})")
            elif not row.membership_number:
                self.err("membership_status", "membership status given without a membership number")
            else:
                row.membership_status = status

    def _unit(self, get: dict[str, str], row: _Row) -> None:
        """Branch and unit: the forced unit, else the unit code, else the branch; one the importer may use."""
        if "branch_code" in get:
            row.branch = self.units.get(get["branch_code"].lower())
            if row.branch is None:
                self.err("branch_code", f"no unit has code {get['branch_code']!r}")
        if self.forced_unit is not None:
            row.unit = self.forced_unit
        elif "unit_code" in get:
            row.unit = self.units.get(get["unit_code"].lower())
            if row.unit is None:
                self.err("unit_code", f"no unit has code {get['unit_code']!r}")
        elif row.branch is not None:
            row.unit = row.branch
        elif "branch_code" not in get:
            self.err("unit_code" if "unit_code" in self.columns.label else "branch_code", "no unit or branch code")
        if row.unit is not None and not self.permitted(row.unit):
            self.err("unit_code", f"you may not import people into {row.unit.code}")

    def _tags_consents_custom(self, get: dict[str, str], row: _Row) -> None:
        """Tags (split on ; or ,), consent answers per channel, and unknown columns as custom fields."""
        if "tags" in get:
            row.tags = sorted({t.strip() for t in re.split(r"[;,]", get["tags"]) if t.strip()})
            if any(len(t) > 100 for t in row.tags):
                self.err("tags", "a tag is longer than 100 characters")
        for column, channel in CONSENT_COLUMNS.items():
            if column not in get:
                continue
            token = re.sub(r"[^a-z0-9]", "", get[column].lower())
            if token not in _CONSENT_VALUES:
                self.err(column, f"{get[column]!r} is not a consent answer (yes/no, true/false, granted/withdrawn)")
            elif _CONSENT_VALUES[token]:
                row.consents[channel] = _CONSENT_VALUES[token]
        for canonical, value in get.items():
            if canonical.startswith("custom:"):
                row.custom[canonical[7:]] = value


class _Permitted:
    """May this import touch people in a unit? Everything when run by the system (no actor, no unit list)."""

    def __init__(self, actor: Any, allowed_units: Iterable[OrganisationUnit] | None):
        self.actor = actor
        self.allowed = None if allowed_units is None else {u.pk for u in allowed_units}
        self.cache: dict[int, bool] = {}

    @property
    def restricted(self) -> bool:
        return self.allowed is not None or self.actor is not None

    def __call__(self, unit: OrganisationUnit) -> bool:
        if self.allowed is not None:
            return unit.pk in self.allowed
        if self.actor is None:
            return True
        if unit.pk not in self.cache:
            self.cache[unit.pk] = has_perm(self.actor, Perm.IMPORT_PEOPLE, unit)
        return self.cache[unit.pk]


def _match_existing(rows: list[_Row], report: ImportReport, permitted: _Permitted, label: dict[str, str]) -> None:
    """Find the existing person each row updates, and clashes with existing membership numbers.

    Also fills report.changes (what each update would change) and report.possible_duplicates (phone-only matches
    of a different name, which become new people rather than renaming someone)."""
    by_email = _lookup(EmailAddress, "address", (r.email for r in rows if r.email))
    by_phone = _lookup(PhoneNumber, "number", (number for r in rows for number, _kind in r.phones))
    numbers: dict[str, int] = {}
    for chunk in chunked(sorted({r.membership_number for r in rows if r.membership_number})):
        numbers.update(Membership.objects.filter(number__in=chunk).values_list("number", "person_id"))
    matched_ids = {pid for hits in (*by_email.values(), *by_phone.values()) for pid in hits}
    people: dict[int, Person] = {}
    for chunk in chunked(sorted(matched_ids)):
        found = Person.objects.filter(pk__in=chunk).select_related("unit")
        people.update((person.pk, person) for person in found.only("pk", "unit", *SCALAR_FIELDS, "custom_fields"))
    claimed: dict[int, int] = {}
    errors = report.errors
    already_bad = {line for line, _col, _msg in errors}

    for row in rows:
        if row.line in already_bad:
            continue  # a rejected row must not claim an existing person that a good row could update

        def err(column: str, message: str, row: _Row = row) -> None:
            errors.append((row.line, label.get(column, column), message))

        email_ids = sorted(by_email.get(row.email, ())) if row.email else []
        phone_ids = sorted({pid for number, _kind in row.phones for pid in by_phone.get(number, ())})
        if len(email_ids) > 1:
            err("email", f"email address belongs to {len(email_ids)} existing people; merge them first")
            continue
        if email_ids:
            # The email decides. The phone may also be someone else's: households share landlines.
            row.match_id, row.matched_by = email_ids[0], "email"
        elif len(phone_ids) > 1:
            err("phone", f"phone numbers match {len(phone_ids)} different existing people; cannot tell which to update")
            continue
        elif phone_ids:
            row.match_id, row.matched_by = phone_ids[0], "phone"
        if row.match_id is not None:
            person = people[row.match_id]
            if permitted.restricted and not permitted(person.unit):
                err("", "matches an existing person outside the units you may import into")
                continue
            if row.matched_by == "phone" and _names_differ(person, row.values):
                # A shared phone is not a shared identity (a household's landline, a number passed on): never
                # rename someone on it. A new record, left for a person to merge or not under Duplicates.
                report.possible_duplicates.append(
                    PossibleDuplicate(row.line, person.pk, _full_name(person), _full_name(row.values))
                )
                row.match_id, row.matched_by = None, ""
            elif row.match_id in claimed:
                err("", f"matches the same existing person as line {claimed[row.match_id]}")
                continue
            else:
                claimed[row.match_id] = row.line
                report.changes.append(_changes_for(row, person, by_email, by_phone))
        owner = numbers.get(row.membership_number) if row.membership_number else None
        if owner is not None and owner != row.match_id:
            err("membership_number", f"membership number {row.membership_number} already belongs to another person")


def _full_name(person: Person | dict[str, Any]) -> str:
    get = person.get if isinstance(person, dict) else lambda name, default="": getattr(person, name)
    return " ".join(part for part in (get("given_name", ""), get("family_name", "")) if part) or "(no name)"


def _names_differ(person: Person, values: dict[str, Any]) -> bool:
    """True when the row names someone else: a given or family name that both have and that differ."""
    for name in ("given_name", "family_name"):
        new, old = normalise_name_part(values.get(name) or ""), normalise_name_part(getattr(person, name))
        if new and old and new != old:
            return True
    return False


_FIELD_LABELS = {
    "given_name": "First name",
    "family_name": "Surname",
    "additional_name": "Middle name",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "locality": "Town",
    "postcode": "Postcode",
    "date_of_birth": "Date of birth",
}


def _changes_for(row: _Row, person: Person, by_email: dict, by_phone: dict) -> PersonChange:
    """What writing `row` onto `person` would change, as _apply_update and _write will do it."""
    change = PersonChange(row.line, person.pk, _full_name(person), row.matched_by)
    for name in SCALAR_FIELDS:
        value = row.values.get(name)
        old = getattr(person, name)
        if value not in (None, "") and old != value:
            change.fields.append(FieldChange(_FIELD_LABELS[name], "" if old is None else str(old), str(value)))
    held = person.custom_fields or {}
    for key, value in row.custom.items():
        if held.get(key) != value:
            change.fields.append(FieldChange(key, str(held.get(key) or ""), value))
    if row.email and person.pk not in by_email.get(row.email, ()):
        change.fields.append(FieldChange("Email", "", f"{row.email} (added)"))
    for number, _kind in row.phones:
        if person.pk not in by_phone.get(number, ()):
            change.fields.append(FieldChange("Phone", "", f"{number} (added)"))
    changed = {f.field for f in change.fields}
    if "Postcode" in changed and "Address line 1" not in changed:
        change.notes.append("the postcode changes but the street address does not: check the address")
    return change


def _write(
    rows: list[_Row], report: ImportReport, actor: Any, progress: bool, forced_unit: OrganisationUnit | None
) -> None:
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    source = f"import: {report.filename}"[:200]
    new_rows = [r for r in rows if r.match_id is None]
    old_rows = [r for r in rows if r.match_id is not None]
    bar = tqdm(total=len(rows), desc="Writing", unit=" rows", file=sys.stderr, disable=not progress, mininterval=0.5)
    with transaction.atomic():
        tags = get_or_create_tags(t for r in rows for t in r.tags)
        geo = lookup_postcodes(r.values["postcode"] for r in rows)
        no_geo = (None, None, "", "")

        # New people: ids reserved up front so their emails, phones etc. can be written without reading back.
        person_for: dict[int, int] = {}  # line → person id
        ids = allocate_ids(Person, len(new_rows))

        def person_tuples():
            for r, pid in zip(new_rows, ids, strict=True):
                v = r.values
                person_for[r.line] = pid
                yield (
                    pid,
                    r.unit.pk,
                    v["given_name"],
                    v["family_name"],
                    v["additional_name"],
                    normalise_name(v["given_name"], v["family_name"]),
                    v.get("date_of_birth"),
                    v["address_line1"],
                    v["address_line2"],
                    v["locality"],
                    v["postcode"],
                    *geo.get(v["postcode"], no_geo),
                    r.custom,
                    False,
                    now,
                    now,
                )

        insert_rows(Person, _PERSON_INSERT_FIELDS, person_tuples())
        bar.update(len(new_rows))

        has_primary_email: set[int] = set()
        has_primary_phone: set[int] = set()
        existing_tags: set[tuple[int, int]] = set()
        current_consent: dict[tuple[int, str], str] = {}
        own_memberships: dict[str, Membership] = {}
        for batch in chunked(old_rows, CHUNK):
            people_by_id = Person.objects.in_bulk([r.match_id for r in batch])
            changed_people = []
            for r in batch:
                person = people_by_id[r.match_id]
                person_for[r.line] = person.pk
                if _apply_update(person, r, geo):
                    person.updated_at = now
                    changed_people.append(person)
            if changed_people:
                Person.objects.bulk_update(
                    changed_people,
                    [*SCALAR_FIELDS, "normalised_name", "custom_fields", "updated_at", *_GEO_FIELDS],
                    batch_size=500,
                )
            batch_ids = [r.match_id for r in batch]
            emails_held = set(EmailAddress.objects.filter(person_id__in=batch_ids).values_list("person_id", "address"))
            phones_held = set(PhoneNumber.objects.filter(person_id__in=batch_ids).values_list("person_id", "number"))
            has_primary_email.update(
                EmailAddress.objects.filter(person_id__in=batch_ids, primary=True).values_list("person_id", flat=True)
            )
            has_primary_phone.update(
                PhoneNumber.objects.filter(person_id__in=batch_ids, primary=True).values_list("person_id", flat=True)
            )
            existing_tags.update(Tagging.objects.filter(person_id__in=batch_ids).values_list("person_id", "tag_id"))
            for r in batch:
                # Only add what the person does not already have.
                if r.email and (r.match_id, r.email) in emails_held:
                    r.email = ""
                r.phones = [(n, k) for n, k in r.phones if (r.match_id, n) not in phones_held]
            consents_held = Consent.objects.filter(person_id__in=batch_ids).order_by("recorded_at", "id")
            for pid, channel, status in consents_held.values_list("person_id", "channel", "status"):
                current_consent[(pid, channel)] = status  # ascending order: the last one seen is current
            for m in Membership.objects.filter(person_id__in=batch_ids):
                own_memberships[m.number] = m
            bar.update(len(batch))
        bar.close()

        emails, phones, taggings, memberships, consents, timeline = [], [], [], [], [], []
        updated_memberships = []
        party_for_branch: dict[int, int | None] = {}
        for r in rows:
            pid = person_for[r.line]
            if r.email:
                emails.append((pid, r.email, pid not in has_primary_email, "subscribed"))
            for i, (number, kind) in enumerate(r.phones):
                phones.append((pid, number, kind, i == 0 and pid not in has_primary_phone))
            for name in r.tags:
                tag_id = tags[name].pk
                if (pid, tag_id) not in existing_tags:
                    taggings.append((pid, tag_id, now))
            if r.membership_number:
                party_id = None
                if r.branch is not None:
                    if r.branch.pk not in party_for_branch:
                        party = constituency_party_for(r.branch)
                        party_for_branch[r.branch.pk] = party.pk if party else None
                    party_id = party_for_branch[r.branch.pk]
                # No status column: a new membership defaults from the dates; an existing one keeps its status.
                default = Membership.Status.LAPSED if r.lapsed_on else Membership.Status.ACTIVE
                existing = own_memberships.get(r.membership_number)
                if existing is None:
                    memberships.append(
                        (
                            pid,
                            r.membership_number,
                            r.membership_status or default,
                            r.joined_on,
                            r.lapsed_on,
                            r.branch.pk if r.branch else None,
                            party_id,
                            "",
                        )
                    )
                else:
                    existing.status = r.membership_status or existing.status
                    existing.joined_on = r.joined_on or existing.joined_on
                    existing.lapsed_on = r.lapsed_on or existing.lapsed_on
                    if r.branch is not None:
                        existing.branch_id, existing.constituency_party_id = r.branch.pk, party_id
                    updated_memberships.append(existing)
            recorded = {}
            for channel, status in r.consents.items():
                if current_consent.get((pid, channel)) == status:
                    continue  # the file repeats what we already hold; the history needs no new row
                consents.append((pid, channel, status, source, "", now, actor_id))
                recorded[channel] = status
            summary = f"{'Imported' if r.match_id is None else 'Updated'} from {report.filename}"[:300]
            data = {"file": report.filename, "line": r.line}
            if recorded:
                data["consents"] = recorded
            timeline.append((pid, TimelineEntry.Kind.IMPORT, now, summary, data, actor_id))

        membership_fields = ("person", "number", "status", "joined_on", "lapsed_on", "branch", "constituency_party")
        tables = [
            (EmailAddress, ("person", "address", "primary", "status"), emails),
            (PhoneNumber, ("person", "number", "kind", "primary"), phones),
            (Tagging, ("person", "tag", "created_at"), taggings),
            (Membership, (*membership_fields, "payment_reference"), memberships),
            (Consent, ("person", "channel", "status", "source", "wording", "recorded_at", "recorded_by"), consents),
            (TimelineEntry, ("person", "kind", "occurred_at", "summary", "data", "actor"), timeline),
        ]
        details = tqdm(total=len(tables), desc="Writing details", file=sys.stderr, disable=not progress)
        for model, fields, table_rows in tables:
            insert_rows(model, fields, table_rows)
            details.update(1)
        details.close()
        if updated_memberships:
            Membership.objects.bulk_update(
                updated_memberships,
                ["status", "joined_on", "lapsed_on", "branch", "constituency_party"],
                batch_size=500,
            )
        record(
            "imported",
            actor=actor if actor_id else None,
            object_type="people.person",
            object_label=f"people import ({report.filename})"[:300],
            detail={
                "file": report.filename,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "skipped": report.skipped,
                "skipped_lines": report.skipped_lines[:1000],
                "unknown_columns": report.unknown_columns,
                # Ids only (no names: the audit log never holds personal data in its labels or details).
                "possible_duplicates": [[d.line, d.person_id] for d in report.possible_duplicates][:1000],
            },
            unit=forced_unit,
        )


_PERSON_INSERT_FIELDS = (
    "id",
    "unit",
    "given_name",
    "family_name",
    "additional_name",
    "normalised_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
    "latitude",
    "longitude",
    "constituency_code",
    "ward_code",
    "custom_fields",
    "synthetic",
    "created_at",
    "updated_at",
)


_GEO_FIELDS = ("latitude", "longitude", "constituency_code", "ward_code")


def _apply_update(person: Person, row: _Row, geo: dict) -> bool:
    """Copy the row's non-blank values onto an existing person. True if anything changed."""
    changed = False
    for name in SCALAR_FIELDS:
        value = row.values.get(name)
        if value in (None, "") or getattr(person, name) == value:
            continue
        setattr(person, name, value)
        changed = True
        if name == "postcode":
            apply_geography(person, geo.get(value))
    if row.custom:
        merged = {**(person.custom_fields or {}), **row.custom}
        if merged != person.custom_fields:
            person.custom_fields = merged
            changed = True
    if changed:
        person.normalised_name = normalise_name(person.given_name, person.family_name)
    return changed


__all__ = ["COLUMNS", "ImportFileError", "ImportReport", "import_people_csv"]
