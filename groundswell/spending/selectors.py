"""Reads of the spending ledger: totals against limits per seat and period, the all-seats dashboard, and the
national-money report (party spending reaching each seat beside its class and majority)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from django.db.models import Q, QuerySet, Sum

from groundswell.accounts.access import Perm, scope
from groundswell.targeting.models import Projection, Result
from groundswell.targeting.selectors import projection_boundary_set
from groundswell.targeting.services import Category, latest_projection, our_party, target_list

from .elections import candidacy_dates, candidacy_limit
from .limits import boundary_set_for_poll, joint_share, limit_row
from .models import Allocation, Candidacy, Election, SpendingItem

COUNTED = Q(item__withdrawn=False)


def counted_total(candidacy: Candidacy, period: str, exclude_item: SpendingItem | None = None) -> int:
    """Pence counted against the seat's limit in `period`: every item not withdrawn (planned ones too, so a
    plan cannot quietly pass the limit)."""
    rows = Allocation.objects.filter(COUNTED, candidacy=candidacy, period=period)
    if exclude_item is not None:
        rows = rows.exclude(item=exclude_item)
    return rows.aggregate(t=Sum("amount_pence"))["t"] or 0


@dataclass
class PeriodFigures:
    period: str
    limit_pence: int | None
    spent: int = 0  # invoiced or paid
    committed: int = 0  # ordered, not invoiced
    planned: int = 0
    forecast: int = 0

    @property
    def counted(self) -> int:
        return self.spent + self.committed + self.planned

    @property
    def headroom(self) -> int | None:
        return None if self.limit_pence is None else self.limit_pence - self.counted

    @property
    def percent(self) -> float | None:
        if not self.limit_pence:
            return None
        return round(100 * self.counted / self.limit_pence, 1)

    @property
    def level(self) -> str:
        p = self.percent
        if p is None:
            return ""
        return "over" if p > 100 else "at100" if p >= 100 else "at90" if p >= 90 else "at75" if p >= 75 else "ok"


def _forecast(fig: PeriodFigures, start: dt.date | None, end: dt.date, today: dt.date) -> int:
    """Spent and committed so far at their daily rate to polling day, or everything planned if more."""
    so_far = fig.spent + fig.committed
    if start is None or today <= start or today >= end:
        return fig.counted
    elapsed = (today - start).days + 1
    total_days = (end - start).days + 1
    return max(fig.counted, so_far * total_days // elapsed)


STATUS_FIELD = {"invoiced": "spent", "paid": "spent", "committed": "committed", "planned": "planned"}


def seat_figures(candidacy: Candidacy, today: dt.date | None = None) -> dict[str, PeriodFigures]:
    """Spent, committed, planned, headroom and forecast for each of the seat's periods."""
    today = today or dt.date.today()
    dates = candidacy_dates(candidacy)
    periods = ["short"] + (["long"] if dates.long_start else [])
    figures: dict[str, PeriodFigures] = {}
    for period in periods:
        limit = candidacy_limit(candidacy, period)
        figures[period] = PeriodFigures(period, limit.limit_pence if limit else None)
    rows = (
        Allocation.objects.filter(COUNTED, candidacy=candidacy)
        .values("period", "item__status")
        .annotate(t=Sum("amount_pence"))
    )
    for row in rows:
        fig = figures.get(row["period"])
        if fig is not None:
            attr = STATUS_FIELD[row["item__status"]]
            setattr(fig, attr, getattr(fig, attr) + row["t"])
    for period, fig in figures.items():
        start = dates.short_start if period == "short" else dates.long_start
        end = dates.short_end if period == "short" else dates.long_end
        fig.forecast = _forecast(fig, start, end, today)
    return figures


def candidacies_for(user: Any, election: Election | None = None, perm: Perm = Perm.VIEW_SPENDING) -> QuerySet:
    rows = Candidacy.objects.select_related("constituency", "election", "unit", "agent")
    if election is not None:
        rows = rows.filter(election=election)
    return scope(rows, user, perm).order_by("constituency__name")


@dataclass
class DashboardRow:
    candidacy: Candidacy
    limit_pence: int | None
    spent: int
    committed: int
    planned: int

    @property
    def headroom(self) -> int | None:
        return None if self.limit_pence is None else self.limit_pence - self.spent - self.committed - self.planned

    @property
    def percent(self) -> float | None:
        if not self.limit_pence:
            return None
        return round(100 * (self.spent + self.committed + self.planned) / self.limit_pence, 1)


def dashboard(candidacies: QuerySet[Candidacy], period: str = "short") -> list[DashboardRow]:
    """Every seat's short-campaign position in one aggregate query (the all-seats headroom page)."""
    seats = list(candidacies)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"spent": 0, "committed": 0, "planned": 0})
    rows = (
        Allocation.objects.filter(COUNTED, candidacy__in=[c.pk for c in seats], period=period)
        .values("candidacy_id", "item__status")
        .annotate(t=Sum("amount_pence"))
    )
    for row in rows:
        totals[row["candidacy_id"]][STATUS_FIELD[row["item__status"]]] += row["t"]
    rows_cache: dict[tuple, Any] = {}
    out = []
    for c in seats:
        limit = None
        if c.electorate is not None:
            # One limit row per (type, poll, area type, joint candidates), not one query per seat.
            key = (c.election.election_type, c.election.poll_date, c.area_type, c.joint_candidates)
            if key not in rows_cache:
                try:
                    row = limit_row(key[0], period, key[2], key[1])
                    rows_cache[key] = (row, joint_share(key[0], key[3], key[1]))
                except ValueError:
                    rows_cache[key] = None
            if rows_cache[key] is not None:
                row, (num, den) = rows_cache[key]
                limit = (row.fixed_pence + row.per_elector_pence * c.electorate) * num // den
        t = totals[c.pk]
        out.append(DashboardRow(c, limit, t["spent"], t["committed"], t["planned"]))
    return out


