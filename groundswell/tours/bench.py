"""`groundswell bench tours [--size STOPS] [--database-url …]`: is planning a week's tour quick, and the
constituencies a long route crosses?

1. Imports the 650 seats of 2024 (data/boundaries) and opens a ledger in each of STOPS (default 30) English seats
   within reach of the motorway network, spread over five days in five areas; two stops in three promote a
   candidate, the rest the party. The seats beside each day's stops are set near their limit (headroom under two
   day rates), so the planner must keep the bus on the network through them (the minimising plan).
2. `plan_s`: planning all five days (OR-Tools ordering in time windows, the driven path over England's Strategic
   Road Network, constituencies crossed, attributions against headroom) through `services.plan_day`.
3. `crossing_s`: the constituencies crossed by a route of over 500 km (Dover to Carlisle on the network),
   median of five runs, the boundary index already built.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from pathlib import Path
from typing import Any

import shapely
from django.conf import settings

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.geography.boundaries import import_boundaries
from groundswell.geography.lookup import get_index
from groundswell.people.models import OrganisationUnit
from groundswell.spending import services as ledger
from groundswell.spending.elections import candidacy_limit, create_candidacy
from groundswell.spending.models import Election

from . import services
from .crossings import SeatIndex
from .models import Stop
from .network import Assumptions, default_network
from .planning import PlanRefused
from .routing import NETWORK, Place, Router

DEFAULT_STOPS = 30
DAYS = 5
RUNS = 5
DAY_RATE = 461_00
TOUR_DATE = dt.date(2024, 6, 17)
# One area a day: (name, lat, lon) of its centre; each day's stops are the seats nearest to it.
AREAS = [("Bristol", 51.45, -2.59), ("Birmingham", 52.48, -1.90), ("Leeds", 53.80, -1.55),
         ("Manchester", 53.48, -2.24), ("Reading", 51.45, -0.97)]  # fmt: skip
DOVER, CARLISLE = (51.1279, 1.3134), (54.8925, -2.9329)


def _user(email: str, role: str, unit: OrganisationUnit) -> User:
    user, _ = User.objects.get_or_create(email=email)
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    return user


def _build(stops: int, progress: bool) -> tuple[Any, Any]:
    path = Path(settings.DATA_DIR) / "boundaries" / "uk_westminster_2024_bgc.topojson"
    import_boundaries(path, "constituency", progress=progress, boundary_set="2024")
    layer = get_index().constituencies_in("2024")
    network = default_network()
    national, _ = OrganisationUnit.objects.get_or_create(code="BENCH-NAT", defaults={"name": "National",
                                                                                    "kind": "national"})  # fmt: skip
    admin = _user("bench-tours-admin@example.org", Role.ADMINISTRATOR, national)
    election = Election.objects.get(election_id="parl.2024-07-04")
    centres = {}
    for area, geom in zip(layer.areas, layer.geometries, strict=True):
        if area.code.startswith("E"):
            p = shapely.point_on_surface(geom)
            if network.nearest(p.y, p.x, 1)[0][1] < 8:
                centres[area.code] = (p.y, p.x)
    rng = random.Random(18)
    tour = services.create_tour(actor=admin, unit=national, election=election, name="Bench tour",
                                day_rate_pence=DAY_RATE, minimise_local=True, vehicles="Coach")  # fmt: skip
    per_day = max(1, stops // DAYS)
    used: set[str] = set()
    for d, (name, lat, lon) in enumerate(AREAS[:DAYS]):
        near = sorted((c for c in centres if c not in used),
                      key=lambda c: (centres[c][0] - lat) ** 2 + (centres[c][1] - lon) ** 2)  # fmt: skip
        picked, neighbours = near[:per_day], near[per_day : per_day + 3]
        used |= set(picked) | set(neighbours)
        day = services.add_day(actor=admin, tour=tour, date=TOUR_DATE + dt.timedelta(days=d),
                               start=(name, lat + 0.05, lon), end=(name, lat - 0.05, lon),
                               depart_at=dt.time(7, 0), arrive_by=dt.time(23, 0))  # fmt: skip
        for i, code in enumerate(picked):
            unit = OrganisationUnit.objects.create(code=f"BENCH-{code}", name=code, kind="constituency",
                                                   parent=national)  # fmt: skip
            candidate = i % 3 != 2
            candidacy = create_candidacy(actor=admin, election_id=election.election_id, constituency_code=code,
                                         unit=unit, electorate=72_000, electorate_source="bench",
                                         agent=admin) if candidate else None  # fmt: skip
            start = 8 * 60 + rng.randrange(0, 6) * 60
            services.add_stop(
                actor=admin, day=day, title=f"Stop {d}.{i}", venue_name=f"Hall in {code}",
                purpose=Stop.Purpose.CANDIDATE if candidate else Stop.Purpose.NATIONAL, candidacy=candidacy,
                latitude=centres[code][0], longitude=centres[code][1], minutes_on_site=40,
                window=(dt.time(start // 60, start % 60), dt.time(min(22, start // 60 + 6), 0)),
            )  # fmt: skip
        for code in neighbours:  # beside the day's stops, near the limit: the planner must keep off their roads
            unit = OrganisationUnit.objects.create(code=f"BENCH-{code}", name=code, kind="constituency",
                                                   parent=national)  # fmt: skip
            c = create_candidacy(actor=admin, election_id=election.election_id, constituency_code=code, unit=unit,
                                 electorate=72_000, electorate_source="bench", agent=admin)  # fmt: skip
            limit = candidacy_limit(c, "short").limit_pence
            ledger.record_item(actor=admin, election=election, unit=unit, splits=[ledger.Split(c)],
                               description="Leaflets", amount_pence=limit - DAY_RATE - 100, category="unsolicited",
                               incurred_on=dt.date(2024, 6, 10), authorised_by="agent", status="planned")  # fmt: skip
    return admin, tour


def run(size: int | None = None, progress: bool = True, **_: Any) -> dict[str, Any]:
    stops = DEFAULT_STOPS if size is None else max(DAYS, size)
    started = time.perf_counter()
    admin, tour = _build(stops, progress)
    build_s = time.perf_counter() - started
    index = SeatIndex.from_database("2024")
    started = time.perf_counter()
    refused = []
    km = 0.0
    for day in tour.days.all():
        try:
            plan = services.plan_day(actor=admin, day=day, minimise=True, index=index)
            km += plan.km
        except PlanRefused as exc:
            refused.append(str(exc))
    plan_s = time.perf_counter() - started

    leg = Router(default_network(), Assumptions()).leg(Place("a", *DOVER), Place("b", *CARLISLE))
    points = [p for seg in leg.segments if seg.kind == NETWORK for p in seg.points]
    runs, crossed = [], []
    for _ in range(RUNS):
        t = time.perf_counter()
        crossed = index.crossed(points)
        runs.append(time.perf_counter() - t)
    return {
        "stops": Stop.objects.filter(day__tour=tour).count(),
        "days": tour.days.count(),
        "plan_s": round(plan_s, 3),
        "planned_km": round(km),
        "refused_days": len(refused),
        "crossing_s": round(statistics.median(runs), 4),
        "crossing_worst_s": round(max(runs), 4),
        "crossing_route_km": round(sum(seg.km for seg in leg.segments if seg.kind == NETWORK)),
        "crossing_seats": len(crossed),
        "build_s": round(build_s, 2),
        "timing": "plan_s: all days planned through services.plan_day (minimising); crossing_s: median of "
        f"{RUNS} runs of the crossing alone, the boundary index already built",
    }
