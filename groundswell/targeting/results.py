"""Past general election results: importing the `uk-politics` package's table and reading it back as arrays.

The package's own loader needs an older pandas, so its TSV is read directly. Each row's `location` field
is `CODE|NAME|COUNTY|REGION|NATION|ELECTORATE`; 1997–2005 rows carry the file's own numeric ids for the
pre-2010 boundaries (Scotland's 2005 seats already have ONS codes), 2010–2019 rows carry ONS codes.
These rows are the projection engine's (source `uk-politics`); the seat pages' results on both boundary sets are
loaded by `hoc_results.py` under their own sources, so neither load touches the other's rows.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from .hoc_results import load_seat_results
from .models import Candidate, Result
from .parties import INDEX, PARTIES, UnknownParty, lineage, normalise_party

ELECTIONS: dict[int, str] = {
    1997: "1997-05-01",
    2001: "2001-06-07",
    2005: "2005-05-05",
    2010: "2010-05-06",
    2015: "2015-05-07",
    2017: "2017-06-08",
    2019: "2019-12-12",
    2024: "2024-07-04",
}
BOUNDARY_SETS = ("2010", "2024")
_REGIONS = {
    "east": "East of England",
    "eastern": "East of England",
    "yorkshire and the humber": "Yorkshire and the Humber",
}
GB_NATIONS = ("England", "Scotland", "Wales")
ENGINE_SOURCE = Result.Source.UK_POLITICS
# Where the engine reads each election on the 2024 set: the Commons Library's 2024 result, Rallings &
# Thrasher's 2019 notionals, and the notionals derived from the population overlaps for 2010–2017.
SET_2024_SOURCES: dict[int, str] = {
    2024: Result.Source.HOC,
    2019: Result.Source.RALLINGS_THRASHER,
    2017: Result.Source.OVERLAPS,
    2015: Result.Source.OVERLAPS,
    2010: Result.Source.OVERLAPS,
}


def fought_on(year: int) -> str:
    """The boundary set an election was fought on: 2010–2019 on the 2010 set, 2024 onwards on the 2024 set
    (elections before 2010 are read on their own boundaries and reported as the 2010 set's predecessors)."""
    return "2024" if year >= 2024 else "2010"


class ResultsImportError(ValueError):
    pass


def package_results_text() -> str:
    """The results table shipped in the `uk-politics` package.

    Found with find_spec rather than importlib.resources.files("uk_politics"), which would import the package,
    and its __init__ runs the pandas code that fails under pandas 3.
    """
    spec = importlib.util.find_spec("uk_politics")
    if spec is None or not spec.submodule_search_locations:
        raise ResultsImportError("the uk-politics package is not installed (pip install uk-politics)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "GE_results.tsv"
    return path.read_text(encoding="utf-8")


def normalise_region(name: str) -> str:
    return _REGIONS.get(name.strip().lower(), name.strip())


def parse_results(text: str) -> list[Result]:
    """Parse the TSV into unsaved Result rows (votes summed per normalised party); errors name the line."""
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:4]] != ["location", "date", "party", "votes"]:
        raise ResultsImportError("line 1: expected the columns location, date, party, votes")
    years = {date: year for year, date in ELECTIONS.items()}
    seats: dict[tuple[int, str], tuple[str, str, str, int]] = {}
    votes: dict[tuple[int, str, str], int] = defaultdict(int)
    for line_no, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 4:
            raise ResultsImportError(f"line {line_no}: expected 4 tab-separated fields, found {len(row)}")
        location, date, party_name, vote_text = (field.strip() for field in row[:4])
        parts = location.split("|")
        if len(parts) != 6:
            raise ResultsImportError(f"line {line_no}: location {location!r} is not CODE|NAME|COUNTY|REGION|NATION|N")
        code, name, _county, region, nation, electorate = (p.strip() for p in parts)
        if date not in years:
            raise ResultsImportError(f"line {line_no}: {date!r} is not a general election date this table knows")
        try:
            party = normalise_party(party_name, nation)
        except UnknownParty as exc:
            raise ResultsImportError(f"line {line_no}: {exc}") from exc
        try:
            n_votes = int(vote_text or 0)
            n_electorate = int(electorate or 0)
        except ValueError as exc:
            raise ResultsImportError(f"line {line_no}: votes {vote_text!r} or electorate is not a number") from exc
        if not code:
            raise ResultsImportError(f"line {line_no}: no constituency code")
        year = years[date]
        seats[(year, code)] = (name.title(), normalise_region(region), nation, n_electorate)
        votes[(year, code, party)] += n_votes
    rows = []
    for (year, code, party), n in votes.items():
        name, region, nation, electorate = seats[(year, code)]
        rows.append(
            Result(
                source=ENGINE_SOURCE,
                year=year,
                boundary_set="2010" if year >= 2010 else "pre-2010",
                ons_code=code,
                name=name,
                region=region,
                nation=nation,
                electorate=electorate,
                party=party,
                votes=n,
            )
        )
    return rows


@transaction.atomic
def load_results(text: str | None = None) -> int:
    """Replace the engine's results with the table's (the package's by default); all or nothing."""
    rows = parse_results(package_results_text() if text is None else text)
    Result.objects.filter(source=ENGINE_SOURCE).delete()
    Result.objects.bulk_create(rows, batch_size=2000)
    _CACHE.clear()
    return len(rows)


