"""Distances and the coarse grid the map search prefilters with.

Cells are 0.1° of latitude by 0.1° of longitude (about 11 km × 7 km in Britain). A radius search turns its
bounding box into the list of cells it touches; the exact distance is then the haversine on the sphere.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import ExpressionWrapper, F, FloatField, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
CELL_DEG = 0.1
_LNG_CELLS = 3600  # cells per row of longitude (−180…180)
MAX_CELLS = 600  # beyond this the search uses a plain latitude/longitude box instead of a cell list


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_sql(lat: float, lon: float) -> Any:
    """The same great-circle distance (km) from (lat, lon) to each row's latitude/longitude, as a SQL expression
    (PostgreSQL has the functions built in; Django adds them to SQLite)."""
    p1 = math.radians(lat)
    rlat, rlon = Radians(F("latitude")), Radians(F("longitude"))
    h = Power(Sin((rlat - Value(p1)) / Value(2.0)), 2) + Value(math.cos(p1)) * Cos(rlat) * Power(
        Sin((rlon - Value(math.radians(lon))) / Value(2.0)), 2
    )
    return ExpressionWrapper(Value(2 * EARTH_KM) * ASin(Sqrt(h)), output_field=FloatField())


def _row(lat: float) -> int:
    return math.floor(lat / CELL_DEG) + 900


def _col(lon: float) -> int:
    return math.floor(lon / CELL_DEG) + 1800


def cell_of(lat: float | None, lon: float | None) -> int | None:
    if lat is None or lon is None:
        return None
    return _row(lat) * _LNG_CELLS + _col(lon)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) enclosing every point within radius_km (a little generous)."""
    dlat = math.degrees(radius_km / EARTH_KM)
    # Longitude degrees shrink with latitude; use the widest latitude in the box so nothing at its edge is missed.
    widest = min(89.0, abs(lat) + dlat)
    dlon = math.degrees(radius_km / (EARTH_KM * math.cos(math.radians(widest))))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def cells_for_box(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> list[int] | None:
    """Every cell the box touches, or None when there are too many to list (the caller filters on lat/lon)."""
    rows = range(_row(min_lat), _row(max_lat) + 1)
    cols = range(_col(min_lon), _col(max_lon) + 1)
    if len(rows) * len(cols) > MAX_CELLS:
        return None
    return [r * _LNG_CELLS + c for r in rows for c in cols]
