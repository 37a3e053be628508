"""Which constituencies a driven line passes through, in the order it enters them, with the km inside each.

The boundaries are the geography app's repaired, prepared polygons in an STRtree (`geography.lookup.Layer`): the
tree picks the seats whose boxes the line touches, one vectorised `intersection` cuts the line by them, and each
piece's position along the line orders the seats. A 500 km route takes a few tens of milliseconds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from groundswell.geography.boundaries import read_features
from groundswell.geography.geometry import drop_collapsed_rings
from groundswell.geography.lookup import Layer, get_index

KM_PER_DEGREE = 111.195


@dataclass
class Crossing:
    code: str
    name: str
    km: float
    enters_at_km: float  # along the line


def _km(geom: shapely.Geometry, lat: float) -> float:
    """The length of a lon/lat geometry in km (degrees of longitude shrink by cos(latitude))."""
    coords = shapely.get_coordinates(geom)
    if len(coords) < 2:
        return 0.0
    total = 0.0
    for part in shapely.get_parts(geom):
        xy = shapely.get_coordinates(part)
        if len(xy) < 2:
            continue
        dx = np.diff(xy[:, 0]) * math.cos(math.radians(lat))
        dy = np.diff(xy[:, 1])
        total += float(np.sum(np.hypot(dx, dy)))
    return total * KM_PER_DEGREE


def line_km(coords: list[tuple[float, float]]) -> float:
    """Length in km of a line given as (lat, lon) points."""
    if len(coords) < 2:
        return 0.0
    xy = np.array([(lon, lat) for lat, lon in coords])
    mean_lat = float(np.mean(xy[:, 1]))
    return _km(shapely.linestrings(xy), mean_lat)


class SeatIndex:
    """The constituencies of one boundary set, ready to be crossed by lines."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer

    @classmethod
    def from_database(cls, boundary_set: str) -> SeatIndex:
        return cls(get_index().constituencies_in(boundary_set))

    @classmethod
    def from_file(cls, path: Path | str, code_key: str = "PCON24CD", name_key: str = "PCON24NM") -> SeatIndex:
        """A boundary file read directly (tests and benchmarks): no database needed."""
        rows = []
        for i, feature in enumerate(read_features(Path(path))):
            props = feature.get("properties") or {}
            geometry, _ = drop_collapsed_rings(feature["geometry"])  # the quantised 2024 file collapses a few
            rows.append((i, props[code_key], props[name_key], json.dumps(geometry)))
        return cls(Layer(rows))

    def seat_at(self, lat: float, lon: float) -> tuple[str, str] | None:
        area = self.layer.find(lon, lat)
        return (area.code, area.name) if area else None

    def crossed(self, coords: list[tuple[float, float]]) -> list[Crossing]:
        """The seats a line of (lat, lon) points passes through, in the order it enters them."""
        if len(coords) < 2 or not len(self.layer):
            found = self.seat_at(*coords[0]) if coords else None
            return [Crossing(found[0], found[1], 0.0, 0.0)] if found else []
        xy = np.array([(lon, lat) for lat, lon in coords])
        line = shapely.linestrings(xy)
        hits = self.layer.tree.query(line, predicate="intersects")
        if not len(hits):
            return []
        pieces = shapely.intersection(self.layer.geometries[hits], line)
        mean_lat = float(np.mean(xy[:, 1]))
        deg_to_km = KM_PER_DEGREE  # positions along the line are read in degrees, then scaled
        out = []
        for index, piece in zip(hits, pieces, strict=True):
            if piece.is_empty:
                continue
            first = shapely.get_coordinates(piece)[0]
            enters = line.project(shapely.Point(first)) * deg_to_km
            area = self.layer.areas[int(index)]
            out.append(Crossing(area.code, area.name, round(_km(piece, mean_lat), 3), round(enters, 3)))
        out.sort(key=lambda c: (c.enters_at_km, c.code))
        return out
