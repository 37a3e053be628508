"""A small TopoJSON decoder: turns a topology's objects into GeoJSON features.

Written here rather than pulled in as a dependency because only a fraction of the format matters
for boundary files: quantised, delta-encoded arcs, shared-arc references (negative = reversed) and
the polygon geometry types. Spec: https://github.com/topojson/topojson-specification
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


class TopoJSONError(ValueError):
    pass


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Return every arc as an (n, 2) float array of absolute lon/lat positions."""
    transform = topology.get("transform")
    arcs: list[np.ndarray] = []
    for index, arc in enumerate(topology.get("arcs", [])):
        try:
            points = np.asarray([position[:2] for position in arc], dtype=float).reshape(-1, 2)
        except (TypeError, ValueError) as exc:
            raise TopoJSONError(f"arc {index} is not a list of [x, y] positions") from exc
        if transform:
            # Quantised topologies store the first position absolutely and the rest as deltas
            # from the previous one, all in integer grid units.
            points = np.cumsum(points, axis=0)
            points = points * np.asarray(transform["scale"], dtype=float) + np.asarray(
                transform["translate"], dtype=float
            )
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[np.ndarray]) -> list[list[float]]:
    """Stitch arcs into one ring. Consecutive arcs share an end point, so each later arc drops its first."""
    parts: list[np.ndarray] = []
    for position, index in enumerate(indices):
        try:
            # A negative index ~i means arc i walked backwards (the one's-complement, so -1 is arc 0).
            arc = arcs[~index][::-1] if index < 0 else arcs[index]
        except (IndexError, TypeError) as exc:
            raise TopoJSONError(f"arc index {index!r} does not exist (the topology has {len(arcs)} arcs)") from exc
        parts.append(arc if position == 0 else arc[1:])
    if not parts:
        return []
    ring = np.concatenate(parts)
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])  # be forgiving about topologies whose rings do not close
    return ring.tolist()


def decode_geometry(obj: dict[str, Any], arcs: list[np.ndarray], transform: dict | None) -> dict | None:
    """Decode one TopoJSON geometry object into a GeoJSON geometry dict (None for a null geometry)."""
    kind = obj.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(ring, arcs) for ring in obj["arcs"]]}
    if kind == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring(ring, arcs) for ring in polygon] for polygon in obj["arcs"]],
        }
    if kind == "GeometryCollection":
        geometries = [decode_geometry(child, arcs, transform) for child in obj.get("geometries", [])]
        return {"type": "GeometryCollection", "geometries": [g for g in geometries if g is not None]}
    if kind in {"Point", "MultiPoint"}:
        # Positions (not arcs) are quantised too but not delta-encoded.
        def position(p: list[float]) -> list[float]:
            if not transform:
                return list(p[:2])
            return [p[i] * transform["scale"][i] + transform["translate"][i] for i in (0, 1)]

        if kind == "Point":
            return {"type": "Point", "coordinates": position(obj["coordinates"])}
        return {"type": "MultiPoint", "coordinates": [position(p) for p in obj["coordinates"]]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": _line(obj["arcs"], arcs)}
    if kind == "MultiLineString":
        return {"type": "MultiLineString", "coordinates": [_line(line, arcs) for line in obj["arcs"]]}
    raise TopoJSONError(f"unknown TopoJSON geometry type {kind!r}")


def _line(indices: list[int], arcs: list[np.ndarray]) -> list[list[float]]:
    parts = []
    for position, index in enumerate(indices):
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        parts.append(arc if position == 0 else arc[1:])
    return np.concatenate(parts).tolist() if parts else []


def iter_features(topology: dict[str, Any], object_name: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield GeoJSON features for the members of one object (the only one, or `object_name`)."""
    if topology.get("type") != "Topology":
        raise TopoJSONError("not a TopoJSON file (its type is not 'Topology')")
    objects = topology.get("objects") or {}
    if not objects:
        raise TopoJSONError("the topology has no objects")
    if object_name is None:
        if len(objects) > 1:
            raise TopoJSONError(f"the topology has several objects ({', '.join(objects)}); say which one")
        object_name = next(iter(objects))
    if object_name not in objects:
        raise TopoJSONError(f"the topology has no object {object_name!r} (it has {', '.join(objects)})")
    arcs = decode_arcs(topology)
    transform = topology.get("transform")
    obj = objects[object_name]
    members = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" else [obj]
    for member in members:
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": member.get("properties") or {},
            "geometry": decode_geometry(member, arcs, transform),
        }
        if "id" in member:
            feature["id"] = member["id"]
        yield feature


def to_feature_collection(topology: dict[str, Any], object_name: str | None = None) -> dict[str, Any]:
    """The whole object as a GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(iter_features(topology, object_name))}
