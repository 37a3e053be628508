"""'My nearest marginal': from a postcode, the nearest target seats by distance."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import shapely
from django.db.models import Count, Max
from shapely.geometry import shape

from groundswell.geography.lookup import lookup_postcode
from groundswell.geography.models import Constituency

from .events import upcoming_events
from .models import Projection
from .selectors import projection_boundary_set
from .services import Category, target_list

_CACHE: dict[str, dict] = {}


def centroids(boundary_set: str) -> dict[str, tuple[float, float]]:
    """ONS code → (lat, lon) of a point inside each loaded constituency of one set (cached until it changes)."""
    seats = Constituency.objects.filter(boundary_set=boundary_set)
    stamp = str(seats.aggregate(n=Count("pk"), t=Max("updated_at")))
    cached = _CACHE.get(boundary_set)
    if cached is None or cached["stamp"] != stamp:
        points = {}
        for code, simplified, geometry in seats.values_list("code", "simplified", "geometry"):
            text = simplified or geometry
            if not text:
                continue
            point = shapely.point_on_surface(shape(json.loads(text)))
            points[code] = (point.y, point.x)
        cached = _CACHE[boundary_set] = {"stamp": stamp, "points": points}
    return cached["points"]


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass
class NearbySeat:
    code: str
    name: str
    km: float
    category: str
    p_win: float
    events: list[dict] = field(default_factory=list)
    boundary_set: str = ""  # the projection's set, which `code` names a seat of


def nearest_targets(postcode: str, projection: Projection, party: str, limit: int = 5) -> tuple[str, list[NearbySeat]]:
    """(normalised postcode, the `limit` nearest attack/defend seats). Raises the lookup's errors for bad input."""
    found = lookup_postcode(postcode)
    if found.lat is None or found.lon is None:
        raise ValueError(f"{found.postcode} has no location in the postcode table")
    here = (found.lat, found.lon)
    boundary_set = projection_boundary_set(projection)  # seats, outlines and events all in the projection's set
    points = centroids(boundary_set)
    seats = [s for s in target_list(projection, party) if s.category in (Category.ATTACK, Category.DEFEND)]
    # The seat the postcode is in (in the projection's set) is 0 km away, however far its centre is.
    home = getattr(found, f"constituency_code_{boundary_set}", None)
    nearby = sorted(
        (
            NearbySeat(s.code, s.name, 0.0 if s.code == home else km_between(here, points[s.code]), s.category, s.p_win)
            for s in seats
            if s.code in points
        ),
        key=lambda s: s.km,
    )[:limit]
    events = upcoming_events([s.code for s in nearby], boundary_set=boundary_set)
    for seat in nearby:
        seat.events = events.get(seat.code, [])
        seat.boundary_set = boundary_set
    return found.postcode, nearby
