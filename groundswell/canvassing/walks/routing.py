"""Ordering the doors of one walk into a walking route. Pure Python + numpy: no database here.

A route is an *open* path (a canvasser is dropped at one end and picked up at the other), built in two steps:

1. Construction that follows how people canvass: each side of a numbered street (odd or even numbers) is a
   run walked in number order, flats of one building stay together, and runs are chained greedily by the
   nearest free run end — which on an ordinary street means up one side and back down the other.
2. Improvement by best-move 2-opt and Or-opt over great-circle distances, so a run is only reordered
   when that makes the walk shorter. Moves are scored for every pair at once with numpy, which keeps a
   60-door walk to a few milliseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Door:
    """One household's door as the router sees it."""

    key: int  # Property id (or any caller key)
    lat: float
    lon: float
    street: str = ""
    number: int | None = None
    label: str = ""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_matrix(lats: Sequence[float], lons: Sequence[float]) -> np.ndarray:
    """Pairwise haversine distances in metres."""
    lat = np.radians(np.asarray(lats, dtype=float))
    lon = np.radians(np.asarray(lons, dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def path_length(doors: Sequence[Door]) -> float:
    """Length in metres of walking the doors in the given order."""
    return sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in zip(doors, doors[1:], strict=False))


_NUM = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """'Flat 10' sorts after 'Flat 9'."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in _NUM.split(text or ""))


def _runs(doors: Sequence[Door]) -> list[list[int]]:
    """Indices grouped into runs walked in order: one per street side (odd/even numbers), flats kept together.

    Doors without a street number cannot be placed on a side, so each is a run of its own and the
    distance-based steps place it.
    """
    sides: dict[tuple[str, int], list[int]] = {}
    singles: list[list[int]] = []
    for i, d in enumerate(doors):
        if d.street and d.number is not None:
            sides.setdefault((d.street.lower(), d.number % 2), []).append(i)
        else:
            singles.append([i])
    runs = [
        sorted(idx, key=lambda i: (doors[i].number, natural_key(doors[i].label), doors[i].key))
        for _, idx in sorted(sides.items())
    ]
    return runs + singles


def _construct(doors: Sequence[Door], dist: np.ndarray) -> list[int]:
    """Greedy chaining of runs: start at the run end farthest from the walk's centre, then always walk
    to the nearest end of a run not yet walked, entering it from that end."""
    runs = _runs(doors)
    if not runs:
        return []
    lat_c = sum(d.lat for d in doors) / len(doors)
    lon_c = sum(d.lon for d in doors) / len(doors)
    # Starting at an extremity rather than the middle avoids walking out and back again.
    ends = [(r, 0) for r in range(len(runs))] + [(r, 1) for r in range(len(runs))]

    def end_door(run: int, which: int) -> int:
        return runs[run][0] if which == 0 else runs[run][-1]

    start_run, start_end = max(
        ends, key=lambda e: haversine_m(doors[end_door(*e)].lat, doors[end_door(*e)].lon, lat_c, lon_c)
    )
    order: list[int] = []
    free = set(range(len(runs)))
    run, which = start_run, start_end
    while True:
        free.discard(run)
        order.extend(runs[run] if which == 0 else reversed(runs[run]))
        if not free:
            return order
        here = order[-1]
        run, which = min(((r, w) for r in free for w in (0, 1)), key=lambda e: dist[here, end_door(*e)])


def _improve(tour: np.ndarray, dist: np.ndarray, max_rounds: int = 2000) -> np.ndarray:
    """Best-improvement 2-opt and Or-opt (segments of 1–3) on a closed tour; returns the improved tour.

    The open path is modelled as a closed tour through a dummy node at zero distance from every door:
    cutting the tour at the dummy gives the best open path for that tour.
    """
    n = len(tour)
    eps = 1e-7
    for _ in range(max_rounds):
        a = tour
        b = np.roll(tour, -1)
        # 2-opt: replace edges (a_i,b_i) and (a_j,b_j) with (a_i,a_j) and (b_i,b_j), reversing i+1..j.
        edge = dist[a, b]
        delta = dist[np.ix_(a, a)] + dist[np.ix_(b, b)] - edge[:, None] - edge[None, :]
        delta = np.triu(delta, 2)
        delta[0, n - 1] = 0.0  # those two edges are adjacent around the tour
        i, j = np.unravel_index(np.argmin(delta), delta.shape)
        if delta[i, j] < -eps:
            tour = np.concatenate([tour[: i + 1], tour[i + 1 : j + 1][::-1], tour[j + 1 :]])
            continue
        best = _best_or_move(tour, dist)
        if best is None:
            return tour
        tour = best
    return tour


def _best_or_move(tour: np.ndarray, dist: np.ndarray) -> np.ndarray | None:
    """The best relocation of a segment of 1–3 consecutive nodes (either way round), if it shortens the tour."""
    n = len(tour)
    best_gain, best_tour = -1e-7, None
    nxt = np.roll(tour, -1)
    link = dist[tour, nxt]  # edge from position p to p+1
    for k in (1, 2, 3):
        if n < k + 3:
            break
        starts = np.arange(n)
        s0 = tour[starts]
        se = tour[(starts + k - 1) % n]
        prev = tour[(starts - 1) % n]
        after = tour[(starts + k) % n]
        removal = dist[prev, s0] + dist[se, after] - dist[prev, after]
        # Insert between positions p and p+1 for every p.
        ins_fwd = dist[np.ix_(tour, s0)].T + dist[np.ix_(se, nxt)] - link[None, :]
        ins_rev = dist[np.ix_(tour, se)].T + dist[np.ix_(s0, nxt)] - link[None, :]
        cost = np.minimum(ins_fwd, ins_rev) - removal[:, None]
        # Forbid inserting into an edge that touches the segment itself (positions start-1 .. start+k-1).
        offsets = (np.arange(n)[None, :] - starts[:, None] + 1) % n
        cost[offsets <= k] = np.inf
        s, p = np.unravel_index(np.argmin(cost), cost.shape)
        if cost[s, p] < best_gain:
            best_gain = cost[s, p]
            seg_pos = [(s + t) % n for t in range(k)]
            segment = tour[seg_pos]
            if ins_rev[s, p] < ins_fwd[s, p]:
                segment = segment[::-1]
            anchor = tour[p]
            rest = [x for idx, x in enumerate(tour) if idx not in set(seg_pos)]
            at = rest.index(anchor) + 1
            best_tour = np.array(rest[:at] + list(segment) + rest[at:])
    return best_tour


def order_doors(doors: Sequence[Door]) -> list[int]:
    """Indices into `doors` in walking order (an open path)."""
    n = len(doors)
    if n <= 2:
        return list(range(n))
    dist = distance_matrix([d.lat for d in doors], [d.lon for d in doors])
    initial = _construct(doors, dist)
    # Add the dummy node (index n) at zero distance from everything to turn the open path into a tour.
    full = np.zeros((n + 1, n + 1))
    full[:n, :n] = dist
    tour = _improve(np.array([n, *initial]), full)
    at = int(np.where(tour == n)[0][0])
    path = [int(x) for x in np.concatenate([tour[at + 1 :], tour[:at]])]
    return path
