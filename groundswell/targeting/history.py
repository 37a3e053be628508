"""A seat's past results on its own boundaries, for the seat page: each election actual or notional (and whose
notional), the 2024 candidates, and how the seat relates to the other boundary set (the population overlaps).

Reads the rows `hoc_results.load_seat_results` loads; the engine's uk-politics rows are not shown here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from groundswell.geography.overlaps import FROM_SET, TO_SET, predecessors, successors

from .hoc_results import SEAT_PAGE_SOURCES
from .models import Candidate, Result
from .parties import COLOURS, label_for_year, lineage

# When two sources cover one election on one set, the page shows the better one.
_PREFERENCE = {Result.Source.HOC: 0, Result.Source.RALLINGS_THRASHER: 1, Result.Source.OVERLAPS: 2}


@dataclass
class PartyVotes:
    code: str
    label: str  # the party's name that year (UKIP, Brexit Party, Reform UK)
    votes: int
    share: float
    colour: str


@dataclass
class Election:
    year: int
    notional: bool
    source: str  # Result.Source value
    source_label: str
    electorate: int
    parties: list[PartyVotes]  # most votes first

    @property
    def total(self) -> int:
        return sum(p.votes for p in self.parties)

    winner_code: str = ""

    @property
    def winner(self) -> PartyVotes | None:
        won = [p for p in self.parties if p.code == self.winner_code]
        return won[0] if won else (self.parties[0] if self.parties else None)

    @property
    def majority(self) -> float:
        """The winner's lead over the runner-up, as a share of the votes."""
        if len(self.parties) < 2:
            return self.parties[0].share if self.parties else 0.0
        return self.parties[0].share - self.parties[1].share

    @property
    def turnout(self) -> float | None:
        return self.total / self.electorate if self.electorate else None

    @property
    def listed(self) -> list[PartyVotes]:
        """The parties with at least 1% of the vote, for a one-line summary."""
        return [p for p in self.parties if p.share >= 0.01]

    @property
    def majority_pct(self) -> float:
        return round(100 * self.majority, 1)

    @property
    def turnout_pct(self) -> float | None:
        return None if self.turnout is None else round(100 * self.turnout, 1)


@dataclass
class Link:
    """A seat of the other boundary set and the share of people the two have in common."""

    code: str
    name: str
    boundary_set: str
    share: float  # of this seat's population (successors) or of the other seat's (predecessors)
    population: float


@dataclass
class SeatHistory:
    code: str
    boundary_set: str
    name: str
    nation: str
    elections: list[Election]  # newest first
    candidates: list[Candidate] = field(default_factory=list)
    became: list[Link] = field(default_factory=list)  # 2010 set: the 2024 seats its people now live in
    made_from: list[Link] = field(default_factory=list)  # 2024 set: the 2010 seats its people lived in
    other_sets: list[str] = field(default_factory=list)  # the same code names a seat in these sets too


def sets_with_results(code: str) -> list[str]:
    """The boundary sets whose results name this code, newest first (five Scottish codes are in both)."""
    sets = (
        Result.objects.filter(source__in=SEAT_PAGE_SOURCES, ons_code=code.upper())
        .values_list("boundary_set", flat=True)
        .distinct()
    )
    return sorted(set(sets), reverse=True)


def _names(codes: list[str], boundary_set: str) -> dict[str, str]:
    rows = Result.objects.filter(source__in=SEAT_PAGE_SOURCES, boundary_set=boundary_set, ons_code__in=codes)
    return dict(rows.values_list("ons_code", "name").distinct())


def seat_history(code: str, boundary_set: str | None = None) -> SeatHistory | None:
    """The seat's elections on its own boundaries, or None if no results name it (in that set)."""
    code = code.upper()
    sets = sets_with_results(code)
    if not sets or (boundary_set is not None and boundary_set not in sets):
        return None
    boundary_set = boundary_set or sets[0]
    rows = list(
        Result.objects.filter(source__in=SEAT_PAGE_SOURCES, boundary_set=boundary_set, ons_code=code).order_by(
            "-year", "party"
        )
    )
    by_election: dict[tuple[int, str], list[Result]] = defaultdict(list)
    for r in rows:
        by_election[(r.year, r.source)].append(r)
    chosen: dict[int, str] = {}
    for year, source in by_election:
        if year not in chosen or _PREFERENCE[source] < _PREFERENCE[chosen[year]]:
            chosen[year] = source
    elections = []
    for year in sorted(chosen, reverse=True):
        results = by_election[(year, chosen[year])]
        total = sum(r.votes for r in results) or 1
        parties = sorted(
            (
                PartyVotes(
                    r.party, label_for_year(r.party, year), r.votes, r.votes / total, COLOURS.get(r.party, "#999")
                )
                for r in results
            ),
            key=lambda p: -p.votes,
        )
        elections.append(
            Election(
                year=year,
                notional=results[0].notional,
                source=chosen[year],
                source_label=Result.Source(chosen[year]).label,
                electorate=results[0].electorate,
                parties=parties,
                winner_code=next((r.party for r in results if r.won), ""),
            )
        )
    first = rows[0]
    history = SeatHistory(
        code=code,
        boundary_set=boundary_set,
        name=first.name,
        nation=first.nation,
        elections=elections,
        other_sets=[s for s in sets if s != boundary_set],
    )
    history.candidates = list(Candidate.objects.filter(boundary_set=boundary_set, ons_code=code))
    if boundary_set == FROM_SET:
        links = successors(code)
        names = _names([o.to_code for o in links], TO_SET)
        history.became = [
            Link(o.to_code, names.get(o.to_code, o.to_code), TO_SET, o.share_of_from, o.population) for o in links
        ]
    elif boundary_set == TO_SET:
        links = predecessors(code)
        names = _names([o.from_code for o in links], FROM_SET)
        history.made_from = [
            Link(o.from_code, names.get(o.from_code, o.from_code), FROM_SET, o.share_of_to or 0.0, o.population)
            for o in links
        ]
    return history


def seats_won(year: int, boundary_set: str, source: str) -> Counter[str]:
    """Seats won per party code at one election on one set from one source (notionals: the most votes)."""
    rows = Result.objects.filter(year=year, boundary_set=boundary_set, source=source, won=True)
    return Counter(rows.values_list("party", flat=True))


def shares_by_lineage(election: Election) -> dict[str, float]:
    """An election's shares per modelled party (BRX and RUK counted as UKIP's line), for comparing years."""
    shares: dict[str, float] = defaultdict(float)
    for p in election.parties:
        shares[lineage(p.code)] += p.share
    return dict(shares)
