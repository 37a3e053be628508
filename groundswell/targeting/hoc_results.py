"""The seat pages' results on both boundary sets, from the files shipped in data/results/ (see SOURCES.md):

- the House of Commons Library's results of 2010, 2015, 2017 and 2019 on the 2010 set, and of 2024 on the 2024
  set with its 4,515 candidates (independents keep their names, not only a share of "Other");
- Rallings & Thrasher's notional 2019 result on the 2024 set;
- notionals of 2010, 2015 and 2017 on the 2024 set, derived here through mySociety's population overlaps:
  each new seat gets Σ over old seats of (old votes × the share of the old seat's people now living in it).

Everything is parsed and checked before anything is written, then written in one transaction with the overlaps.
Each row keeps the code its party stood under that year (UKIP, BRX, RUK: see `parties.LINEAGE`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from groundswell.geography.overlaps import (
    FROM_SET,
    TO_SET,
    OverlapImportError,
    read_overlaps,
    save_overlaps,
    share_table,
    shipped_overlap_files,
)

from .models import Candidate, Result
from .parties import code_for_year
from .polls import read_rows

Source = Result.Source
ACTUAL_YEARS: dict[int, str] = {2010: FROM_SET, 2015: FROM_SET, 2017: FROM_SET, 2019: FROM_SET, 2024: TO_SET}
DERIVED_YEARS = (2010, 2015, 2017)  # 2019 has Rallings & Thrasher's notionals, which are better
NOTIONAL_2019_FILE = "notional_ge2019_on_2024_boundaries.csv"
CANDIDATES_2024_FILE = "hoc_ge2024_by_candidate.csv"
SEAT_PAGE_SOURCES = (Source.HOC, Source.RALLINGS_THRASHER, Source.OVERLAPS)

# The Commons Library's party columns → party codes. "UUP (as UCUNF)": in 2010 the UUP stood jointly with the
# Conservatives in Northern Ireland. "All other candidates" pools independents and small parties; the
# candidate file names them.
HOC_COLUMNS: dict[str, str] = {
    "Con": "CON",
    "Lab": "LAB",
    "LD": "LD",
    "UKIP": "UKIP",
    "BRX": "BRX",
    "RUK": "RUK",
    "Green": "GRN",
    "SNP": "SNP",
    "PC": "PC",
    "DUP": "DUP",
    "SF": "SF",
    "SDLP": "SDLP",
    "UUP": "UUP",
    "UUP (as UCUNF)": "UUP",
    "APNI": "APNI",
    "All other candidates": "OTH",
}
# Rallings & Thrasher's vote columns (TotOthv is every other candidate, the Speaker included).
NOTIONAL_COLUMNS: dict[str, str] = {
    "Conv": "CON",
    "Labv": "LAB",
    "LDv": "LD",
    "Grnv": "GRN",
    "Brxv": "BRX",
    "SNPv": "SNP",
    "PCv": "PC",
    "APNIv": "APNI",
    "DUPv": "DUP",
    "SDLPv": "SDLP",
    "SFv": "SF",
    "UUPv": "UUP",
    "TotOthv": "OTH",
}
# Candidate file's party abbreviations with a code of their own; every other party and independents are OTH.
CANDIDATE_PARTIES: dict[str, str] = {
    "Con": "CON",
    "Lab": "LAB",
    "LD": "LD",
    "RUK": "RUK",
    "Green": "GRN",
    "SNP": "SNP",
    "PC": "PC",
    "DUP": "DUP",
    "SF": "SF",
    "SDLP": "SDLP",
    "UUP": "UUP",
    "APNI": "APNI",
    "Spk": "SPK",
}
UKIP_LINE_COLUMNS = ("UKIP", "BRX", "RUK")
MAX_COUNT = 10_000_000  # votes or electors in one seat: far above any real one, far below the column's limit
MAX_TEXT = 200  # characters in a cell: names and party names as stored fit in 200
NATIONS = ("England", "Scotland", "Wales", "Northern Ireland")
MAX_REGION = 60
# The winner is the file's `First party`: counting the most votes instead would give two 2024 seats to "All
# other candidates", whose pooled votes beat Labour's winner there. Independents and the Speaker win as OTH.
FIRST_PARTY: dict[str, str] = {h: code for h, code in HOC_COLUMNS.items() if h != "All other candidates"}


class SeatResultsError(ValueError):
    pass


def hoc_file(year: int) -> str:
    return f"hoc_ge{year}_by_constituency.csv"


@dataclass
class Seat:
    """One seat's result at one election as parsed: votes by party code."""

    code: str
    name: str
    region: str
    nation: str
    electorate: float
    votes: dict[str, float]
    winner: str = ""  # party code; the most votes when not given

    def __post_init__(self) -> None:
        if not self.winner and self.votes:
            self.winner = max(self.votes, key=self.votes.__getitem__)


