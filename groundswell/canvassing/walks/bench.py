"""`groundswell bench walks`: cut synthetic Reading-area addresses into walks and compare routes with OR-Tools.

The addresses are laid out like a town: neighbourhoods of streets on locally rotated grids, houses on both
sides (odd numbers one side, even the other) about 10 m apart, and some blocks of flats sharing one street
number. The cut (including writing the walks) is timed; then each walk's route length is compared with
OR-Tools solving the same doors as an open-path TSP.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from tqdm import tqdm

from groundswell.canvassing.models import CanvassCampaign, WalkStop
from groundswell.geography.models import Constituency
from groundswell.geography.selectors import current_boundary_set
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Property

from .routing import Door, distance_matrix, order_doors, path_length
from .services import cut_walks

BBOX = (51.43, 51.49, -1.02, -0.92)  # lat_min, lat_max, lon_min, lon_max around Reading
DEFAULT_ADDRESSES = 30_000
METRES_PER_DEG_LAT = 111_320.0
SOLVER_SECONDS_PER_WALK = 1.0
SOLVER_BUDGET_SECONDS = 60.0  # whole-bench budget for the reference solver; beyond it, sample walks


@dataclass(frozen=True)
class SyntheticAddress:
    street: str
    number: int
    label: str
    lat: float
    lon: float
    polling_district: str


def synthetic_addresses(count: int, seed: int = 7) -> list[SyntheticAddress]:
    """`count` addresses in neighbourhoods of streets; deterministic for a seed."""
    rng = random.Random(seed)
    lat_min, lat_max, lon_min, lon_max = BBOX
    cos_lat = math.cos(math.radians((lat_min + lat_max) / 2))
    out: list[SyntheticAddress] = []
    street_no = 0
    while len(out) < count:
        # A neighbourhood: a small grid of streets at a random angle.
        c_lat = rng.uniform(lat_min + 0.004, lat_max - 0.004)
        c_lon = rng.uniform(lon_min + 0.006, lon_max - 0.006)
        angle = rng.uniform(0, math.pi)
        spacing = rng.uniform(70, 140)  # metres between parallel streets
        rows = rng.randint(2, 6)
        for r in range(rows):
            for orientation in (0, 1):
                if len(out) >= count:
                    break
                street_no += 1
                name = f"{_STREET_NAMES[street_no % len(_STREET_NAMES)]} {_SUFFIXES[street_no % len(_SUFFIXES)]}"
                if street_no >= len(_STREET_NAMES):
                    name += f" {street_no // len(_STREET_NAMES) + 1}"
                length = rng.uniform(80, 700)
                offset = (r - rows / 2) * spacing
                a = angle + orientation * math.pi / 2
                # Street start (metres from the neighbourhood centre), running along direction a.
                sx = -math.sin(a) * offset - math.cos(a) * length / 2
                sy = math.cos(a) * offset - math.sin(a) * length / 2
                gap = rng.uniform(8, 14)
                houses_per_side = max(1, int(length / gap))
                pd = _district(c_lat, c_lon)
                for i in range(houses_per_side):
                    for side in (1, 0):  # odd numbers on the left, even on the right
                        number = 2 * i + (1 if side else 2)
                        along = i * gap + rng.uniform(-1.5, 1.5)
                        across = (12 if side else -12) + rng.uniform(-2, 2)
                        x = sx + math.cos(a) * along - math.sin(a) * across
                        y = sy + math.sin(a) * along + math.cos(a) * across
                        lat = c_lat + y / METRES_PER_DEG_LAT
                        lon = c_lon + x / (METRES_PER_DEG_LAT * cos_lat)
                        if rng.random() < 0.02:
                            # A block of flats: several households behind one street number.
                            for flat in range(1, rng.randint(6, 24) + 1):
                                out.append(SyntheticAddress(name, number, f"Flat {flat}", lat, lon, pd))
                        else:
                            out.append(SyntheticAddress(name, number, "", lat, lon, pd))
    return out[:count]


def _district(lat: float, lon: float) -> str:
    """Polling districts as a 6 × 4 grid over the box (a street takes its neighbourhood's district)."""
    lat_min, lat_max, lon_min, lon_max = BBOX
    col = min(5, int((lon - lon_min) / (lon_max - lon_min) * 6))
    row = min(3, int((lat - lat_min) / (lat_max - lat_min) * 4))
    return f"R{'ABCD'[row]}{col + 1}"


_STREET_NAMES = (
    "Abbey Alexandra Amity Auckland Blenheim Bulmershe Cardigan Cholmeley Crescent Donnington Eldon Erleigh "
    "Foxhill Grange Hamilton Hatherley Kendrick Kings London Lydford Melrose Newtown Oxford Palmer Queens "
    "Radstock St-Bartholomews St-Peters Sidmouth Southern Upper-Redlands Wokingham Whiteknights Wykeham"
).split()
_SUFFIXES = ["Road", "Street", "Avenue", "Close", "Gardens", "Lane", "Terrace", "Way"]


def solve_reference(doors: list[Door], seconds: float) -> float | None:
    """OR-Tools' open-path TSP length (metres) for these doors, or None if OR-Tools is missing or fails."""
    try:
        # Local: ortools is an optional (dev/bench) dependency; without it the comparison is skipped.
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: PLC0415
    except ImportError:  # pragma: no cover - ortools is a dev/bench dependency
        return None
    n = len(doors)
    if n <= 2:
        return path_length(doors)
    dist = distance_matrix([d.lat for d in doors], [d.lon for d in doors])
    # Node n is a dummy depot at zero distance from every door: a closed tour through it is an open path
    # with free ends. Centimetres keep integer arc costs precise.
    matrix = [[0] * (n + 1) for _ in range(n + 1)]
    for i in range(n):
        row = matrix[i]
        for j in range(n):
            row[j] = int(round(dist[i, j] * 100))
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, n)
    routing = pywrapcp.RoutingModel(manager)
    callback = routing.RegisterTransitCallback(lambda a, b: matrix[manager.IndexToNode(a)][manager.IndexToNode(b)])
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    order = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != n:
            order.append(doors[node])
        index = solution.Value(routing.NextVar(index))
    return path_length(order)


