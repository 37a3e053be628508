"""The hex cartogram: each constituency's place in a HexJSON layout, and the geometry of drawing one.

A national picture of 650 seats is unreadable on a geographic map at London's density; a cartogram gives every
seat one equal hexagon. Layouts are HexJSON (https://open-innovations.org/projects/hexmaps/hexjson): `layout` and
`hexes`, a mapping of ONS code → {"n": name, "q": column, "r": row, ...}. Only the "odd-r" layout (pointy-topped
hexes, odd rows shifted right) is read, which is the one Open Innovations publishes for constituencies.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import Constituency, Region

LAYOUT = "odd-r"


class HexImportError(ValueError):
    pass


@dataclass
class HexImportReport:
    source: str
    boundary_set: str
    placed: int = 0
    regions: int = 0  # seats whose region was set from the layout's region codes
    missing: list[str] = field(default_factory=list)  # seats of the set with no hex in the file

    def summary(self) -> str:
        text = f"{self.placed} {self.boundary_set}-set constituencies placed on the hex map from {self.source}"
        if self.missing:
            text += f"; {len(self.missing)} of the set have no hex: {', '.join(self.missing[:10])}"
        return text


def _read(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise HexImportError(f"{path}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HexImportError(f"{path.name}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("hexes"), dict):
        raise HexImportError(f"{path.name}: not a HexJSON file (it needs a 'hexes' object keyed by code)")
    if data.get("layout") != LAYOUT:
        raise HexImportError(f"{path.name}: layout {data.get('layout')!r} is not read; only {LAYOUT!r} layouts are")
    return data["hexes"]


def import_hexes(path: str | Path, boundary_set: str = "2024") -> HexImportReport:
    """Store each seat's (q, r) from a HexJSON file, in one transaction; every hex must name a loaded seat."""
    path = Path(path)
    hexes = _read(path)
    seats = {c.code: c for c in Constituency.objects.filter(boundary_set=boundary_set).only("id", "code", "name")}
    if not seats:
        raise HexImportError(
            f"{path.name}: no constituencies of the {boundary_set} set are loaded; import its boundaries first"
        )
    regions = {r.code: r.pk for r in Region.objects.all()}
    taken: dict[tuple[int, int], str] = {}
    report = HexImportReport(source=path.name, boundary_set=boundary_set)
    changed = []
    for code, cell in hexes.items():
        if not isinstance(cell, dict):
            raise HexImportError(f"{path.name}: hex {code} is not an object")
        q, r = cell.get("q"), cell.get("r")
        if not isinstance(q, int) or not isinstance(r, int) or isinstance(q, bool) or isinstance(r, bool):
            raise HexImportError(f"{path.name}: hex {code} ({cell.get('n', 'no name')}) needs whole numbers q and r")
        if code not in seats:
            raise HexImportError(
                f"{path.name}: hex {code} ({cell.get('n', 'no name')}) is not a constituency of the {boundary_set} set"
            )
        if (q, r) in taken:
            raise HexImportError(f"{path.name}: hexes {taken[(q, r)]} and {code} are both at q={q}, r={r}")
        taken[(q, r)] = code
        seat = seats[code]
        seat.hex_q, seat.hex_r = q, r
        if (region_id := regions.get(str(cell.get("region", "")))) is not None:
            seat.region_id = region_id
            report.regions += 1
        changed.append(seat)
    with transaction.atomic():
        Constituency.objects.filter(boundary_set=boundary_set).update(hex_q=None, hex_r=None)
        fields = ["hex_q", "hex_r", "region"] if report.regions else ["hex_q", "hex_r"]
        Constituency.objects.bulk_update(changed, fields, batch_size=500)
    report.placed = len(changed)
    report.missing = sorted(set(seats) - set(hexes))
    return report


@dataclass(frozen=True)
class Hex:
    """One seat's hexagon, ready to draw: its SVG polygon points and centre, in the map's own units."""

    code: str
    name: str
    points: str
    x: float
    y: float


