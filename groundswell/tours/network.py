"""The road network a tour is routed on: a directed graph of junctions and links (networkx), read from a file in
the columns of England's Strategic Road Network graph (Strain, Wilson & Littleworth, data/roads/), or from a
network an organiser imported in the same columns.

A stop is joined to the network by a local leg to one of its nearest junctions: the straight line times a stated
detour factor, driven at a stated local speed. Links are driven at a speed by road class (motorway, trunk A-road).
A stop far from every junction (or outside England, where this network has no roads) is reached by the local-leg
rule alone, and the plan says so.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
from django.conf import settings

# The columns a network file must have (the SRN graph's names); other columns are ignored.
REQUIRED_COLUMNS = (
    "StartCluster", "EndCluster", "StartClusterLat", "StartClusterLon", "EndClusterLat", "EndClusterLon",
    "road", "dist",
)  # fmt: skip
EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Assumptions:
    """The routing assumptions a plan states: speeds by road class, the local leg's detour factor and speed, how
    many junctions a stop may join at and how far a stop may be from the network before the local rule applies."""

    motorway_kmh: float = 90.0  # a coach is limited to 100 km/h; a little under for traffic
    trunk_kmh: float = 70.0
    local_kmh: float = 40.0
    detour_factor: float = 1.3  # road distance over straight-line distance, off the network
    access_junctions: int = 4
    max_access_km: float = 25.0

    def speed(self, road: str) -> float:
        return self.motorway_kmh if road_class(road) == "motorway" else self.trunk_kmh

    def as_json(self) -> dict:
        return {
            "motorway_kmh": self.motorway_kmh, "trunk_kmh": self.trunk_kmh, "local_kmh": self.local_kmh,
            "detour_factor": self.detour_factor, "access_junctions": self.access_junctions,
            "max_access_km": self.max_access_km,
        }  # fmt: skip


def road_class(road: str) -> str:
    """M4, A1(M) and the file's few lower-case 'm' roads are motorways; every other road is a trunk A-road."""
    road = road.strip()
    return "motorway" if road[:1] in ("M", "m") or road.endswith("(M)") else "trunk"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


class NetworkError(ValueError):
    """A network file that cannot be read; the message names the line and column."""


@dataclass
class Link:
    start: str
    end: str
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    road: str
    km: float


def parse_links(text: str) -> list[Link]:
    """Every link of a network file, validated row by row; self-loops (an artefact of merging junctions) are
    dropped. Raises NetworkError naming every bad line (up to 20)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise NetworkError(f"the file has no column {', '.join(missing)} (it needs {', '.join(REQUIRED_COLUMNS)})")
    links: list[Link] = []
    errors: list[str] = []
    try:
        rows = list(reader)
    except csv.Error as exc:  # a stray carriage return or NUL byte inside a field
        raise NetworkError(f"line {reader.line_num}: not a CSV row ({exc})") from exc
    for line, row in enumerate(rows, start=2):
        try:
            link = Link(
                start=row["StartCluster"].strip(), end=row["EndCluster"].strip(),
                start_lat=float(row["StartClusterLat"]), start_lon=float(row["StartClusterLon"]),
                end_lat=float(row["EndClusterLat"]), end_lon=float(row["EndClusterLon"]),
                road=row["road"].strip(), km=float(row["dist"]),
            )  # fmt: skip
        except (TypeError, ValueError, AttributeError):  # AttributeError: a short row leaves fields as None
            errors.append(f"line {line}: a field is missing or a number is not a number")
            continue
        if not link.start or not link.end:
            errors.append(f"line {line}: StartCluster/EndCluster is empty")
        elif not (-90 <= link.start_lat <= 90 and -90 <= link.end_lat <= 90) or not (
            -180 <= link.start_lon <= 180 and -180 <= link.end_lon <= 180
        ):
            errors.append(f"line {line}: the latitude/longitude is out of range")
        elif not (0 < link.km < 1000) or not math.isfinite(link.km):
            errors.append(f"line {line}: dist {row['dist']!r} is not a length in km")
        elif link.start != link.end:
            links.append(link)
    if errors:
        raise NetworkError("; ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))
    if not links:
        raise NetworkError("the file has no links")
    return links


@dataclass
class Network:
    """The graph with each junction's position, and an array of positions for nearest-junction searches."""

    graph: nx.DiGraph
    name: str = ""
    nodes: list[str] = field(default_factory=list)
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_links(cls, links: Iterable[Link], name: str = "", assumptions: Assumptions | None = None) -> Network:
        a = assumptions or Assumptions()
        graph = nx.DiGraph()
        for link in links:
            graph.add_node(link.start, lat=link.start_lat, lon=link.start_lon)
            graph.add_node(link.end, lat=link.end_lat, lon=link.end_lon)
            minutes = 60 * link.km / a.speed(link.road)
            # Two links between the same junctions (slip roads merged): keep the faster.
            if graph.has_edge(link.start, link.end) and graph[link.start][link.end]["minutes"] <= minutes:
                continue
            graph.add_edge(link.start, link.end, km=link.km, road=link.road, minutes=minutes)
        nodes = list(graph.nodes)
        lat = np.array([graph.nodes[n]["lat"] for n in nodes])
        lon = np.array([graph.nodes[n]["lon"] for n in nodes])
        return cls(graph=graph, name=name, nodes=nodes, lat=lat, lon=lon)

    def nearest(self, lat: float, lon: float, k: int) -> list[tuple[str, float]]:
        """The k nearest junctions to a point with their straight-line distance in km."""
        p1, p2 = np.radians(lat), np.radians(self.lat)
        dl = np.radians(self.lon - lon)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        km = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        order = np.argsort(km)[:k]
        return [(self.nodes[i], float(km[i])) for i in order]

    def position(self, node: str) -> tuple[float, float]:
        data = self.graph.nodes[node]
        return data["lat"], data["lon"]


def read_network_file(path: Path | str, assumptions: Assumptions | None = None) -> Network:
    path = Path(path)
    return Network.from_links(parse_links(path.read_text(encoding="utf-8-sig")), path.name, assumptions)


_default: dict[tuple, Network] = {}


def default_network_path() -> Path:
    return Path(settings.DATA_DIR) / "roads" / "england_strategic_road_network.csv"


def default_network(assumptions: Assumptions | None = None) -> Network:
    """The shipped network (England's SRN), read once per process and set of assumptions."""
    a = assumptions or Assumptions()
    key = (str(default_network_path()), a)
    if key not in _default:
        _default[key] = read_network_file(key[0], a)
    return _default[key]