# ------------------------------------------------------------------ national money


# Targeting's categories in the report's words: a seat we hold that is not safe is "held" (to defend), one we
# could take is a "target" (to attack); together they are the marginals the safe seats are compared with.
CLASS_NAMES = {Category.SAFE: "safe", Category.DEFEND: "held", Category.ATTACK: "target",
               Category.OUT_OF_REACH: "out of reach"}  # fmt: skip
MARGINAL_CLASSES = ("held", "target")
NO_PROJECTION = "no projection"


def projected_classes(projection: Projection | None, party: str) -> tuple[str | None, dict[str, tuple[str, float]]]:
    """(the projection's boundary set, ONS code → (class, our chance)) from targeting's classification of the
    projection's seats for `party`; (None, {}) without a projection."""
    if projection is None:
        return None, {}
    return projection_boundary_set(projection), {
        s.code: (CLASS_NAMES[s.category], s.p_win) for s in target_list(projection, party)
    }


def seat_majorities(codes: list[str], boundary_set: str) -> dict[str, tuple[int, float, str]]:
    """ONS code → (majority in votes, majority as % of votes, winning party) from the latest actual result."""
    rows = Result.objects.filter(boundary_set=boundary_set, ons_code__in=codes, notional=False).order_by("-year")
    latest: dict[str, int] = {}
    votes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for code, year, party, n in rows.values_list("ons_code", "year", "party", "votes"):
        if latest.setdefault(code, year) != year:
            continue
        votes[code].append((n, party))
    out = {}
    for code, vs in votes.items():
        vs.sort(reverse=True)
        total = sum(n for n, _ in vs) or 1
        second = vs[1][0] if len(vs) > 1 else 0
        out[code] = (vs[0][0] - second, round(100 * (vs[0][0] - second) / total, 1), vs[0][1])
    return out


@dataclass
class MoneyRow:
    candidacy: Candidacy
    national_pence: int
    local_pence: int
    seat_class: str  # targeting's class from the latest projection, or "no projection"
    majority: int | None
    majority_percent: float | None
    flags: list[str] = field(default_factory=list)
    p_win: float | None = None  # our chance in the projection
    override: str = ""  # a manual class recorded on the ledger (`spending open --class`): shown, never flagged on


def national_money(
    election: Election,
    candidacies: QuerySet[Candidacy],
    factor: int = 2,
    projection: Projection | None = None,
    party: str | None = None,
) -> list[MoneyRow]:
    """Party-funded spending reaching each seat (items of a unit above the seat's own, attributed to it),
    beside the seat's class and majority. The class is targeting's classification of the seat for our party
    in the latest projection (or `projection`), matched by code within the projection's boundary set; a seat
    the projection does not cover has "no projection". Flags, on that class: more than `factor` × the median
    of its class; a safe seat receiving more than the median marginal (held or target) seat."""
    seats = list(candidacies.filter(election=election))
    national: dict[int, int] = defaultdict(int)
    local: dict[int, int] = defaultdict(int)
    rows = Allocation.objects.filter(COUNTED, candidacy__in=[c.pk for c in seats]).values_list(
        "candidacy_id", "candidacy__unit__path", "item__unit__path", "amount_pence"
    )
    for cid, seat_path, item_path, pence in rows:
        if seat_path.startswith(item_path) and seat_path != item_path:
            national[cid] += pence
        else:
            local[cid] += pence
    majorities = seat_majorities([c.constituency.code for c in seats], boundary_set_for_poll(election.poll_date))
    boundary_set, classes = projected_classes(projection or latest_projection(), party or our_party())
    out = []
    for c in seats:
        maj = majorities.get(c.constituency.code)
        projected = classes.get(c.constituency.code) if c.constituency.boundary_set_id == boundary_set else None
        out.append(MoneyRow(c, national[c.pk], local[c.pk], projected[0] if projected else NO_PROJECTION,
                            maj[0] if maj else None, maj[1] if maj else None,
                            p_win=projected[1] if projected else None, override=c.seat_class))  # fmt: skip
    by_class: dict[str, list[int]] = defaultdict(list)
    for r in out:
        if r.seat_class != NO_PROJECTION:
            by_class[r.seat_class].append(r.national_pence)
    medians = {k: median(v) for k, v in by_class.items() if v}
    marginal = [p for k in MARGINAL_CLASSES for p in by_class.get(k, [])]
    marginal_median = median(marginal) if marginal else None
    for r in out:
        m = medians.get(r.seat_class)
        if m is not None and len(by_class[r.seat_class]) > 1 and r.national_pence > factor * max(m, 1):
            r.flags.append(f"more than {factor}× the median {r.seat_class} seat")
        if r.seat_class == "safe" and marginal_median is not None and r.national_pence > marginal_median:
            r.flags.append("safe seat funded above the median marginal (held or target) seat")
    out.sort(key=lambda r: -r.national_pence)
    return out
