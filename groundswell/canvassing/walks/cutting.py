"""Turf cutting: households → walks of a chosen size, compact, streets and buildings kept together.

Pure planning over plain records (no database), so the benchmark and tests exercise exactly what
`services.cut_walks` runs. The steps:

1. Buildings: every door of one building (same street and number, or the same named block) is one
   indivisible unit, so flats in a block are never split between walks. A household is one door.
2. Street segments: buildings grouped by polling district and street. A street longer than the largest
   walk is split into stretches by number range (both sides together), so a canvasser still works one
   continuous stretch up one side and down the other.
3. Segments are put in a spatial sequence (polling districts, then segments within each, along a Hilbert
   curve), which keeps neighbours next to each other.
4. The sequence is partitioned by dynamic programming: each walk is a run of consecutive segments, chosen
   to minimise the walking between segments inside walks plus a penalty for straying from the target
   size, for mixing polling districts and (heavily) for leaving the size range. Cuts therefore fall at the
   big gaps between neighbourhoods rather than at fixed counts.
5. Each walk's doors are ordered into a route by `routing.order_doors`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .routing import Door, haversine_m, natural_key, order_doors, path_length


@dataclass(frozen=True)
class Household:
    """What cutting needs to know about one Property."""

    id: int
    polling_district: str
    street: str
    number: int | None
    label: str
    lat: float | None
    lon: float | None
    register_order: int = 0
    postcode: str = ""


@dataclass
class PlannedWalk:
    polling_district: str
    household_ids: list[int]  # in route order
    route_length_m: float
    streets: list[str] = field(default_factory=list)


@dataclass
class _Building:
    key: tuple
    pd: str
    street: str
    number: int | None
    doors: list[Door]

    @property
    def size(self) -> int:
        return len(self.doors)


@dataclass
class _Segment:
    pd: str
    street: str
    buildings: list[_Building]
    lat: float = 0.0
    lon: float = 0.0
    street_id: tuple = ()  # stretches of one street share this

    @property
    def size(self) -> int:
        return sum(b.size for b in self.buildings)

    def centre(self) -> None:
        doors = [d for b in self.buildings for d in b.doors]
        self.lat = sum(d.lat for d in doors) / len(doors)
        self.lon = sum(d.lon for d in doors) / len(doors)


def normalise_street(street: str) -> str:
    return " ".join((street or "").lower().replace(".", "").split())


# "Flat 3", "Apartment 2B", "Flat A," … at the start of a label: what follows is the building's name.
_FLAT_PREFIX = re.compile(r"^\s*(flat|apartment|apt|unit|room|maisonette|studio)\s+[\w/-]+[\s,]*", re.IGNORECASE)


def building_key(h: Household) -> tuple:
    """Doors sharing this key are one building and are never split between walks."""
    street = normalise_street(h.street)
    if h.number is not None and street:
        return ("number", street, h.number)
    stripped = _FLAT_PREFIX.sub("", h.label or "")
    if stripped != (h.label or "") and stripped.strip():
        # A named block ("Flat 3, Kings Court"): the flats share the name that is left.
        return ("named", street, stripped.strip(" ,").lower())
    return ("door", h.id)


def to_doors(households: Sequence[Household]) -> list[Door]:
    """Doors with coordinates, filling gaps from the best neighbours available.

    Registers are often only partly geocoded. A door without coordinates borrows the centre of its street,
    else its postcode, else its polling district, else everything; if nothing has coordinates at all,
    doors are laid along a line in register order so the route falls back to the register's own order.
    A tiny register-order offset keeps doors that share a point in register order rather than arbitrary.
    """
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for h in households:
        if h.lat is None or h.lon is None:
            continue
        for key in (
            ("street", h.polling_district, normalise_street(h.street)),
            ("postcode", h.postcode.replace(" ", "").upper()),
            ("pd", h.polling_district),
            ("all",),
        ):
            acc = sums[key]
            acc[0] += h.lat
            acc[1] += h.lon
            acc[2] += 1
    doors = []
    ranks = {h.id: r for r, h in enumerate(sorted(households, key=lambda h: (h.register_order, h.id)))}
    for h in households:
        lat, lon = h.lat, h.lon
        if lat is None or lon is None:
            for key in (
                ("street", h.polling_district, normalise_street(h.street)),
                ("postcode", h.postcode.replace(" ", "").upper()) if h.postcode else None,
                ("pd", h.polling_district),
                ("all",),
            ):
                if key and key in sums:
                    acc = sums[key]
                    lat, lon = acc[0] / acc[2], acc[1] / acc[2]
                    break
            else:
                lat, lon = 0.0, 0.0
            # About 10 cm per register position: enough to order, too little to matter to lengths.
            lat += ranks[h.id] * 1e-6
        doors.append(Door(key=h.id, lat=lat, lon=lon, street=h.street, number=h.number, label=h.label))
    return doors


def _hilbert_index(x: int, y: int, order: int = 16) -> int:
    """Position of (x, y) along a Hilbert curve over a 2^order grid: nearby positions are nearby points."""
    d = 0
    s = 1 << (order - 1)
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        s >>= 1
    return d


def _split_segment(seg: _Segment, piece_size: int) -> list[_Segment]:
    """Cut a street into short stretches (whole buildings, number ranges covering both sides), in order
    along the street. The partition decides which stretches share a walk; it pays a price for every
    street it divides, so a street is only divided when it is too long or the sizes cannot work otherwise."""
    if seg.size <= piece_size or len(seg.buildings) == 1:
        return [seg]
    pieces = math.ceil(seg.size / piece_size)
    buildings = seg.buildings
    if all(b.number is not None for b in buildings):
        # Number order interleaves the two sides, so each stretch covers both sides of the same length of road.
        ordered = sorted(buildings, key=lambda b: (b.number, b.key))
    else:
        # No numbers to go by: order along the street's main direction.
        lat0 = sum(b.doors[0].lat for b in buildings) / len(buildings)
        lon0 = sum(b.doors[0].lon for b in buildings) / len(buildings)
        xs = [(b.doors[0].lon - lon0) * math.cos(math.radians(lat0)) for b in buildings]
        ys = [b.doors[0].lat - lat0 for b in buildings]
        sxx = sum(x * x for x in xs)
        syy = sum(y * y for y in ys)
        sxy = sum(x * y for x, y in zip(xs, ys, strict=True))
        angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
        proj = {id(b): x * math.cos(angle) + y * math.sin(angle) for b, x, y in zip(buildings, xs, ys, strict=True)}
        ordered = sorted(buildings, key=lambda b: proj[id(b)])
    out: list[_Segment] = []
    current: list[_Building] = []
    done = 0
    for b in ordered:
        current.append(b)
        done += b.size
        # Close a stretch once the running total reaches its share of the street.
        if done >= seg.size * (len(out) + 1) / pieces and len(out) < pieces - 1:
            out.append(_Segment(seg.pd, seg.street, current))
            current = []
    if current:
        out.append(_Segment(seg.pd, seg.street, current))
    for piece in out:
        piece.centre()
    return out


def _segments(households: Sequence[Household], doors: Sequence[Door]) -> list[_Segment]:
    """Whole streets (per polling district), each a list of buildings."""
    by_building: dict[tuple, _Building] = {}
    for h, d in zip(households, doors, strict=True):
        key = building_key(h)
        if key not in by_building:
            by_building[key] = _Building(key, h.polling_district, normalise_street(h.street), h.number, [])
        by_building[key].doors.append(d)
    for b in by_building.values():
        b.doors.sort(key=lambda d: (natural_key(d.label), d.key))
    by_street: dict[tuple, list[_Building]] = defaultdict(list)
    for b in by_building.values():
        # Unnamed-street doors are not a street: each is placed on its own by position.
        street_key = (b.pd, b.street) if b.street else (b.pd, "", b.key)
        by_street[street_key].append(b)
    segments: list[_Segment] = []
    for (pd, street, *_), buildings in by_street.items():
        seg = _Segment(pd, street, buildings)
        seg.centre()
        segments.append(seg)
    return segments


def _spatial_sequence(segments: list[_Segment], piece_size: int) -> list[_Segment]:
    """Polling districts in Hilbert order of their centres, and each district's streets likewise; each
    street then becomes its stretches in order, entered from the end nearer the previous street."""
    if not segments:
        return []
    min_lat = min(s.lat for s in segments)
    min_lon = min(s.lon for s in segments)
    span = max(max(s.lat for s in segments) - min_lat, max(s.lon for s in segments) - min_lon) or 1.0
    scale = ((1 << 16) - 1) / span

    def h(lat: float, lon: float) -> int:
        return _hilbert_index(int((lon - min_lon) * scale), int((lat - min_lat) * scale))

    by_pd: dict[str, list[_Segment]] = defaultdict(list)
    for s in segments:
        by_pd[s.pd].append(s)

    def pd_key(pd: str) -> int:
        segs = by_pd[pd]
        total = sum(s.size for s in segs)
        return h(sum(s.lat * s.size for s in segs) / total, sum(s.lon * s.size for s in segs) / total)

    out: list[_Segment] = []
    for pd in sorted(by_pd, key=lambda p: (pd_key(p), p)):
        for street_no, street in enumerate(sorted(by_pd[pd], key=lambda s: (h(s.lat, s.lon), s.street))):
            pieces = _split_segment(street, piece_size)
            if out and len(pieces) > 1:
                last = out[-1]
                first_gap = haversine_m(last.lat, last.lon, pieces[0].lat, pieces[0].lon)
                if haversine_m(last.lat, last.lon, pieces[-1].lat, pieces[-1].lon) < first_gap:
                    pieces.reverse()
            for piece in pieces:
                piece.street_id = (pd, street_no)
            out.extend(pieces)
    return out


# Partition costs, in metres of walking, so they trade off against the gaps between segments.
SIZE_DEVIATION_COST = 1.0  # per door squared away from the target
MIXED_DISTRICT_COST = 2_000.0  # per change of polling district inside a walk
STREET_SPLIT_COST = 400.0  # per street divided between two walks
OUT_OF_RANGE_COST = 1_000_000.0  # per door outside min..max: only when nothing else is possible


def _partition(seq: list[_Segment], target_size: int, min_size: int, max_size: int) -> list[list[_Segment]]:
    """Cut the sequence into consecutive runs by dynamic programming (see the module docstring)."""
    n = len(seq)
    if n == 0:
        return []
    sizes = [s.size for s in seq]
    gaps = [0.0] + [haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in zip(seq, seq[1:], strict=False)]
    switch = [0] + [int(a.pd != b.pd) for a, b in zip(seq, seq[1:], strict=False)]
    # splits[i]: starting a walk at i divides a street (seq[i-1] and seq[i] are stretches of one street).
    splits = [0] + [int(a.street_id == b.street_id) for a, b in zip(seq, seq[1:], strict=False)]
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        size = 0
        inner = 0.0
        mixed = 0
        for i in range(j - 1, -1, -1):  # walk = seq[i:j]
            size += sizes[i]
            if i < j - 1:
                inner += gaps[i + 1]
                mixed += switch[i + 1]
            # Looking further back only makes walks bigger. A little past max_size is still considered,
            # because when pieces cannot be packed exactly, one slightly big walk beats one tiny walk.
            if size > max_size + min_size and i < j - 1:
                break
            out = max(0, min_size - size) + max(0, size - max_size)
            cost = (
                inner
                + SIZE_DEVIATION_COST * (size - target_size) ** 2
                + MIXED_DISTRICT_COST * mixed
                + OUT_OF_RANGE_COST * out
                + STREET_SPLIT_COST * splits[i]
            )
            if best[i] + cost < best[j]:
                best[j] = best[i] + cost
                back[j] = i
    walks = []
    j = n
    while j > 0:
        walks.append(seq[back[j] : j])
        j = back[j]
    return walks[::-1]


def plan_walks(
    households: Iterable[Household], target_size: int = 60, min_size: int = 40, max_size: int = 80
) -> list[PlannedWalk]:
    """Cut households into walks and route each one. Every household appears in exactly one walk."""
    if not 0 < min_size <= target_size <= max_size:
        raise ValueError("Need 0 < min_size <= target_size <= max_size")
    households = sorted(households, key=lambda h: (h.polling_district, h.register_order, h.id))
    if not households:
        return []
    doors = to_doors(households)
    # Stretches small enough that sizes can always be made to fit, large enough to keep the DP quick.
    piece_size = max(1, min_size // 4)
    seq = _spatial_sequence(_segments(households, doors), piece_size)
    planned = []
    for group in _partition(seq, target_size, min_size, max_size):
        walk_doors = [d for seg in group for b in seg.buildings for d in b.doors]
        route = [walk_doors[i] for i in order_doors(walk_doors)]
        pd_sizes: dict[str, int] = defaultdict(int)
        for seg in group:
            pd_sizes[seg.pd] += seg.size
        streets = []
        for seg in group:
            if seg.street and seg.street not in streets:
                streets.append(seg.street)
        planned.append(
            PlannedWalk(
                polling_district=max(sorted(pd_sizes), key=lambda p: pd_sizes[p]),
                household_ids=[d.key for d in route],
                route_length_m=path_length(route),
                streets=streets,
            )
        )
    return planned