@dataclass
class LoadReport:
    results: dict[str, int] = field(default_factory=dict)  # label → seats
    candidates: int = 0
    overlaps: int = 0
    rows: int = 0

    def summary(self) -> str:
        parts = [f"{label}: {n} seats" for label, n in self.results.items()]
        return (
            f"Loaded {self.rows} results ({'; '.join(parts)}), {self.candidates} candidates (2024) and "
            f"{self.overlaps} population overlaps."
        )


def _rows(text: str, name: str, required: Iterable[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows with their line numbers; a missing column or unreadable row is named."""
    try:
        rows = read_rows(text, SeatResultsError)
    except SeatResultsError as exc:
        raise SeatResultsError(f"{name} {exc}") from None
    header = [h.strip() for h in (rows[0] if rows else [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise SeatResultsError(f"{name} line 1: no {', '.join(missing)} column")
    body = [(line, row) for line, row in enumerate(rows[1:], start=2) if "".join(row).strip()]
    for line, row in body:
        if len(row) < len(header):
            raise SeatResultsError(f"{name} line {line}: {len(row)} fields, the header has {len(header)}")
        for cell, column in zip(row, header, strict=False):
            if len(cell) > MAX_TEXT:
                raise SeatResultsError(f"{name} line {line}: {column} is longer than {MAX_TEXT} characters")
    return header, body


def _number(text: str, name: str, line: int, column: str) -> float:
    text = text.strip().replace(",", "")
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise SeatResultsError(f"{name} line {line}: {column} {text!r} is not a number") from None
    if not 0 <= value <= MAX_COUNT:  # also refuses nan and inf
        raise SeatResultsError(f"{name} line {line}: {column} {text!r} is not a count of votes or electors")
    return value


def _place(region: str, nation: str, name: str, line: int) -> tuple[str, str]:
    """A seat's region and nation as the files write them, checked to be ones Groundswell can store."""
    region, nation = region.strip(), nation.strip()
    if nation not in NATIONS:
        raise SeatResultsError(f"{name} line {line}: country {nation!r} is not one of {', '.join(NATIONS)}")
    if len(region) > MAX_REGION:
        raise SeatResultsError(f"{name} line {line}: the region is longer than {MAX_REGION} characters")
    return region, nation


def _check_seat(code: str, seen: dict[str, int], codes: set[str], boundary_set: str, name: str, line: int) -> None:
    if not code:
        raise SeatResultsError(f"{name} line {line}: no constituency code")
    if code in seen:
        raise SeatResultsError(f"{name} line {line}: {code} is listed twice (first on line {seen[code]})")
    if codes and code not in codes:
        raise SeatResultsError(
            f"{name} line {line}: {code} is not a constituency of the {boundary_set} boundary set: "
            "is this a results file for the other set?"
        )


def parse_hoc_results(text: str, year: int, boundary_set: str, codes: set[str], name: str = "") -> list[Seat]:
    """A Commons Library results-by-constituency file for `year` on `boundary_set`, whose seats are `codes`.

    A file whose UKIP-line column is another year's (a 2024 file has RUK, 2019 BRX) or whose seats are not
    the set's is refused, naming the line; so are text in a number column and a seat listed twice."""
    name = name or hoc_file(year)
    header, rows = _rows(
        text, name, ("ONS ID", "Constituency name", "Country name", "Electorate", "First party", "Con", "Lab")
    )
    expected = code_for_year("UKIP", year)
    found = [c for c in UKIP_LINE_COLUMNS if c in header]
    if found and expected not in found:
        raise SeatResultsError(
            f"{name} line 1: a {year} results file has a {expected} column, this one has {found[0]}: "
            "is it another election's file?"
        )
    columns = [(i, HOC_COLUMNS[h], h) for i, h in enumerate(header) if h in HOC_COLUMNS]
    at = {h: i for i, h in enumerate(header)}
    seats: list[Seat] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code = row[at["ONS ID"]].strip().upper()
        _check_seat(code, seen, codes, boundary_set, name, line)
        seen[code] = line
        votes: dict[str, float] = defaultdict(float)
        for i, party, column in columns:
            votes[party] += _number(row[i], name, line, column)
        region, nation = _place(
            row[at["Region name"]] if "Region name" in at else "", row[at["Country name"]], name, line
        )
        seats.append(
            Seat(
                code=code,
                name=row[at["Constituency name"]].strip(),
                region=region,
                nation=nation,
                electorate=_number(row[at["Electorate"]], name, line, "Electorate"),
                votes=dict(votes),
                winner=FIRST_PARTY.get(row[at["First party"]].strip(), "OTH"),
            )
        )
    if not seats:
        raise SeatResultsError(f"{name}: no results in the file")
    return seats


def parse_notionals(
    text: str, codes: set[str], seats_2024: dict[str, Seat], name: str = NOTIONAL_2019_FILE
) -> list[Seat]:
    """Rallings & Thrasher's notional 2019 result on the 2024 set (PCON24CD), named and placed as in 2024."""
    header, rows = _rows(
        text, name, ("PCON24CD", "Boundary Comm name", "country_name", "electorate", *NOTIONAL_COLUMNS)
    )
    at = {h: i for i, h in enumerate(header)}
    seats: list[Seat] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code = row[at["PCON24CD"]].strip().upper()
        _check_seat(code, seen, codes, TO_SET, name, line)
        seen[code] = line
        votes = {party: _number(row[at[column]], name, line, column) for column, party in NOTIONAL_COLUMNS.items()}
        # Named and placed as in the 2024 results, so both rows of a seat read alike.
        known = seats_2024.get(code)
        seats.append(
            Seat(
                code=code,
                name=known.name if known else row[at["Boundary Comm name"]].strip(),
                region=known.region if known else "",
                nation=known.nation if known else _place("", row[at["country_name"]], name, line)[1],
                electorate=_number(row[at["electorate"]], name, line, "electorate"),
                votes=votes,
            )
        )
    return seats


def parse_candidates(text: str, codes: set[str], year: int = 2024, name: str = CANDIDATES_2024_FILE) -> list[Candidate]:
    """The Commons Library's candidates file: one row per candidate; the most votes in a seat is elected."""
    header, rows = _rows(
        text, name, ("ONS ID", "Party name", "Party abbreviation", "Candidate first name", "Candidate surname", "Votes")
    )
    at = {h: i for i, h in enumerate(header)}
    candidates: list[Candidate] = []
    for line, row in rows:
        code = row[at["ONS ID"]].strip().upper()
        if codes and code not in codes:
            raise SeatResultsError(f"{name} line {line}: {code} is not a constituency of the {TO_SET} boundary set")
        full_name = f"{row[at['Candidate first name']].strip()} {row[at['Candidate surname']].strip()}".strip()
        if not full_name:
            raise SeatResultsError(f"{name} line {line}: the candidate has no name")
        candidates.append(
            Candidate(
                year=year,
                boundary_set=TO_SET,
                ons_code=code,
                name=full_name,
                party_name=row[at["Party name"]].strip(),
                party=CANDIDATE_PARTIES.get(row[at["Party abbreviation"]].strip(), "OTH"),
                votes=int(_number(row[at["Votes"]], name, line, "Votes")),
            )
        )
    best: dict[str, Candidate] = {}
    for c in candidates:
        if c.ons_code not in best or c.votes > best[c.ons_code].votes:
            best[c.ons_code] = c
    for c in best.values():
        c.elected = True
    return candidates


def derive_notionals(
    seats: list[Seat], shares: dict[str, list[tuple[str, float]]], new_seats: dict[str, Seat]
) -> list[Seat]:
    """Carry one election's results on the old set onto the new one through population shares.

    new votes[p] = Σ over old seats of old votes[p] × share of the old seat's population living in the new seat
    (likewise the electorate). This assumes each old seat voted the same everywhere within it, which is the
    method's limit: it cannot see that a ward moved was a party's stronghold (see the user guide)."""
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    electorate: dict[str, float] = defaultdict(float)
    for seat in seats:
        for new_code, share in shares.get(seat.code, []):
            electorate[new_code] += seat.electorate * share
            for party, v in seat.votes.items():
                votes[new_code][party] += v * share
    out = []
    for code in sorted(votes):
        known = new_seats.get(code)
        out.append(
            Seat(
                code=code,
                name=known.name if known else code,
                region=known.region if known else "",
                nation=known.nation if known else "",
                electorate=electorate[code],
                votes=dict(votes[code]),
            )
        )
    return out


def _result_rows(seats: list[Seat], year: int, boundary_set: str, source: str, notional: bool) -> list[Result]:
    return [
        Result(
            source=source,
            year=year,
            boundary_set=boundary_set,
            notional=notional,
            ons_code=seat.code,
            name=seat.name,
            region=seat.region,
            nation=seat.nation,
            electorate=round(seat.electorate),
            party=party,
            votes=round(v),
            won=party == seat.winner,
        )
        for seat in seats
        for party, v in seat.votes.items()
        if round(v) > 0
    ]


def _read(path: Path) -> str:
    if not path.exists():
        raise SeatResultsError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SeatResultsError(f"{path.name} line {line}: not UTF-8 text") from None


def load_seat_results(data_dir: Path | str | None = None) -> LoadReport:
    """Load every result the seat pages show, and the overlaps, from `data_dir` (settings.DATA_DIR by default).

    Replaces the rows of the Commons Library, Rallings & Thrasher and derived sources (the engine's uk-politics
    rows are left alone) and the candidates; nothing is written unless every file is good."""
    folder = Path(data_dir or settings.DATA_DIR)
    overlap_files = [folder / "lookups" / p.name for p in shipped_overlap_files()]
    try:
        overlaps, overlap_report = read_overlaps(overlap_files)
    except OverlapImportError as exc:
        raise SeatResultsError(str(exc)) from exc
    codes = {FROM_SET: {o.from_code for o in overlaps}, TO_SET: {o.to_code for o in overlaps}}
    results = folder / "results"
    parsed: dict[int, list[Seat]] = {
        year: parse_hoc_results(_read(results / hoc_file(year)), year, boundary_set, codes[boundary_set])
        for year, boundary_set in ACTUAL_YEARS.items()
    }
    seats_2024 = {s.code: s for s in parsed[2024]}
    notional_2019 = parse_notionals(_read(results / NOTIONAL_2019_FILE), codes[TO_SET], seats_2024)
    candidates = parse_candidates(_read(results / CANDIDATES_2024_FILE), codes[TO_SET])
    shares = share_table(overlaps)
    rows: list[Result] = []
    report = LoadReport(overlaps=len(overlaps), candidates=len(candidates))
    for year, boundary_set in ACTUAL_YEARS.items():
        rows += _result_rows(parsed[year], year, boundary_set, Source.HOC, notional=False)
        report.results[f"{year} on the {boundary_set} set"] = len(parsed[year])
    rows += _result_rows(notional_2019, 2019, TO_SET, Source.RALLINGS_THRASHER, notional=True)
    report.results[f"2019 notional on the {TO_SET} set (Rallings & Thrasher)"] = len(notional_2019)
    for year in DERIVED_YEARS:
        derived = derive_notionals(parsed[year], shares, seats_2024)
        rows += _result_rows(derived, year, TO_SET, Source.OVERLAPS, notional=True)
        report.results[f"{year} notional on the {TO_SET} set (derived)"] = len(derived)
    report.rows = len(rows)
    with transaction.atomic():
        save_overlaps(overlaps)
        Result.objects.filter(source__in=SEAT_PAGE_SOURCES).delete()
        Candidate.objects.filter(year__in=list(ACTUAL_YEARS)).delete()
        Result.objects.bulk_create(rows, batch_size=2000)
        Candidate.objects.bulk_create(candidates, batch_size=2000)
    return report


def seat_results_loaded() -> bool:
    return Result.objects.filter(source=Source.HOC, year=2024).exists()