def engine_results_loaded() -> bool:
    return Result.objects.filter(source=ENGINE_SOURCE).exists()


def ensure_results(boundary_set: str = "2010") -> None:
    """Load the package's results if none are stored (the projection commands call this on first use), and
    the Commons Library's results and notionals from data/ when the 2024 set is wanted and they are missing."""
    if not engine_results_loaded():
        load_results()
    if boundary_set == "2024" and not Result.objects.filter(source=Result.Source.HOC, year=2024).exists():
        load_seat_results()
        _CACHE.clear()


@dataclass
class ElectionTable:
    """One election's Great Britain seats as arrays: shares[i, p] for seat i and party p (rows sum to 1)."""

    year: int
    codes: list[str]
    names: list[str]
    nations: np.ndarray  # (seats,) index into GB_NATIONS
    regions: np.ndarray  # (seats,) index into region_names
    region_names: list[str]
    shares: np.ndarray  # (seats, parties)
    votes: np.ndarray  # (seats, parties)
    boundary_set: str = "2010"
    notional: bool = False  # counted on boundaries the election was not fought on

    def national(self, nation: str | None = None) -> np.ndarray:
        """Vote shares over Great Britain, or over one nation."""
        votes = self.votes if nation is None else self.votes[self.nations == GB_NATIONS.index(nation)]
        total = votes.sum()
        return votes.sum(axis=0) / total if total else np.zeros(len(PARTIES))

    def regional(self) -> np.ndarray:
        """(seats, parties): each seat's region's vote shares."""
        out = np.zeros_like(self.shares)
        for r in np.unique(self.regions):
            in_r = self.regions == r
            votes = self.votes[in_r].sum(axis=0)
            out[in_r] = votes / votes.sum() if votes.sum() else 0.0
        return out

    def index_of(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}


_CACHE: dict[tuple[int, str], ElectionTable] = {}


def election_table(year: int, boundary_set: str | None = None) -> ElectionTable:
    """The stored results of one election on one boundary set (by default the set it was fought on), Great
    Britain only (Northern Ireland's parties do not stand here).

    On the 2010 set the engine reads the uk-politics package (1997–2019; before 2010 on the older boundaries,
    which is what the model's training pairs need); on the 2024 set it reads the Commons Library's 2024
    result and the notionals (`SET_2024_SOURCES`)."""
    boundary_set = boundary_set or fought_on(year)
    if boundary_set not in BOUNDARY_SETS:
        raise ValueError(f"boundary set {boundary_set!r} is not one of {', '.join(BOUNDARY_SETS)}")
    key = (year, boundary_set)
    if key in _CACHE:
        return _CACHE[key]
    if boundary_set == "2024":
        if year not in SET_2024_SOURCES:
            raise LookupError(f"no {year} results on the 2024 set (have {', '.join(map(str, SET_2024_SOURCES))})")
        query = Result.objects.filter(source=SET_2024_SOURCES[year], year=year, boundary_set="2024")
        notional = year < 2024
    else:
        if year >= 2024:
            raise LookupError(f"the {year} election was not fought on the 2010 set: use the 2024 set")
        query = Result.objects.filter(source=ENGINE_SOURCE, year=year)
        notional = False
    rows = (
        query.filter(nation__in=GB_NATIONS)
        .order_by("ons_code", "party")
        .values_list("ons_code", "name", "region", "nation", "party", "votes")
    )
    codes: list[str] = []
    names: list[str] = []
    nations: list[int] = []
    regions: list[str] = []
    position: dict[str, int] = {}
    entries: list[tuple[int, int, int]] = []
    # The Commons Library pools the Speaker's votes into "all other candidates": on the 2024 set, the seat whose
    # 2024 winner stood as Speaker counts its others as the Speaker's (in 2019's notionals too: the same Speaker),
    # so that, as on the 2010 set, no party is projected to stand against the Speaker.
    speaker = (
        set(Candidate.objects.filter(year=2024, party="SPK", elected=True).values_list("ons_code", flat=True))
        if boundary_set == "2024"
        else set()
    )
    for code, name, region, nation, party, votes in rows:
        if code in speaker and party == "OTH":
            party = "SPK"
        if code not in position:
            position[code] = len(codes)
            codes.append(code)
            names.append(name)
            nations.append(GB_NATIONS.index(nation))
            regions.append(region)
        # Swing is measured along a party's lineage: a Brexit Party or Reform UK row counts as UKIP's.
        entries.append((position[code], INDEX[lineage(party)], votes))
    if not codes:
        command = "load_seat_results" if boundary_set == "2024" else "load_results"
        raise LookupError(
            f"no results stored for {year} on the {boundary_set} set: run `groundswell targeting {command}`"
        )
    vote_array = np.zeros((len(codes), len(PARTIES)))
    for i, p, v in entries:
        vote_array[i, p] += v
    totals = vote_array.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1
    region_names = sorted(set(regions))
    table = ElectionTable(
        year=year,
        boundary_set=boundary_set,
        notional=notional,
        codes=codes,
        names=names,
        nations=np.asarray(nations),
        regions=np.asarray([region_names.index(r) for r in regions]),
        region_names=region_names,
        shares=vote_array / totals,
        votes=vote_array,
    )
    _CACHE[key] = table
    return table


def clear_cache() -> None:
    _CACHE.clear()
