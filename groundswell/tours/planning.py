"""Planning a day: order the stops within their windows, drive the path, list the constituencies it passes through
versus those where it stops or leaves the network, and say what that attributes under the tour's rule, against each
seat's headroom. Reads only; `services.plan_day` saves the result.

The rule (recorded with every plan):
- a candidate-promotion stop attributes the bus's day rate (once per seat per day) plus the stop's own costs to that
  candidate's spending;
- a national stop's own costs and the day's rate go to the party's national spending;
- passing through a seat on the network attributes nothing;
- leaving the network in a seat with no stop is flagged for that seat's agent to decide; until they decide, the
  planner counts it at the day rate, so a plan never relies on an agent's answer to stay within a limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from groundswell.spending.elections import candidacy_dates
from groundswell.spending.limits import boundary_set_for_poll
from groundswell.spending.models import Candidacy
from groundswell.spending.selectors import seat_figures

from .crossings import SeatIndex
from .models import Attribution, Stop, Tour, TourDay
from .network import Assumptions, Link, Network, default_network
from .routing import NETWORK, Leg, NoSchedule, Place, Router, Visit, order_stops, seat_penalty

NEAR_LIMIT_DAYS = 2  # a seat is "near its limit" when its headroom is under this many day rates
NEAR_LIMIT_PENALTY_MIN = 240.0  # minutes a minimising plan will drive to keep off the network's exits there
_imported: dict[tuple, Network] = {}  # imported networks, built once per process


class PlanRefused(ValueError):
    """The plan would take a seat over its limit (or cannot be made); the message names the seats."""

    def __init__(self, message: str, seats: list[dict] | None = None) -> None:
        super().__init__(message)
        self.seats = seats or []


@dataclass
class SeatLedger:
    candidacy: Candidacy
    period: str
    headroom: int | None  # pence; None: no limit applies


@dataclass
class ProposedAttribution:
    kind: str
    amount_pence: int
    basis: str
    stop_id: int | None = None
    code: str = ""
    name: str = ""
    candidacy_id: int | None = None


@dataclass
class DayPlan:
    schedule: list[dict]
    legs: list[dict]
    passed: list[dict]  # seats passed through on the network
    stopped: list[dict]  # seats with a stop
    left_network: list[dict]  # seats where a local leg runs, with no stop
    attributions: list[ProposedAttribution]
    headroom: dict[str, dict]
    notes: list[str]
    rule: dict
    assumptions: dict
    km: float = 0.0
    minutes: float = 0.0
    minimised: bool = False
    seats_crossed: list[dict] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule, "legs": self.legs, "passed": self.passed, "stopped": self.stopped,
            "left_network": self.left_network, "headroom": self.headroom, "notes": self.notes, "rule": self.rule,
            "assumptions": self.assumptions, "km": round(self.km, 1), "minutes": round(self.minutes),
            "minimised": self.minimised, "seats_crossed": self.seats_crossed,
            "attributions": [a.__dict__ for a in self.attributions],
        }  # fmt: skip


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _clock(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def rule_of(tour: Tour) -> dict:
    rate = tour.rate_pence
    if tour.rate_basis == Tour.RateBasis.DERIVED:
        basis = (f"derived: hire £{tour.hire_pence_per_day / 100:,.2f} + fuel £{tour.fuel_pence_per_day / 100:,.2f} "
                 f"+ staff £{tour.staff_pence_per_day / 100:,.2f} a day")  # fmt: skip
    else:
        basis = "entered by the organiser"
    return {
        "day_rate_pence": rate, "day_rate_basis": basis,
        "candidate_stop": "the day rate (once per seat a day) plus the stop's own costs, to the candidate",
        "national_stop": "the stop's own costs and the day rate, to the party's national spending",
        "passing_on_network": "nothing",
        "leaving_network_without_stop": "flagged for the seat's agent; counted at the day rate until decided",
    }  # fmt: skip


def network_for(tour: Tour, assumptions: Assumptions) -> Network:
    if tour.network_id is None:
        return default_network(assumptions)
    key = (f"db:{tour.network_id}:{tour.network.imported_at.isoformat()}", assumptions)
    if key not in _imported:
        rows = tour.network.road_links.values_list("start", "end", "start_lat", "start_lon", "end_lat", "end_lon",
                                                   "road", "km")  # fmt: skip
        _imported[key] = Network.from_links((Link(*row) for row in rows), tour.network.name, assumptions)
    return _imported[key]


def seat_ledgers(tour: Tour, day: TourDay) -> dict[str, SeatLedger]:
    """Each seat with a ledger at the tour's election: its headroom on the day, less attributions other days and
    tours propose that are not yet in the ledger (pending agents' answers)."""
    out = {}
    pending: dict[int, int] = {}
    for row in Attribution.objects.filter(
        candidacy__election=tour.election, decision=Attribution.Decision.PENDING
    ).exclude(day=day):
        pending[row.candidacy_id] = pending.get(row.candidacy_id, 0) + row.amount_pence
    for c in Candidacy.objects.filter(election=tour.election).select_related("constituency", "election"):
        period = candidacy_dates(c).period_of(day.date) or "short"
        fig = seat_figures(c, today=day.date).get(period)
        headroom = fig.headroom if fig is not None else None
        if headroom is not None:
            headroom -= pending.get(c.pk, 0)
        out[c.constituency.code] = SeatLedger(c, period, headroom)
    return out


def compute_plan(
    day: TourDay, *, minimise: bool | None = None, index: SeatIndex | None = None,
    network: Network | None = None, assumptions: Assumptions | None = None,
) -> DayPlan:  # fmt: skip
    """The day's plan. Raises PlanRefused when no order meets the windows, or when the plan would take a seat over
    its limit (naming the seats; suggesting the minimising plan when it was not asked for)."""
    tour = day.tour
    a = assumptions or Assumptions()
    minimise = tour.minimise_local if minimise is None else minimise
    index = index or SeatIndex.from_database(boundary_set_for_poll(tour.election.poll_date))
    network = network or network_for(tour, a)
    stops = list(day.stops.exclude(status=Stop.Status.CANCELLED).select_related("candidacy__constituency"))
    rate = tour.rate_pence
    ledgers = seat_ledgers(tour, day)
    stop_seats = {s.constituency_code for s in stops if s.constituency_code}
    at_risk = {}
    for code, ledger in ledgers.items():
        if ledger.headroom is not None and ledger.headroom < NEAR_LIMIT_DAYS * max(rate, 1):
            at_risk[code] = NEAR_LIMIT_PENALTY_MIN
    penalty = seat_penalty(index, at_risk) if minimise and at_risk else None
    router = Router(network, a, penalty, stop_seats)
    places = [Place("start", day.start_lat, day.start_lon)]
    places += [Place(f"stop{s.pk}", s.latitude, s.longitude, s.constituency_code) for s in stops]
    places.append(Place("end", day.end_lat, day.end_lon))
    n = len(places)
    legs: dict[tuple[int, int], Leg] = {}
    cost = [[0.0] * n for _ in range(n)]
    minutes = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j or j == 0 or i == n - 1:
                continue
            leg = router.leg(places[i], places[j])
            legs[(i, j)] = leg
            cost[i][j], minutes[i][j] = leg.cost, leg.minutes
    visits = [Visit(p.key, (_minutes(s.window_start), _minutes(s.window_end)), s.minutes_on_site)
              for p, s in zip(places[1:-1], stops, strict=True)]  # fmt: skip
    try:
        order = order_stops(visits, cost, minutes, (_minutes(day.depart_at), _minutes(day.arrive_by)))
    except NoSchedule as exc:
        raise PlanRefused(str(exc)) from exc

    schedule, out_legs, notes = [], [], []
    passed: dict[str, dict] = {}
    left: dict[str, dict] = {}
    crossed_all: list[dict] = []
    total_km = total_min = 0.0
    for (i, _), (j, _) in zip(order, order[1:], strict=False):
        leg = legs[(i, j)]
        if leg.note:
            notes.append(f"{places[i].key} → {places[j].key}: {leg.note}")
        total_km += leg.km
        total_min += leg.minutes
        segs = []
        for seg in leg.segments:
            crossings = index.crossed(seg.points)
            for c in crossings:
                row = {"code": c.code, "name": c.name, "km": c.km}
                crossed_all.append({**row, "kind": seg.kind})
                target = passed if seg.kind == NETWORK else left
                if c.code not in stop_seats:
                    prev = target.get(c.code)
                    target[c.code] = {**row, "km": round((prev["km"] if prev else 0) + c.km, 3)}
            segs.append({**seg.as_json(), "seats": [c.code for c in crossings]})
        out_legs.append({"from": places[i].key, "to": places[j].key, "km": round(leg.km, 1),
                         "minutes": round(leg.minutes), "segments": segs})  # fmt: skip
    for node, arrive in order:
        place = places[node]
        stop = stops[node - 1] if 0 < node < n - 1 else None
        schedule.append({"place": place.key, "stop_id": stop.pk if stop else None,
                         "arrive": _clock(arrive), "depart": _clock(arrive + (stop.minutes_on_site if stop else 0)),
                         "sequence": order.index((node, arrive))})  # fmt: skip
    # A seat the bus leaves the network in is not also "passed on the network".
    for code in left:
        passed.pop(code, None)

    proposed: list[ProposedAttribution] = []
    day_rated: set[str] = set()
    national_rate_done = False
    for s in stops:
        name = index.layer.names.get(s.constituency_code, s.constituency_code)
        if s.purpose == Stop.Purpose.CANDIDATE and s.candidacy_id:
            if s.constituency_code not in day_rated:
                day_rated.add(s.constituency_code)
                proposed.append(ProposedAttribution(Attribution.Kind.DAY_RATE, rate, "day rate: "
                                + rule_of(tour)["day_rate_basis"], s.pk, s.constituency_code, name,
                                s.candidacy_id))  # fmt: skip
            if s.own_costs_pence:
                proposed.append(ProposedAttribution(Attribution.Kind.STOP_COSTS, s.own_costs_pence,
                                "the stop's own costs", s.pk, s.constituency_code, name, s.candidacy_id))  # fmt: skip
        else:
            if not national_rate_done and rate:
                national_rate_done = True
                proposed.append(ProposedAttribution(Attribution.Kind.DAY_RATE, rate,
                                                    "day rate for the national stops", s.pk))  # fmt: skip
            if s.own_costs_pence:
                proposed.append(ProposedAttribution(Attribution.Kind.STOP_COSTS, s.own_costs_pence,
                                                    "the stop's own costs (national)", s.pk))  # fmt: skip
    for code, row in left.items():
        ledger = ledgers.get(code)
        proposed.append(ProposedAttribution(Attribution.Kind.OFF_NETWORK, rate, f"left the network for "
                        f"{row['km']:.1f} km without a stop", None, code, row["name"],
                        ledger.candidacy.pk if ledger else None))  # fmt: skip

    headroom: dict[str, dict] = {}
    by_seat: dict[str, int] = {}
    for p in proposed:
        if p.candidacy_id:
            by_seat[p.code] = by_seat.get(p.code, 0) + p.amount_pence
    over = []
    for code, ledger in ledgers.items():
        adds = by_seat.get(code, 0)
        row = {"code": code, "name": ledger.candidacy.constituency.name, "headroom": ledger.headroom, "adds": adds}
        headroom[code] = row
        if adds and ledger.headroom is not None and adds > ledger.headroom:
            over.append(row)
    if over:
        names = ", ".join(f"{r['name']} (adds £{r['adds'] / 100:,.2f}, headroom £{r['headroom'] / 100:,.2f})"
                          for r in over)  # fmt: skip
        hint = "" if minimise else "; try the plan that minimises local attribution"
        raise PlanRefused(f"this plan would take {names} over the limit{hint}", over)
    if any(not s.constituency_code for s in stops):
        notes.append("a stop is outside every loaded constituency: check its position")
    return DayPlan(
        schedule=schedule, legs=out_legs, passed=list(passed.values()),
        stopped=[{"code": c, "name": index.layer.names.get(c, c)} for c in sorted(stop_seats)],
        left_network=list(left.values()), attributions=proposed, headroom=headroom, notes=notes,
        rule=rule_of(tour), assumptions=a.as_json(), km=total_km, minutes=total_min, minimised=minimise,
        seats_crossed=crossed_all,
    )  # fmt: skip