def hex_polygons(cells: list[tuple[str, str, int, int]], size: float = 10.0) -> tuple[list[Hex], float, float]:
    """Lay (code, name, q, r) cells out as pointy-topped odd-r hexagons: (hexes, width, height).

    Rows count northwards in Open Innovations' layouts, so a larger r is drawn higher up."""
    if not cells:
        return [], 0.0, 0.0
    width = math.sqrt(3) * size
    corners = [
        (size * math.cos(math.radians(60 * i - 30)), size * math.sin(math.radians(60 * i - 30))) for i in range(6)
    ]
    centres = [(width * (q + 0.5 * (r & 1)), -1.5 * size * r) for _, _, q, r in cells]
    min_x = min(x for x, _ in centres) - width / 2
    min_y = min(y for _, y in centres) - size
    out = []
    for (code, name, _, _), (cx, cy) in zip(cells, centres, strict=True):
        x, y = cx - min_x, cy - min_y
        points = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in corners)
        out.append(Hex(code=code, name=name, points=points, x=round(x, 1), y=round(y, 1)))
    total_w = max(h.x for h in out) + width / 2
    total_h = max(h.y for h in out) + size
    return out, round(total_w, 1), round(total_h, 1)


# Open Innovations' colours for the nations and English regions (as in the shipped layout).
REGION_COLOURS = {
    "E12000001": "#D60303",
    "E12000002": "#1DD3A7",
    "E12000003": "#F9BC26",
    "E12000004": "#00B6FF",
    "E12000005": "#E6007C",
    "E12000006": "#FF6700",
    "E12000007": "#D73058",
    "E12000008": "#67E767",
    "E12000009": "#178CFF",
    "S92000003": "#2254F4",
    "W92000004": "#0DBC37",
    "N92000002": "#722EA5",
}
NO_DATA = "#dddddd"


@dataclass(frozen=True)
class MapHex:
    code: str
    name: str
    points: str
    fill: str
    label: str  # what the colour means for this seat, in words (the tooltip), so colour is never the only signal
    url: str


@dataclass
class HexMap:
    """Everything the `geography/_hexmap.html` template needs to draw one map."""

    title: str
    boundary_set: str
    hexes: list[MapHex]
    width: float
    height: float
    legend: list[tuple[str, str]]  # (colour, meaning)
    note: str = ""


def placed_seats(boundary_set: str) -> list[tuple[str, str, int, int]]:
    """(code, name, q, r) of the seats of `boundary_set` that have a place on the hex map."""
    return list(
        Constituency.objects.filter(boundary_set=boundary_set, hex_q__isnull=False, hex_r__isnull=False)
        .order_by("code")
        .values_list("code", "name", "hex_q", "hex_r")
    )


def build_hex_map(
    boundary_set: str,
    values: dict[str, tuple[str, str]],
    seat_url: str,
    legend: list[tuple[str, str]],
    title: str,
    note: str = "",
) -> HexMap:
    """A hex map of `boundary_set`'s seats, each filled with values[code] = (colour, label) ('no data' if absent);
    `seat_url` has CODE where each seat's code goes."""
    hexes, width, height = hex_polygons(placed_seats(boundary_set))
    drawn = []
    for h in hexes:
        fill, label = values.get(h.code, (NO_DATA, "no data"))
        drawn.append(MapHex(h.code, h.name, h.points, fill, label, seat_url.replace("CODE", h.code)))
    if any(h.fill == NO_DATA for h in drawn) and (NO_DATA, "no data") not in legend:
        legend = [*legend, (NO_DATA, "no data")]
    return HexMap(title, boundary_set, drawn, width, height, legend, note)


def region_values(boundary_set: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """Each seat coloured by its nation or English region: (values for build_hex_map, legend)."""
    rows = Constituency.objects.filter(boundary_set=boundary_set, region__isnull=False).values_list(
        "code", "region__code", "region__name"
    )
    values, legend = {}, {}
    for code, region_code, region_name in rows:
        colour = REGION_COLOURS.get(region_code, NO_DATA)
        values[code] = (colour, region_name)
        legend[region_name] = colour
    return values, [(colour, name) for name, colour in sorted(legend.items())]