def _progress(items: list, enabled: bool, desc: str) -> Iterator:
    if not enabled:
        return iter(items)

    return iter(tqdm(items, desc=desc))


def run(size: int | None = None, progress: bool = True) -> dict:
    """Generate, load, cut (timed) and compare route lengths with OR-Tools."""
    count = size or DEFAULT_ADDRESSES
    started = time.perf_counter()
    addresses = synthetic_addresses(count)
    constituency, _ = Constituency.objects.get_or_create(
        boundary_set_id=current_boundary_set(), code="BENCH-WALKS", defaults={"name": "Bench walks"}
    )
    unit, _ = OrganisationUnit.objects.get_or_create(
        code="BENCH-WALKS", defaults={"name": "Bench walks", "kind": OrganisationUnit.Kind.CONSTITUENCY}
    )
    campaign = CanvassCampaign.objects.create(unit=unit, constituency=constituency, name="Bench walks")
    with transaction.atomic():
        Property.objects.bulk_create(
            [
                Property(
                    constituency=constituency,
                    polling_district=a.polling_district,
                    address_key=f"bench|{i}",
                    address_lines=[f"{a.label}, {a.number} {a.street}".lstrip(", "), "Reading"],
                    street=a.street,
                    house_number=a.number,
                    house_label=a.label,
                    latitude=a.lat,
                    longitude=a.lon,
                    register_order=i,
                    synthetic=True,
                )
                for i, a in enumerate(addresses)
            ],
            batch_size=2000,
        )
    load_s = time.perf_counter() - started

    t0 = time.perf_counter()
    walks = cut_walks(campaign, Property.objects.filter(constituency=constituency), name_prefix="Bench")
    cut_s = time.perf_counter() - t0

    # Read back what was stored, so the comparison is about the saved routes.
    props = {p.pk: p for p in Property.objects.filter(constituency=constituency).only("pk", "latitude", "longitude")}
    routes: dict[int, list[Door]] = {w.pk: [] for w in walks}
    for walk_id, household_id in (
        WalkStop.objects.filter(campaign=campaign).order_by("walk_id", "order").values_list("walk_id", "household_id")
    ):
        p = props[household_id]
        routes[walk_id].append(Door(key=p.pk, lat=p.latitude, lon=p.longitude))
    sizes = [len(r) for r in routes.values()]
    total_ours = sum(w.route_length_m for w in walks)

    # The solver gets SOLVER_SECONDS_PER_WALK per walk; if all walks do not fit the budget, an evenly
    # spaced sample is solved and the ratio is over that sample.
    walk_ids = sorted(routes)
    max_walks = max(1, int(SOLVER_BUDGET_SECONDS / SOLVER_SECONDS_PER_WALK))
    sample = walk_ids if len(walk_ids) <= max_walks else walk_ids[:: math.ceil(len(walk_ids) / max_walks)]
    ours_sample = solver_sample = naive_sample = 0.0
    worst = 0.0
    solved = 0
    register_rank = {p.pk: n for n, p in enumerate(sorted(props.values(), key=lambda p: p.pk))}
    t1 = time.perf_counter()
    for walk_id in _progress(sample, progress, "reference solver"):
        reference = solve_reference(routes[walk_id], SOLVER_SECONDS_PER_WALK)
        if reference is None:
            continue
        solved += 1
        ours = path_length(routes[walk_id])
        ours_sample += ours
        solver_sample += reference
        worst = max(worst, ours / reference if reference else 1.0)
        # The same doors in register order, to show what the ratio means (a naive walk sheet).
        naive_sample += path_length(sorted(routes[walk_id], key=lambda d: register_rank[d.key]))
    solver_s = time.perf_counter() - t1

    # Our router alone on the same sample, for a feel of its per-walk cost.
    t2 = time.perf_counter()
    for walk_id in sample:
        order_doors(routes[walk_id])
    route_s = time.perf_counter() - t2

    return {
        "addresses": count,
        "seconds": round(cut_s, 3),
        "cut_under_15s": cut_s < 15,
        "load_seconds": round(load_s, 3),
        "walks": len(walks),
        "walk_size_min": min(sizes) if sizes else 0,
        "walk_size_max": max(sizes) if sizes else 0,
        "walk_size_mean": round(sum(sizes) / len(sizes), 1) if sizes else 0,
        "walks_outside_40_80": sum(1 for s in sizes if not 40 <= s <= 80),
        "route_length_km_total": round(total_ours / 1000, 2),
        "solver": "ortools" if solved else "unavailable",
        "solver_seconds_per_walk": SOLVER_SECONDS_PER_WALK,
        "solver_sample_walks": solved,
        "solver_seconds": round(solver_s, 1),
        "route_ratio_to_solver": round(ours_sample / solver_sample, 6) if solver_sample else None,
        "route_ratio_worst_walk": round(worst, 4) if solved else None,
        "register_order_ratio_to_solver": round(naive_sample / solver_sample, 4) if solver_sample else None,
        "our_routing_ms_per_walk": round(1000 * route_s / max(1, len(sample)), 2),
    }
