"""Routing a day: the driven path between points over the network, and the order of the day's stops within their
time windows (OR-Tools' routing solver with a time dimension).

Between two points the bus either drives a local leg straight there (near each other, or no junction within reach)
or joins the network at one of each point's nearest junctions and leaves it at one of the other's. The cost of a
choice is its minutes plus, when asked to minimise local attribution, a penalty for each seat near its limit that a
local leg crosses without a stop in it: the planner then prefers a junction that keeps the bus on the network there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .crossings import SeatIndex
from .network import Assumptions, Network, haversine_km

NETWORK = "network"
LOCAL = "local"
DIRECT_KM = 12.0  # closer than this, a local leg straight there is always considered


@dataclass
class Segment:
    """A piece of a leg: on the network (a junction path) or a local leg (a straight line × detour factor)."""

    kind: str
    points: list[tuple[float, float]]  # (lat, lon)
    km: float
    minutes: float
    roads: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"kind": self.kind, "points": [[round(a, 5), round(b, 5)] for a, b in self.points],
                "km": round(self.km, 2), "minutes": round(self.minutes, 1), "roads": self.roads}  # fmt: skip


@dataclass
class Leg:
    segments: list[Segment]
    cost: float  # minutes plus any penalty
    note: str = ""

    @property
    def minutes(self) -> float:
        return sum(s.minutes for s in self.segments)

    @property
    def km(self) -> float:
        return sum(s.km for s in self.segments)


@dataclass
class Place:
    """A point the bus visits: a stop or the day's start or end."""

    key: str
    lat: float
    lon: float
    seat: str = ""  # its constituency code, if known


Penalty = Callable[[list[tuple[float, float]], set[str]], float]


