"""A national map's worth of constituency outlines: the loaded boundaries simplified once more, per process."""

from __future__ import annotations

import json
from typing import Any

import shapely
from django.db.models import Count, Max
from shapely.geometry import mapping, shape

from groundswell.geography.models import Constituency

# About 500 m, and islets dropped: invisible at the zoom a national map opens at, and it keeps the whole of
# Great Britain to well under a megabyte.
TOLERANCE = 0.005
MIN_PART_AREA = 2e-5  # square degrees, roughly 0.15 km²
_CACHE: dict[str, Any] = {}


def _round(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [_round(c) for c in coords]


def outlines() -> dict[str, dict]:
    """ONS code → {"name", "geometry"} for every loaded constituency, cached until the boundaries change."""
    stamp = str(Constituency.objects.aggregate(n=Count("pk"), t=Max("updated_at")))
    if _CACHE.get("stamp") == stamp:
        return _CACHE["outlines"]
    out = {}
    for code, name, simplified, geometry in Constituency.objects.values_list("code", "name", "simplified", "geometry"):
        text = simplified or geometry
        if not text:
            continue
        geom = shape(json.loads(text))
        parts = list(getattr(geom, "geoms", [geom]))
        if len(parts) > 1:
            largest = max(parts, key=lambda g: g.area)
            geom = shapely.MultiPolygon([g for g in parts if g is largest or g.area >= MIN_PART_AREA])
        geom = geom.simplify(TOLERANCE, preserve_topology=True)
        if geom.is_empty:
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        g = mapping(geom)
        out[code] = {"name": name, "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])}}
    _CACHE.update(stamp=stamp, outlines=out)
    return out


def feature_collection(properties: dict[str, dict]) -> dict:
    """Outlines of the seats in `properties` (code → feature properties), as GeoJSON."""
    shapes = outlines()
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code, **props}, "geometry": shapes[code]["geometry"]}
        for code, props in properties.items()
        if code in shapes
    ]
    return {"type": "FeatureCollection", "features": features}
