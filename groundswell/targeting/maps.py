"""The national seat maps of the targeting pages: constituency outlines for the geographic map (the loaded boundaries
simplified once more, per process and boundary set) and the hex cartogram's colours for a projection.

Both maps draw the projection's own boundary set (`selectors.projection_boundary_set`): a 2010-set projection on
the 2010 outlines, a 2024-set one on the 2024 outlines and hexes. Codes of one set are never looked up in the other.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from django.db.models import Count, Max
from shapely.geometry import mapping, shape

from groundswell.geography.hexes import HexMap, build_hex_map, region_values
from groundswell.geography.models import Constituency

from .models import Projection
from .parties import COLOURS, LABELS
from .selectors import projection_boundary_set

# About 500 m, and islets dropped: invisible at the zoom a national map opens at, and it keeps the whole of
# Great Britain to well under a megabyte.
TOLERANCE = 0.005
MIN_PART_AREA = 2e-5  # square degrees, roughly 0.15 km²
_CACHE: dict[str, Any] = {}


def _round(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [_round(c) for c in coords]


def outlines(boundary_set: str) -> dict[str, dict]:
    """ONS code → {"name", "geometry"} for every loaded constituency of one set, cached until the boundaries change."""
    seats = Constituency.objects.filter(boundary_set=boundary_set)
    stamp = str(seats.aggregate(n=Count("pk"), t=Max("updated_at")))
    cached = _CACHE.get(boundary_set)
    if cached is not None and cached["stamp"] == stamp:
        return cached["outlines"]
    out = {}
    for code, name, simplified, geometry in seats.values_list("code", "name", "simplified", "geometry"):
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
    _CACHE[boundary_set] = {"stamp": stamp, "outlines": out}
    return out


def feature_collection(properties: dict[str, dict], boundary_set: str) -> dict:
    """Outlines of the seats of `boundary_set` in `properties` (code → feature properties), as GeoJSON."""
    shapes = outlines(boundary_set)
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code, **props}, "geometry": shapes[code]["geometry"]}
        for code, props in properties.items()
        if code in shapes
    ]
    return {"type": "FeatureCollection", "features": features}


# The same colours as the geographic map (static/targeting/map.js), so the two views read alike.
PROBABILITY_RAMP = [
    (0.0, "#f7f7f7"),
    (0.1, "#fee08b"),
    (0.25, "#fdae61"),
    (0.5, "#f46d43"),
    (0.75, "#d73027"),
    (0.9, "#7f0000"),
]
CATEGORY_COLOURS = {"defend": "#1d6b33", "attack": "#b3003c", "safe": "#7aa6d6", "out of reach": "#cccccc"}
HEX_SET = "2024"  # the set the shipped hex layout places (Open Innovations publishes the current seats)
COLOUR_MODES = ("probability", "winner")  # what the dashboard colours seats by: our chance, or who wins


def probability_colour(p: float) -> str:
    colour = PROBABILITY_RAMP[0][1]
    for threshold, ramp_colour in PROBABILITY_RAMP:
        if p >= threshold:
            colour = ramp_colour
    return colour


def winner_colour(party: str) -> str:
    return COLOURS.get(party, COLOURS["OTH"])


def winner_label(party: str, p_win: float) -> str:
    return f"{LABELS.get(party, party)} projected to win ({p_win:.0%} chance)"


def hex_map(
    projection: Projection | None, properties: dict[str, dict], mode: str, party_label: str, seat_url: str
) -> HexMap:
    """The hex cartogram of the current seats, coloured by the projection when it is on their boundary set.

    `properties` is code → {"p_win", "category", "winner", "winner_p"} as for the geographic map; `mode` is
    "probability" (our chance), "category" (defend/attack/…) or "winner" (the projected winner). Hexes exist for
    the 2024 set only; a projection on the 2010 set cannot colour them (its seats do not map one-to-one onto
    2024's), so then the map shows the 2024 seats by nation and region and says so rather than guessing."""
    boundary_set = HEX_SET
    if projection is not None and projection_boundary_set(projection) == boundary_set:
        if mode == "category":
            values = {c: (CATEGORY_COLOURS.get(p["category"], "#cccccc"), p["category"]) for c, p in properties.items()}
            legend = [(colour, name) for name, colour in CATEGORY_COLOURS.items()]
            title = f"Target seats for {party_label}, one hexagon per seat"
        elif mode == "winner":
            values = {
                c: (winner_colour(p["winner"]), winner_label(p["winner"], p.get("winner_p", 0.0)))
                for c, p in properties.items()
            }
            winners = sorted({p["winner"] for p in properties.values()}, key=lambda w: LABELS.get(w, w))
            legend = [(winner_colour(w), LABELS.get(w, w)) for w in winners]
            title = "The projected winner of each seat, one hexagon per seat"
        else:
            values = {c: (probability_colour(p["p_win"]), f"{p['p_win']:.0%} chance") for c, p in properties.items()}
            legend = [(colour, f"{threshold:.0%} or more") for threshold, colour in PROBABILITY_RAMP]
            title = f"{party_label}'s chance of winning each seat, one hexagon per seat"
        note = f"From projection #{projection.pk}, on the {boundary_set} boundaries."
        return build_hex_map(boundary_set, values, seat_url, legend, title, note=note)
    values, legend = region_values(boundary_set)
    note = "The 2024 seats by nation and region. " + (
        f"Projection #{projection.pk} is on the {projection_boundary_set(projection)} boundaries, whose seats "
        "do not map one-to-one onto these, so it is not shown here: the geographic map shows it."
        if projection is not None
        else "There is no projection to colour them by yet."
    )
    return build_hex_map(boundary_set, values, seat_url, legend, "The 2024 constituencies by nation and region", note)
