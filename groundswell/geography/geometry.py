"""Geometry helpers for boundary imports: repair, simplify for maps, reproject. No Django here."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.errors import UnsupportedGEOSVersionError
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

SIMPLIFY_RATIO = 5  # maps get fewer than a fifth of the points
COORD_DECIMALS = 6  # ~0.1 m: more digits only bloat the stored GeoJSON


def to_wgs84(features: list[dict[str, Any]], crs_name: str) -> list[dict[str, Any]]:
    """Reproject British National Grid (EPSG:27700) files, which many ONS downloads are, to lon/lat."""
    if not features:
        return features
    is_bng = "27700" in crs_name
    if not is_bng and not crs_name:
        first = next((f["geometry"] for f in features if f.get("geometry")), None)
        if first is not None:
            x, y = shapely.get_coordinates(shape(first))[0]
            is_bng = abs(x) > 180 or abs(y) > 90  # metres, not degrees
    if not is_bng:
        return features

    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    for feature in features:
        if feature.get("geometry"):
            feature["geometry"] = shapely.geometry.mapping(shapely.transform(shape(feature["geometry"]), project))
    return features


def clean_geometry(geometry: dict[str, Any]) -> BaseGeometry:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry, repairing self-intersections."""
    return repair_geometry(geometry)[0]


def drop_collapsed_rings(geometry: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Quantised files collapse tiny islands and holes into rings of fewer than four positions, which no polygon
    can have: drop those rings (a polygon whose outer ring collapsed goes with it). Returns (geometry, dropped)."""

    def ring_ok(ring: Any) -> bool:
        return isinstance(ring, list) and len({tuple(p[:2]) for p in ring if isinstance(p, list)}) >= 3

    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon") or not isinstance(coordinates, list):
        return geometry, 0
    polygons = [coordinates] if kind == "Polygon" else coordinates
    kept, dropped = [], 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            kept.append(polygon)
            continue
        if not ring_ok(polygon[0]):
            dropped += len(polygon)
            continue
        rings = [polygon[0]] + [ring for ring in polygon[1:] if ring_ok(ring)]
        dropped += len(polygon) - len(rings)
        kept.append(rings)
    if not dropped:
        return geometry, 0
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": kept[0] if kept else []}, dropped
    return {"type": "MultiPolygon", "coordinates": kept}, dropped


def repair_geometry(geometry: dict[str, Any]) -> tuple[BaseGeometry, bool]:
    """(a valid Polygon or MultiPolygon, whether it needed repair) from a GeoJSON geometry.

    Repair means collapsed rings dropped or an invalid shape (self-intersections, quantisation's touching rings)
    rebuilt by make_valid with only its polygonal parts kept."""
    geometry, dropped = drop_collapsed_rings(geometry)
    geom = shape(geometry)
    geom = shapely.transform(geom, lambda coords: np.round(coords, COORD_DECIMALS))
    return repaired(geom), bool(dropped) or not geom.is_valid


def repaired(geom: BaseGeometry) -> BaseGeometry:
    """`geom` itself when valid, else a valid Polygon or MultiPolygon covering the same ground.

    Point-in-polygon on an invalid polygon (a self-intersecting ring, as in 127 areas of the 2024 BGC file)
    gives wrong answers or GEOS errors, so boundaries are repaired on import and before building lookup trees.
    """
    if geom.is_valid:
        return geom
    # The "structure" method rebuilds polygons from their rings (holes stay holes, spikes and
    # figure-of-eight loops become separate parts) and is several times faster than "linework".
    try:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    except (TypeError, ValueError, UnsupportedGEOSVersionError):  # GEOS < 3.10
        geom = shapely.make_valid(geom)
    # make_valid can leave slivers as lines or points next to the polygons; only areas matter here.
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            polygons.extend(p for p in shapely.get_parts(part) if isinstance(p, Polygon))
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    if not polygons:
        return Polygon()
    result = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    if not result.is_valid:  # overlapping parts after extraction
        result = result.buffer(0)
    return result


def simplify_for_maps(geom: BaseGeometry) -> BaseGeometry:
    """Simplify until fewer than 1/SIMPLIFY_RATIO of the points remain (or the shape would be lost)."""
    points = shapely.get_num_coordinates(geom)
    minx, miny, maxx, maxy = geom.bounds
    diagonal = float(np.hypot(maxx - minx, maxy - miny)) or 1e-6
    tolerance = diagonal / 1000
    simplified = geom
    # Doubling the tolerance converges in a handful of steps; the cap stops a tiny island or a
    # near-rectangular area being reduced to nothing when it has few points to begin with.
    while tolerance < diagonal / 10:
        simplified = geom.simplify(tolerance, preserve_topology=True)
        if shapely.get_num_coordinates(simplified) * SIMPLIFY_RATIO < points:
            break
        tolerance *= 2
    if simplified.is_empty or not simplified.is_valid:
        simplified = shapely.make_valid(simplified) if not simplified.is_empty else geom
    return simplified