class Router:
    """Legs between places on one network, with shortest paths from each access junction computed once."""

    def __init__(self, network: Network, assumptions: Assumptions, penalty: Penalty | None = None,
                 stop_seats: set[str] | None = None) -> None:  # fmt: skip
        self.network = network
        self.a = assumptions
        self.penalty = penalty
        self.stop_seats = stop_seats or set()
        self._paths: dict[str, tuple[dict, dict]] = {}
        self._access: dict[str, list[tuple[str, float, float, float]]] = {}

    def _local(self, p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        km = haversine_km(p[0], p[1], q[0], q[1]) * self.a.detour_factor
        return km, 60 * km / self.a.local_kmh

    def access(self, place: Place) -> list[tuple[str, float, float, float]]:
        """The junctions a place may join at: (junction, km, minutes, penalty)."""
        if place.key not in self._access:
            found = []
            for node, straight in self.network.nearest(place.lat, place.lon, self.a.access_junctions):
                if straight > self.a.max_access_km:
                    continue
                km, minutes = self._local((place.lat, place.lon), self.network.position(node))
                pen = self.penalty([(place.lat, place.lon), self.network.position(node)], self.stop_seats) if (
                    self.penalty) else 0.0  # fmt: skip
                found.append((node, km, minutes, pen))
            self._access[place.key] = found
        return self._access[place.key]

    def _from(self, node: str) -> tuple[dict, dict]:
        if node not in self._paths:
            self._paths[node] = nx.single_source_dijkstra(self.network.graph, node, weight="minutes")
        return self._paths[node]

    def leg(self, a: Place, b: Place) -> Leg:
        """The cheapest way from a to b."""
        pa, pb = (a.lat, a.lon), (b.lat, b.lon)
        best: tuple[float, tuple | None] = (float("inf"), None)
        ja, jb = self.access(a), self.access(b)
        straight = haversine_km(*pa, *pb)
        if straight <= DIRECT_KM or not ja or not jb:
            km, minutes = self._local(pa, pb)
            pen = self.penalty([pa, pb], self.stop_seats) if self.penalty else 0.0
            best = (minutes + pen, None)
        for na, _, ma, pena in ja:
            dist, _ = self._from(na)
            for nb, _, mb, penb in jb:
                if nb not in dist:
                    continue
                cost = ma + pena + dist[nb] + mb + penb
                if cost < best[0]:
                    best = (cost, (na, nb))
        if best[1] is None:
            km, minutes = self._local(pa, pb)
            note = "" if straight <= DIRECT_KM else (
                "no junction of the network within reach: the local-leg rule is used "
                f"({straight:.0f} km straight × {self.a.detour_factor} at {self.a.local_kmh:.0f} km/h)"
            )  # fmt: skip
            return Leg([Segment(LOCAL, [pa, pb], km, minutes)], best[0], note)
        na, nb = best[1]
        _, paths = self._from(na)
        nodes = paths[nb]
        points = [self.network.position(n) for n in nodes]
        km = minutes = 0.0
        roads: list[str] = []
        for u, v in zip(nodes, nodes[1:], strict=False):
            edge = self.network.graph[u][v]
            km += edge["km"]
            minutes += edge["minutes"]
            if not roads or roads[-1] != edge["road"]:
                roads.append(edge["road"])
        ka, ma = self._local(pa, points[0])
        kb, mb = self._local(points[-1], pb)
        segments = [Segment(LOCAL, [pa, points[0]], ka, ma)]
        if len(points) > 1:
            segments.append(Segment(NETWORK, points, km, minutes, roads))
        segments.append(Segment(LOCAL, [points[-1], pb], kb, mb))
        return Leg(segments, best[0])


def seat_penalty(index: SeatIndex, at_risk: dict[str, float]) -> Penalty:
    """A penalty in minutes for a local leg crossing seats near their limit (`at_risk`: code → penalty) that have
    no stop of the day."""

    def penalty(points: list[tuple[float, float]], stop_seats: set[str]) -> float:
        return sum(at_risk.get(c.code, 0.0) for c in index.crossed(points) if c.code not in stop_seats)

    return penalty


@dataclass
class Visit:
    key: str
    window: tuple[int, int]  # earliest arrival, latest arrival (minutes after midnight)
    minutes_on_site: int


class NoSchedule(ValueError):
    """No order of the stops meets every time window."""


def order_stops(
    visits: list[Visit], cost: list[list[float]], minutes: list[list[float]], day: tuple[int, int],
    time_limit_s: float = 2.0,
) -> list[tuple[int, int]]:  # fmt: skip
    """The order of the stops (indices 1..n; 0 is the start, n+1 the end) and the arrival minute at each place,
    minimising the summed cost within the time windows. `day`: the start's departure and the end's latest arrival."""
    n = len(visits)
    size = n + 2
    manager = pywrapcp.RoutingIndexManager(size, 1, [0], [n + 1])
    routing = pywrapcp.RoutingModel(manager)

    def arc_cost(i: int, j: int) -> int:
        return int(round(cost[manager.IndexToNode(i)][manager.IndexToNode(j)] * 10))

    service = [0] + [v.minutes_on_site for v in visits] + [0]

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(round(minutes[a][b])) + service[a]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc_cost))
    time_cb = routing.RegisterTransitCallback(transit)
    routing.AddDimension(time_cb, 24 * 60, 48 * 60, False, "time")
    dim = routing.GetDimensionOrDie("time")
    dim.CumulVar(routing.Start(0)).SetRange(day[0], day[0])
    dim.CumulVar(routing.End(0)).SetRange(day[0], day[1])
    for i, visit in enumerate(visits, start=1):
        dim.CumulVar(manager.NodeToIndex(i)).SetRange(*visit.window)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    # Greedy descent (the default) stops at a local optimum: quick enough for a day's handful of stops.
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise NoSchedule("no order of the stops reaches each within its time window; widen a window or drop a stop")
    out = []
    index = routing.Start(0)
    while True:
        node = manager.IndexToNode(index)
        out.append((node, solution.Min(dim.CumulVar(index))))
        if routing.IsEnd(index):
            break
        index = solution.Value(routing.NextVar(index))
    return out
