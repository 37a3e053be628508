"""The legal limits: a candidate's (fixed sum + pence per elector, by area type and period, scaled for the long
campaign, shared by joint candidates) and a party's national limit per part of the UK.

The figures are rows of `CandidateLimit`, `JointCandidateShare` and `NationalLimit` (loaded by migration with
their sources), so a new uprating order is a row, not a code change. Whether a seat is a borough (a Scottish burgh
counts as one) or a county comes from the Commons Library's results files in data/results/.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from groundswell.geography.models import Constituency
from groundswell.register.models import Elector

from .models import AreaType, CandidateLimit, JointCandidateShare, NationalLimit, ParliamentSitting, Period
from .timetable import long_campaign_percent

# Which results file says a seat's type: the 2024 seats' own, and 2019's for the 2010 set (2010–2019 elections).
SEAT_TYPE_FILES = {"2024": "hoc_ge2024_by_constituency.csv", "2010": "hoc_ge2019_by_constituency.csv"}
# Franchise markers of electors who may not vote at a UK Parliament election (uk-rules §1.2).
NON_PARLIAMENTARY_MARKERS = "LMGBKE"


class LimitError(ValueError):
    """No limit can be computed: an unknown seat, no limit row, no electorate. The message names the field."""


def pounds(pence: int) -> str:
    """Pence as a decimal string in pounds: 1978316 → "19783.16"."""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}{pence // 100}.{pence % 100:02d}"


@cache
def _seat_types(boundary_set: str, data_dir: str) -> dict[str, tuple[str, str]]:
    name = SEAT_TYPE_FILES.get(boundary_set)
    if name is None:
        return {}
    path = Path(data_dir) / "results" / name
    types: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            kind = (row.get("Constituency type") or "").strip().lower()
            types[row["ONS ID"].strip().upper()] = (
                AreaType.BOROUGH if kind in ("borough", "burgh") else AreaType.COUNTY,
                row["Constituency name"].strip(),
            )
    return types


def seat_type(code: str, boundary_set: str) -> tuple[str, str]:
    """(area type, seat name) of constituency `code` in `boundary_set`; LimitError if the set has no such seat."""
    code = (code or "").strip().upper()
    found = _seat_types(boundary_set, str(settings.DATA_DIR)).get(code)
    if found is None:
        raise LimitError(f"constituency {code or '(blank)'!r} is not a seat of the {boundary_set} boundaries")
    return found


def boundary_set_for_poll(poll_date: dt.date) -> str:
    """The boundaries a general election was fought on: 2024's from 4 July 2024, the 2010 set before."""
    return "2024" if poll_date >= dt.date(2024, 7, 4) else "2010"


def register_electorate(constituency: Constituency, poll_date: dt.date, notice: dt.date) -> int | None:
    """Parliamentary electors on the imported register at the notice of election, leaving out attainers not 18
    by polling day and electors whose markers give them no parliamentary vote. None when no register is loaded."""
    rows = Elector.objects.filter(constituency=constituency)
    if not rows.exists():
        return None
    rows = rows.filter(Q(deleted_at__isnull=True) | Q(deleted_at__date__gt=notice))
    rows = rows.exclude(attainer_date__gt=poll_date)
    for marker in NON_PARLIAMENTARY_MARKERS:
        rows = rows.exclude(markers__contains=marker)
    return rows.count()


@dataclass(frozen=True)
class Limit:
    """A computed candidate limit and how it was reached (pence)."""

    limit_pence: int
    fixed_pence: int
    per_elector_pence: int
    electorate: int
    area_type: str
    period: str
    percent: int  # long-campaign scaling (100 otherwise)
    joint_share: tuple[int, int]  # numerator, denominator
    source: str

    def as_json(self) -> dict:
        return {
            "limit": pounds(self.limit_pence),
            "fixed": pounds(self.fixed_pence),
            "per_elector": pounds(self.per_elector_pence),
            "electorate": self.electorate,
            "constituency_type": self.area_type,
            "period": self.period,
            "scaled_percent": self.percent,
            "joint_share": f"{self.joint_share[0]}/{self.joint_share[1]}",
            "source": self.source,
        }


