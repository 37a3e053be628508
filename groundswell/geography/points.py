"""Points inside areas: a seeded random point within a boundary (the demos place synthetic people, postcodes and
events with it). No Django here."""

from __future__ import annotations

import random

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry


def random_point_in(geometry: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A (lat, lon) inside `geometry` (lon/lat coordinates), drawn from `rng`; after 200 misses (a thin or
    ragged area), a point guaranteed to lie inside it."""
    min_x, min_y, max_x, max_y = geometry.bounds
    for _ in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if geometry.contains(Point(x, y)):
            return y, x
    point = geometry.representative_point()
    return point.y, point.x
