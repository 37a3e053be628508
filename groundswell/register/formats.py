"""Reading register files from councils' electoral management software into one canonical row.

Layouts (as read by the public awk readers in the GitHub repository s8r/tcp, one per EMS and file kind):

- ``xpress-full-13`` / ``xpress-full-14``: tab-separated, 'Elector Number Prefix' (the polling district),
  'Elector Number', 'Elector Number Suffix', 'Elector Markers', 'Elector DOB', then either 'Elector Name'
  ("SURNAME Forenames", 13 fields) or 'Elector Surname' + 'Elector Forename' (14), 'PostCode', 'Address1..6'.
- ``xpress-update``: 23 columns, tab or comma, windows-1252; one 'ElectorNumber' string ('ABC1-12/1') and the
  operation derived from ElectorCreatedMonth / ElectorChangedMonth / ElectorDeletedMonth.
- ``idox-full``: comma-separated and positional (PD, ENO, markers, attainment date, surname, forenames,
  address lines 1-8, house number, prefix, street, 4 unknown, postcode); ``idox-update`` is tab-separated with
  '+Mar' / '-Mar' / '=Mar' inserted as field 3.
- ``halarose-full`` (EROS "pp50"): 21 named columns, tab; ``halarose-update`` adds Status A/D/M and
  'Register Code', 'Clerical Error', 'Opt Out Flag', after banner lines 'Ref: …' and 'Monthly Additions … <Month>'.
- ``bedford-full`` / ``bedford-update``: 'PDCode', 'RollNo' (a decimal: 5.000 = number 5, suffix 0), the update
  led by ChangeTypeID D/M/N under an 'Accession: <mon>' banner.

Headers are matched case- and space-insensitively; columns we do not know are reported as warnings.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from groundswell.geography.postcodes import InvalidPostcode, normalise_postcode

FULL, CREATE, AMEND, DELETE, DROP = "full", "create", "amend", "delete", "drop"


class RegisterFileError(ValueError):
    """The file as a whole cannot be read as a register (encoding, not a register, missing columns)."""


@dataclass(slots=True)
class RegisterRow:
    """One elector entry, whichever layout it came from."""

    line: int
    pd: str
    number: int
    suffix: int
    op: str = FULL
    title: str = ""
    forenames: str = ""
    initials: str = ""
    surname: str = ""
    markers: str = ""
    optout: bool = False
    attainer: datetime.date | None = None
    lines: tuple[str, ...] = ()
    postcode: str = ""
    uprn: str = ""
    street: str = ""
    house_number: str = ""
    month: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.pd, self.number, self.suffix)

    @property
    def elector_number(self) -> str:
        return f"{self.pd}-{self.number}/{self.suffix}" if self.suffix else f"{self.pd}-{self.number}"


@dataclass
class ParsedFile:
    format: str = ""
    kind: str = ""  # "full" or "update"
    encoding: str = ""
    month: str = ""
    delimiter: str = ""
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header as written → canonical name
    area_refs: dict[str, str] = field(default_factory=dict)  # CompanyOPCSRef / DistrictRef values seen


# ---------------------------------------------------------------------------------------------------------------
# Decoding

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # anything below space except tab, LF, CR


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a byte-order mark is fine), else windows-1252, which Xpress updates use [R4][R36]."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileError("The file is UTF-16; registers come as UTF-8 or windows-1252 text")
    if b"\x00" in data[:4096]:
        raise RegisterFileError("The file contains NUL bytes: it is not a text register (a spreadsheet or zip?)")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise RegisterFileError(
                f"Line {line} is neither UTF-8 nor windows-1252 text (byte 0x{data[exc.start]:02X}): "
                "the file is damaged or not a register"
            ) from exc
    # windows-1252 decodes almost any bytes, so garbage shows up as control characters instead.
    found = _CONTROL.search(text)
    if found is not None:
        bad = found.start()
        line = text.count("\n", 0, bad) + 1
        raise RegisterFileError(
            f"Line {line} contains control character 0x{ord(text[bad]):02X}: the file is not readable register text"
        )
    return text, encoding


# Only CR and LF end a line: str.splitlines() would also break rows at U+2028, U+0085 or a form feed in a name.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Physical lines of `text` without their endings (no empty last item for a final line break)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class TailCheck:
    """Watches rows go by, so a file cut off part-way through a row is refused rather than read as if whole.

    An interrupted download or copy ends mid-row: the last row has fewer cells than the header (and than the rows
    before it), or it stops inside a quoted cell. Read as it stands, the lost rows would look like electors who
    have left the register, and the cut row would name the wrong elector.
    """

    def __init__(self, width: int):
        self.width = width
        self.fewest = width  # fewest cells in a row before the last: some exports drop trailing empty cells
        self.last: tuple[int, int, int] | None = None  # (first physical line, last physical line, cells)

    def see(self, first_line: int, line: int, cells: int) -> None:
        if self.last is not None:
            self.fewest = min(self.fewest, self.last[2])
        self.last = (first_line, line, cells)

    def check(self, body_lines: list[str], delimiter: str, ends_with_break: bool, offset: int = 0) -> None:
        """Raise RegisterFileError naming the last row's line if the file looks cut short after it.

        body_lines: the physical lines the csv reader read (line numbers in `see` count from 1 within them);
        offset: lines before them in the file (banners), so the message gives the file's own line number.
        """
        if self.last is None:
            return
        first, line, cells = self.last
        record = "\n".join(body_lines[first - 1 : line])
        try:
            for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
                pass
            open_quote = False
        except csv.Error as exc:
            open_quote = "end of data" in str(exc)
        ending = "" if ends_with_break else " and the file ends there without a line break"
        if open_quote:
            problem = f"ends inside a quoted cell{ending}"
        elif cells < min(self.width, self.fewest):
            problem = f"has only {cells} of the header's {self.width} columns{ending}"
        else:
            return
        raise RegisterFileError(
            f"Line {line + offset} {problem}: the file looks cut short (an interrupted download or copy). "
            "Get a complete copy of the file; nothing was imported"
        )


# ---------------------------------------------------------------------------------------------------------------
# Header vocabulary


def squash(header: str) -> str:
    """'Elector Number Prefix' → 'electornumberprefix': header spellings vary in case and spacing."""
    return re.sub(r"[^a-z0-9]", "", header.replace("\ufeff", "").lower())


_ALIASES: dict[str, tuple[str, ...]] = {
    "pd": ("pd", "pdcode", "pollingdistrict", "pollingdistrictcode", "electornumberprefix"),
    "number": ("eno", "electornumber", "electorno", "rollno", "rollnumber", "number"),
    "suffix": ("electornumbersuffix", "suffix", "enosuffix", "enumbersuffix"),
    "markers": ("electormarkers", "markers", "franchiseflag", "franchisemarker", "markersregistertext", "franchise"),
    "attainer": ("electordob", "dateofattainment", "attainersdob", "attainmentdate", "doa", "dob", "attainerdob"),
    "name": ("electorname", "name", "fullname"),
    "surname": ("electorsurname", "surname"),
    "forenames": ("electorforename", "electorforenames", "forename", "forenames", "firstnames", "firstname"),
    "middlename": ("electormiddlename", "middlename", "middlenames"),
    "initials": ("initials", "electorinitials"),
    "title": ("title", "electortitle"),
    "postcode": ("postcode", "propertypostcode"),
    "uprn": ("uprn", "propertyurn"),
    "optout": ("optout", "optoutflag"),
    "status": ("status",),
    "changetype": ("changetypeid", "changetype"),
    "idoxop": ("op", "operation", "changecode"),
    "created": ("electorcreatedmonth",),
    "changed": ("electorchangedmonth",),
    "deleted": ("electordeletedmonth",),
    "register_month": ("currentregistermonth",),
    "street": ("streetname", "street"),
    "house_number": ("housenumber", "houseno", "propertyaddressnumber"),
    "address_prefix": ("addressprefix", "propertyaddressprefix"),
    "company_ref": ("companyopcsref",),
    "district_ref": ("districtref",),
}
# Columns that belong to a register layout but carry nothing we store (so they are not "unknown").
_KNOWN_UNUSED = {
    "companyname",
    "recordcount",
    "recordtotal",
    "registercode",
    "clericalerror",
    "euro",
    "parl",
    "county",
    "ward",
    "subhouse",
    "house",
}
_BY_ALIAS = {alias: canonical for canonical, aliases in _ALIASES.items() for alias in aliases}
_ADDR_CANON = re.compile(r"^addr\d$")
_ADDRESS = re.compile(r"^(?:registered|property|elector)?address(?:line)?(\d)$")
# Headers of files that are plainly not registers (people/member exports): named in the refusal.
_NOT_REGISTER_HINTS = {"email", "emailaddress", "phone", "mobile", "membershipnumber", "firstname", "lastname"}


def canonical_column(header: str) -> str | None:
    name = squash(header)
    if name in _BY_ALIAS:
        return _BY_ALIAS[name]
    match = _ADDRESS.match(name)
    if match and match.group(1) != "0":
        return f"addr{match.group(1)}"
    if name in _KNOWN_UNUSED:
        return "unused"
    return None


# Idox "Elections" full register, positional (uk-rules.md §1.3 C, [R4 b1fullu.awk]), 0-based.
_IDOX_POSITIONS: dict[int, str] = {
    0: "pd",
    1: "number",
    2: "markers",
    3: "attainer",
    4: "surname",
    5: "forenames",
    **{6 + i: f"addr{i + 1}" for i in range(8)},
    14: "house_number",
    15: "address_prefix",
    16: "street",
    21: "postcode",
}
_IDOX_COLUMNS = 22

EXPECTED = (
    "an electoral register export: Xpress ('Elector Number Prefix, Elector Number, Elector Number Suffix, "
    "Elector Markers, …' or the monthly update's 'ElectorNumber, ElectorCreatedMonth, …'), Halarose EROS "
    "('PD, ENO, Status, Title, First Names, …'), Idox ('PD, ENO, markers, attainment date, surname, forenames, "
    "address 1-8, …, postcode') or Bedford ('PDCode, RollNo, ElectorTitle, ElectorSurname, …')"
)

_BANNER_REF = re.compile(r"^\s*Ref\s*:", re.IGNORECASE)
_BANNER_ADDITIONS = re.compile(r"^\s*Monthly\s+Additions\b.*?([A-Za-z]+(?:\s+\d{4})?)\s*[\t,]*\s*$", re.IGNORECASE)
_BANNER_ACCESSION = re.compile(r"^\s*Accession\s*:\s*([A-Za-z0-9 ]+?)\s*[\t,]*\s*$", re.IGNORECASE)
_IDOX_OP = re.compile(r"^([+\-=])\s*([A-Za-z]{0,9})$")


def _sniff_delimiter(line: str) -> str:
    tabs, commas = line.count("\t"), line.count(",")
    if tabs and tabs >= commas:
        return "\t"
    if commas:
        return ","
    return "\t" if tabs else ","


def _detect(canon: set[str], names: set[str], banner_month: bool, positional_idox: str) -> str:
    if names & {"electorcreatedmonth", "electordeletedmonth", "electorchangedmonth", "markersregistertext"}:
        return "xpress-update"
    if "electornumberprefix" in names:
        return "xpress-full-14" if "surname" in canon else "xpress-full-13"
    if "rollno" in names or "rollnumber" in names:
        return "bedford-update" if "changetype" in canon else "bedford-full"
    if "pd" in canon and "number" in canon and names & {"firstnames", "franchiseflag", "initials", "status"}:
        if names & {"registercode", "clericalerror", "optoutflag"} or banner_month:
            return "halarose-update"
        return "halarose-full"
    if positional_idox:
        return positional_idox
    return ""


def _looks_like_idox(header: list[str], delimiter: str) -> str:
    """'idox-full' / 'idox-update' when the first row fits the documented positional layout, else ''."""
    cells = [c.strip() for c in header]
    if delimiter == "," and len(cells) >= _IDOX_COLUMNS:
        first, second = canonical_column(cells[0]), canonical_column(cells[1])
        if (first, second) == ("pd", "number") or _PD.match(cells[0].upper()) and cells[1].isdigit():
            return "idox-full"
    if len(cells) >= _IDOX_COLUMNS + 1:
        first, second = canonical_column(cells[0]), canonical_column(cells[1])
        third = canonical_column(cells[2])
        if (first, second) == ("pd", "number") and third in ("idoxop", "status", None):
            return "idox-update"
        if _IDOX_OP.match(cells[2]) and cells[1].replace(".", "").isdigit():
            return "idox-update"
    return ""


# ---------------------------------------------------------------------------------------------------------------
# Field parsers


_PD = re.compile(r"^[A-Z0-9](?:[A-Z0-9/\-.]{0,10}[A-Z0-9])?$")
_FULL_NUMBER = re.compile(r"^(.+)-(\d{1,7})(?:/(\d{1,4}))?$")  # greedy PD: 'KD-2/2-289/1' → KD-2/2, 289, 1
_NUMBER = re.compile(r"^(\d{1,7})(?:[/.](\d{1,4}))?$")  # '12', '12/1', Bedford '5.000'
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?Z?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: 00:00(?::00)?)?$")
_OPTOUT_PREFIX = re.compile(r"^\(z\)\s*", re.IGNORECASE)


def parse_pd(raw: str) -> str:
    pd = raw.strip().upper()
    if not pd:
        raise ValueError("no polling district")
    if not _PD.match(pd):
        raise ValueError(f"{raw.strip()!r} is not a polling district code")
    return pd


def parse_elector_number(raw: str) -> tuple[str, int, int]:
    """'ABC1-12/1' → ('ABC1', 12, 1); 'KD-2/2-289/1' → ('KD-2/2', 289, 1): the number is the last '-N' part."""
    text = raw.strip().upper().replace(" ", "")
    match = _FULL_NUMBER.match(text)
    if not match:
        raise ValueError(f"{raw.strip()!r} is not an elector number (expected e.g. ABC1-12 or ABC1-12/1)")
    return parse_pd(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def parse_number(raw: str) -> tuple[int, int | None]:
    """'12' → (12, None); '12/1' → (12, 1); Bedford '5.000' → (5, 0)."""
    match = _NUMBER.match(raw.strip())
    if not match:
        raise ValueError(f"{raw.strip()!r} is not an elector number" if raw.strip() else "no elector number")
    return int(match.group(1)), None if match.group(2) is None else int(match.group(2))


def parse_date(raw: str) -> datetime.date:
    """dd/mm/yyyy (the registers' own form) or ISO yyyy-mm-dd; never US month-first."""
    text = raw.strip()
    match = _ISO_DATE.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = _UK_DATE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a date (expected dd/mm/yyyy or yyyy-mm-dd)")
        d, m, y = (int(g) for g in match.groups())
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def split_name(raw: str) -> tuple[str, str]:
    """Xpress 13-field 'Elector Name' is "SURNAME Forenames": the leading upper-case words are the surname."""
    text = " ".join(raw.split())
    if "," in text:
        surname, _, forenames = text.partition(",")
        return surname.strip(), forenames.strip()
    words = text.split(" ")
    count = 0
    for word in words:
        letters = [ch for ch in word if ch.isalpha()]
        if letters and all(ch.isupper() for ch in letters) and (len(letters) > 1 or count == 0):
            count += 1
        else:
            break
    count = max(1, min(count, len(words) - 1 if len(words) > 1 else 1))
    return " ".join(words[:count]), " ".join(words[count:])


def _xpress_op(created: str, changed: str, deleted: str) -> str:
    """uk-rules.md §1.3 B: deleted → delete, created → create, changed → amend, created+deleted same month → drop.

    Deletes beat amends, amends beat creates [R4 b4up14.awk][R36].
    """
    if deleted:
        return DROP if created and created.lower() == deleted.lower() else DELETE
    if changed:
        return AMEND
    if created:
        return CREATE
    raise ValueError("none of ElectorCreatedMonth, ElectorChangedMonth or ElectorDeletedMonth is filled in")


_STATUS_OPS = {
    "halarose-update": ("Status", {"A": CREATE, "D": DELETE, "M": AMEND}),
    "bedford-update": ("ChangeTypeID", {"N": CREATE, "D": DELETE, "M": AMEND}),
}
_IDOX_OPS = {"+": CREATE, "-": DELETE, "=": AMEND}
_TRUE = {"y", "yes", "z", "true", "t", "1", "x"}
_MONTH_MAX = 20  # Elector.registered_month / RegisterImport.month


# ---------------------------------------------------------------------------------------------------------------
# The reader


def parse_register(text: str, encoding: str = "utf-8", progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Parse decoded register text. Never raises for bad rows (they go to .errors); RegisterFileError for bad files."""
    result = ParsedFile(encoding=encoding)
    lines = split_lines(text)
    start = 0
    banner_month = ""
    # Banner lines (Halarose 'Ref: …' / 'Monthly Additions … <Month>', Bedford 'Accession: <mon>') before the header.
    while start < len(lines):
        line = lines[start]
        if not line.strip(" \t,"):
            start += 1
            continue
        if _BANNER_REF.match(line):
            start += 1
            continue
        additions = _BANNER_ADDITIONS.match(line)
        accession = _BANNER_ACCESSION.match(line)
        if additions or accession:
            banner_month = (additions or accession).group(1).strip()
            start += 1
            continue
        break
    if start >= len(lines):
        raise RegisterFileError("The file is empty")
    if len(banner_month) > _MONTH_MAX:
        raise RegisterFileError(f"Line {start}: {banner_month[:30]!r} is not a register month")
    delimiter = _sniff_delimiter(lines[start])
    result.delimiter = delimiter
    body = "\n".join(lines[start:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise RegisterFileError(f"Line {start + 1}: the header row cannot be read ({exc})") from exc

    names = {squash(h) for h in header if h.strip()}
    canon_of = [canonical_column(h) for h in header]
    canon = {c for c in canon_of if c}
    idox = _looks_like_idox(header, delimiter)
    fmt = _detect(canon, names, bool(banner_month), idox)
    if not fmt:
        found = ", ".join(repr(h.strip()) for h in header if h.strip())[:300]
        hint = " It looks like a people or members export." if names & _NOT_REGISTER_HINTS else ""
        raise RegisterFileError(f"This is not an electoral register.{hint} Expected {EXPECTED}. Columns found: {found}")
    result.format = fmt
    result.kind = "update" if fmt.endswith("update") else "full"
    result.month = banner_month

    headerless = False
    mapping: dict[int, str] = {}
    if fmt.startswith("idox"):
        shift = 1 if fmt == "idox-update" else 0
        positions = {(i + shift if i >= 2 else i): name for i, name in _IDOX_POSITIONS.items()}
        if shift:
            positions[2] = "idoxop"
        headerless = canonical_column(header[0]) != "pd"
        for index, raw in enumerate(header):
            name = None if headerless else canon_of[index]
            # The documented positions win where the header names nothing we know (or the file has no header).
            mapping[index] = name if name and name != "unused" else positions.get(index, name or "")
            if shift and index == 2:
                mapping[index] = "idoxop"  # field 3 of an Idox update is always the change code [R4 b1upu.awk]
            if not headerless and not name and index not in positions and raw.strip():
                result.warnings.append((start + 1, f"Unknown column {raw.strip()!r} ignored"))
    else:
        seen: dict[str, str] = {}
        for index, raw in enumerate(header):
            name = canon_of[index]
            if not raw.strip():
                continue
            if name is None:
                result.warnings.append((start + 1, f"Unknown column {raw.strip()!r} ignored"))
                continue
            if name == "optout" and name in seen:
                continue  # Halarose updates add 'Opt Out Flag' beside 'Opt Out'; the first one wins
            if name != "unused" and name in seen:
                raise RegisterFileError(f"Columns {seen[name]!r} and {raw.strip()!r} both mean {name}")
            seen[name] = raw.strip()
            mapping[index] = name
    for index, name in mapping.items():
        if name and index < len(header) and header[index].strip() and not headerless:
            result.columns[header[index].strip()] = name

    present = set(mapping.values())
    missing = []
    if "number" not in present:
        missing.append("elector number (ENO / Elector Number / RollNo)")
    elif "pd" not in present and fmt != "xpress-update":
        missing.append("polling district (PD / Elector Number Prefix / PDCode)")
    if not present & {"surname", "name", "forenames"}:
        missing.append("elector name (Surname / Elector Name)")
    if result.kind == "full" and not present & {f"addr{i}" for i in range(1, 10)} | {"postcode"}:
        missing.append("address (Address1… / PostCode)")
    if fmt == "xpress-update" and not present & {"created", "changed", "deleted"}:
        missing.append("ElectorCreatedMonth / ElectorChangedMonth / ElectorDeletedMonth")
    if fmt in _STATUS_OPS and not present & {"status", "changetype"}:
        missing.append(_STATUS_OPS[fmt][0])
    if missing:
        raise RegisterFileError(f"The {fmt} file has no {'; no '.join(missing)} column")

    columns = sorted(mapping.items())
    address_columns = sorted(
        ((int(name[4:]), index) for index, name in columns if _ADDR_CANON.match(name)), key=lambda t: t[0]
    )
    address_idx = [index for _n, index in address_columns]
    plain = {name: index for index, name in columns if name and not _ADDR_CANON.match(name)}

    rows = result.rows
    seen_keys: dict[tuple[str, int, int], int] = {}
    months: set[str] = set()
    line_no = start + (0 if headerless else 1)
    rows_iter = reader
    if headerless:
        rows_iter = _chain_first(header, reader)
    tail = TailCheck(len(header))
    first_line = 1 if headerless else reader.line_num + 1
    count = 0
    try:
        for cells in rows_iter:
            line_no = start + reader.line_num
            row_first, first_line = first_line, reader.line_num + 1
            count += 1
            if progress is not None and count % 5000 == 0:
                progress(5000)
            if not any(c.strip() for c in cells):
                continue
            tail.see(row_first, reader.line_num, len(cells))
            try:
                row = _row(cells, line_no, fmt, plain, address_idx, result)
            except ValueError as exc:
                result.errors.append((line_no, str(exc)))
                continue
            if row is None:
                continue
            first = seen_keys.get(row.key)
            if first is not None:
                result.errors.append(
                    (line_no, f"elector number {row.elector_number} is repeated (first on line {first})")
                )
                continue
            seen_keys[row.key] = line_no
            if row.month:
                months.add(row.month)
            rows.append(row)
    except csv.Error as exc:
        raise RegisterFileError(f"Line {start + reader.line_num}: cannot be read ({exc})") from exc
    tail.check(lines[start:], delimiter, text.endswith(("\n", "\r")), offset=start)
    if progress is not None:
        progress(count % 5000)
    if not result.month and months:
        result.month = sorted(months)[-1] if len(months) > 1 else next(iter(months))
    if not rows and not result.errors:
        raise RegisterFileError("The file has a header but no electors")
    return result


def _chain_first(first: list[str], reader):
    yield first
    yield from reader


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _row(
    cells: list[str], line: int, fmt: str, plain: dict[str, int], address_idx: list[int], result: ParsedFile
) -> RegisterRow | None:
    get = plain.get
    problems: list[str] = []
    op = FULL
    month = ""
    # Elector number: one 'PD-N/S' string (Xpress update) or PD + number (+ suffix) columns.
    pd, number, suffix = "", 0, 0
    number_text = _cell(cells, get("number"))
    try:
        if "pd" not in plain:
            pd, number, suffix = parse_elector_number(number_text) if number_text else ("", 0, 0)
            if not number_text:
                raise ValueError("no elector number")
        else:
            pd = parse_pd(_cell(cells, get("pd")))
            if "-" in number_text:
                # Some exports repeat the PD inside ENO ('AB1-12/1').
                _pd, number, suffix = parse_elector_number(number_text)
            else:
                number, embedded = parse_number(number_text)
                suffix_text = _cell(cells, get("suffix"))
                if suffix_text:
                    if not suffix_text.isdigit():
                        raise ValueError(f"{suffix_text!r} is not an elector number suffix")
                    suffix = int(suffix_text)
                else:
                    suffix = embedded or 0
    except ValueError as exc:
        problems.append(str(exc))

    if fmt == "xpress-update":
        created, changed, deleted = (_cell(cells, get(k)) for k in ("created", "changed", "deleted"))
        try:
            op = _xpress_op(created, changed, deleted)
        except ValueError as exc:
            problems.append(str(exc))
        month = _cell(cells, get("register_month")) or deleted or changed or created
        for key in ("company_ref", "district_ref"):
            value = _cell(cells, get(key))
            if value:
                result.area_refs.setdefault(value, key)
    elif fmt == "idox-update":
        raw = _cell(cells, get("idoxop"))
        match = _IDOX_OP.match(raw)
        if not match:
            problems.append(f"{raw!r} is not an Idox change code (expected e.g. +Mar, -Mar or =Mar)")
        else:
            op, month = _IDOX_OPS[match.group(1)], match.group(2)
    elif fmt in _STATUS_OPS:
        column, ops = _STATUS_OPS[fmt]
        raw = _cell(cells, get("status") if "status" in plain else get("changetype")).upper()
        if raw not in ops:
            problems.append(f"{column} {raw!r} is not one of {', '.join(sorted(ops))}")
        else:
            op = ops[raw]

    title = _cell(cells, get("title"))
    surname = _cell(cells, get("surname"))
    forenames = _cell(cells, get("forenames"))
    optout = False
    if "name" in plain and not surname:
        combined = _cell(cells, get("name"))
        if _OPTOUT_PREFIX.match(combined):
            combined, optout = _OPTOUT_PREFIX.sub("", combined), True
        surname, forenames = split_name(combined)
    middle = _cell(cells, get("middlename"))
    if middle:
        forenames = f"{forenames} {middle}".strip()
    if _OPTOUT_PREFIX.match(surname):
        # '(z) ' before the surname marks an open-register opt-out in Idox/Halarose exports (uk-rules.md §1.2).
        surname, optout = _OPTOUT_PREFIX.sub("", surname), True
    uprn = _cell(cells, get("uprn"))
    flag = _cell(cells, get("optout"))
    if flag:
        if flag.isdigit() and len(flag) >= 6:
            uprn = uprn or flag  # Halarose column 21 sometimes carries the UPRN instead (uk-rules.md §1.3 D)
        elif flag.lower() in _TRUE:
            optout = True
    markers = _cell(cells, get("markers"))
    if len(markers) > 20:
        problems.append(f"markers {markers[:30]!r} are longer than 20 characters")
    attainer = None
    attainer_text = _cell(cells, get("attainer"))
    if attainer_text:
        try:
            attainer = parse_date(attainer_text)
        except ValueError as exc:
            problems.append(f"attainer date: {exc}")
    if not (surname or forenames) and "N" not in markers.upper() and op not in (DELETE, DROP):
        problems.append("no name (only anonymous entries, marked N, have none)")
    postcode_text = _cell(cells, get("postcode"))
    postcode = ""
    if postcode_text:
        try:
            postcode = normalise_postcode(postcode_text)
        except InvalidPostcode:
            postcode = " ".join(postcode_text.upper().split())[:8]
            result.warnings.append((line, f"postcode {postcode_text!r} is not a valid UK postcode; kept as written"))
    address = [cells[i].strip() for i in address_idx if i < len(cells) and cells[i].strip()]
    if address and postcode and address[-1].replace(" ", "").upper() == postcode.replace(" ", ""):
        address.pop()  # rebuilt layouts put the postcode in the last address line [R37]
    if len(month) > _MONTH_MAX:
        problems.append(f"register month {month[:30]!r} is longer than {_MONTH_MAX} characters")
    if problems:
        raise ValueError("; ".join(problems))
    for text, limit, label in ((title, 20, "title"), (surname, 200, "surname"), (forenames, 200, "forenames")):
        if len(text) > limit:
            raise ValueError(f"{label} is longer than {limit} characters")
    return RegisterRow(
        line=line,
        pd=pd,
        number=number,
        suffix=suffix,
        op=op,
        title=title,
        forenames=forenames,
        initials=_cell(cells, get("initials"))[:20],
        surname=surname,
        markers=markers,
        optout=optout,
        attainer=attainer,
        lines=tuple(address),
        postcode=postcode,
        uprn=uprn[:20],
        street=_cell(cells, get("street")),
        house_number=_cell(cells, get("house_number")),
        month=month,
    )