def limit_row(election_type: str, period: str, area_type: str, poll_date: dt.date) -> CandidateLimit:
    """The limit row in force for a poll, preferring the seat's own area type over "any"."""
    rows = CandidateLimit.objects.filter(
        Q(applies_to__isnull=True) | Q(applies_to__gte=poll_date),
        election_type=election_type,
        period=period,
        area_type__in=[area_type, AreaType.ANY],
        applies_from__lte=poll_date,
    ).order_by("-applies_from")
    found = sorted(rows, key=lambda r: r.area_type == AreaType.ANY)
    if not found:
        label = Period(period).label.lower() if period in Period.values else period
        raise LimitError(f"period: there is no {label} limit for a {election_type} election on {poll_date}")
    return found[0]


def joint_share(election_type: str, candidates: int, poll_date: dt.date) -> tuple[int, int]:
    """The fraction of the limit each of `candidates` joint candidates may spend (1/1 for a sole candidate)."""
    if candidates <= 1:
        return 1, 1
    row = (
        JointCandidateShare.objects.filter(
            election_type=election_type, candidates__lte=candidates, applies_from__lte=poll_date
        )
        .order_by("-candidates", "-applies_from")
        .first()
    )
    if row is None:
        raise LimitError(f"joint_candidates: no rule for {candidates} joint candidates at a {election_type} election")
    return row.numerator, row.denominator


def parliament_first_met(before: dt.date) -> dt.date | None:
    """When the Parliament a general election on `before` ended first met."""
    row = ParliamentSitting.objects.filter(first_met__lt=before).order_by("-first_met").first()
    return row.first_met if row else None


def compute_limit(
    *,
    election_type: str,
    poll_date: dt.date,
    period: str,
    area_type: str,
    electorate: int,
    dissolved: dt.date | None = None,
    joint_candidates: int = 1,
) -> Limit:
    """fixed + per-elector × electorate; a long campaign's maximum scaled by its month of dissolution (rounded
    down to the penny); joint candidates' share (rounded down to the penny)."""
    if electorate is None or electorate < 0:
        raise LimitError("electorate: give the number of electors (a whole number, 0 or more)")
    row = limit_row(election_type, period, area_type, poll_date)
    full = row.fixed_pence + row.per_elector_pence * electorate
    percent = 100
    if period == Period.LONG and row.scaled_by_dissolution:
        first_met = parliament_first_met(poll_date)
        if first_met is not None and dissolved is not None:
            percent = long_campaign_percent(first_met, dissolved)
            if percent == 0:
                raise LimitError(
                    f"period: no long campaign: Parliament (first met {first_met}) was dissolved on {dissolved}, "
                    "before it had sat 55 months"
                )
    num, den = joint_share(election_type, joint_candidates, poll_date)
    limit = full * percent * num // (100 * den)
    return Limit(
        limit_pence=limit,
        fixed_pence=row.fixed_pence,
        per_elector_pence=row.per_elector_pence,
        electorate=electorate,
        area_type=area_type if row.area_type != AreaType.ANY else area_type,
        period=period,
        percent=percent,
        joint_share=(num, den),
        source=row.source,
    )


@dataclass(frozen=True)
class NationalLimitFigure:
    part: str
    seats: int
    per_seat_pence: int
    floor_pence: int
    limit_pence: int
    source: str


def national_limit(part: str, seats: int, poll_date: dt.date) -> NationalLimitFigure:
    """A party's national limit in one part of the UK: per seat contested × seats, or the floor if higher."""
    if seats < 0:
        raise LimitError("seats: the number of seats contested cannot be negative")
    row = (
        NationalLimit.objects.filter(Q(applies_to__isnull=True) | Q(applies_to__gte=poll_date), part=part)
        .filter(applies_from__lte=poll_date)
        .order_by("-applies_from")
        .first()
    )
    if row is None:
        raise LimitError(f"part: no national limit for {part!r} on {poll_date}")
    limit = max(row.per_seat_pence * seats, row.floor_pence)
    return NationalLimitFigure(part, seats, row.per_seat_pence, row.floor_pence, limit, row.source)


def as_decimal(pence: int) -> Decimal:
    return Decimal(pence) / 100
