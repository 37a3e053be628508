"""Reads of saved projections: which boundary set a projection's seats are keyed by, and who holds each seat now.

A projection names seats by ONS code, and a code means a seat only within a boundary set (five Scottish codes
are in both). Every page and helper that resolves a projection's seats (target lists, maps, allocation, nearest
marginal, events near me) asks `projection_boundary_set` which set that is, so nothing mixes the sets' codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundswell.geography.models import BoundarySet, Constituency
from groundswell.geography.overlaps import FROM_SET, TO_SET, predecessors, successors
from groundswell.geography.selectors import constituency_names, current_boundary_set

from .history import SeatHistory
from .hoc_results import SEAT_PAGE_SOURCES
from .models import Projection, Result
from .parties import lineage

# Projections saved before boundary sets were recorded all started from a 2010–2019 election on the 2010 set.
LEGACY_BOUNDARY_SET = "2010"


def projection_boundary_set(projection: Projection) -> str:
    """The boundary set a projection's seats are keyed by: `inputs["boundary_set"]` as saved, else "2010"."""
    return str((projection.inputs or {}).get("boundary_set") or LEGACY_BOUNDARY_SET)


@dataclass(frozen=True)
class ProjectionSet:
    """A projection's boundary set beside the current one, for the pages' 'which map is this' line."""

    code: str  # the projection's set
    name: str  # e.g. "2024 boundaries (general elections from 4 July 2024)"
    current: str  # the set new work uses (geography.selectors.current_boundary_set)

    @property
    def is_current(self) -> bool:
        return self.code == self.current


def projection_set(projection: Projection | None) -> ProjectionSet:
    """The projection's set (the current set when there is no projection, which is what new work would use)."""
    current = current_boundary_set()
    code = projection_boundary_set(projection) if projection is not None else current
    name = BoundarySet.objects.filter(code=code).values_list("name", flat=True).first() or f"{code} boundaries"
    return ProjectionSet(code=code, name=name, current=current)


def winners_on(boundary_set: str) -> dict[str, str]:
    """ONS code → the party that won each seat at the latest election counted on `boundary_set` (actual results
    where there are any, else notionals), as the modelled party (Reform UK counts as UKIP's line): who holds
    the seat now, for projections that did not record it."""
    rows = Result.objects.filter(source__in=SEAT_PAGE_SOURCES, boundary_set=boundary_set, won=True)
    actual = rows.filter(notional=False)
    chosen = actual if actual.exists() else rows
    latest = chosen.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return {}
    return {code: lineage(party) for code, party in chosen.filter(year=latest).values_list("ons_code", "party")}


@dataclass(frozen=True)
class OverlappingSeat:
    """A seat of the projection's set that shares people with a seat of the other set, and its projection."""

    code: str
    name: str
    boundary_set: str
    share: float  # of the page's seat's people who live (or lived) in this one
    our_share: float  # our party's projected share here
    p_win: float  # our party's chance here
    winner: str


def overlapping_projection(projection: Projection, history: SeatHistory | None, party: str) -> list[OverlappingSeat]:
    """For a seat of the other boundary set than the projection's, the projection of the seats it overlaps:
    a 2010 seat's successors under a 2024-set projection (Reading East → Reading Central, Earley and Woodley),
    or a 2024 seat's predecessors under a 2010-set one. Empty when the seat is on the projection's own set."""
    if history is None:
        return []
    projected = projection_boundary_set(projection)
    if history.boundary_set == projected:
        return []
    links = history.became if projected == TO_SET else history.made_from if projected == FROM_SET else []
    out = []
    for link in links:
        seat = projection.seats.get(link.code)
        if seat is not None:
            out.append(
                OverlappingSeat(
                    code=link.code,
                    name=seat.get("name", link.name),
                    boundary_set=projected,
                    share=link.share,
                    our_share=seat["shares"].get(party, 0.0),
                    p_win=seat["p_win"].get(party, 0.0),
                    winner=seat["winner"],
                )
            )
    return out


def carried_share(overlapping: list[OverlappingSeat]) -> float | None:
    """Our projected share carried onto the page's seat through the overlaps: each overlapping seat's share
    weighted by the part of the seat's people in it (None without any)."""
    covered = sum(o.share for o in overlapping)
    if not covered:
        return None
    return sum(o.share * o.our_share for o in overlapping) / covered


@dataclass(frozen=True)
class Counterpart:
    """A seat of the other boundary set sharing people with one of the user's seats."""

    code: str
    name: str
    boundary_set: str
    share: float  # of the user's seat's people
    in_projection: bool


@dataclass(frozen=True)
class YourSeat:
    """A constituency the user's units campaign in, and, when it is not on the projection's set, the seats of
    that set its people live in (so a 2010-set party sees where its area sits on a 2024 projection)."""

    code: str
    name: str
    boundary_set: str
    counterparts: list[Counterpart]


def your_seats(constituencies: list[Constituency], projection: Projection | None) -> list[YourSeat]:
    """The user's seats (their units' constituencies) beside the projection's set, through the overlaps."""
    projected = projection_boundary_set(projection) if projection is not None else current_boundary_set()
    out = []
    for seat in constituencies:
        counterparts: list[Counterpart] = []
        if seat.boundary_set_id != projected:
            if seat.boundary_set_id == FROM_SET and projected == TO_SET:
                pairs = [(o.to_code, o.share_of_from) for o in successors(seat.code)]
            elif seat.boundary_set_id == TO_SET and projected == FROM_SET:
                pairs = [(o.from_code, o.share_of_to or 0.0) for o in predecessors(seat.code)]
            else:
                pairs = []
            names = constituency_names([code for code, _ in pairs], projected)
            seats = projection.seats if projection is not None else {}
            counterparts = [
                Counterpart(code, _name(code, names, seats), projected, share, code in seats) for code, share in pairs
            ]
        out.append(YourSeat(seat.code, seat.name, seat.boundary_set_id, counterparts))
    return out


def _name(code: str, names: dict[str, str], seats: dict[str, dict]) -> str:
    return names.get(code) or seats.get(code, {}).get("name") or code
