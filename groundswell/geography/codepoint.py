"""Ordnance Survey Code-Point Open (the lat/lon CSV layout) read into postcodes with a seat in every boundary set.

The file gives each Great Britain postcode a position but no constituency, so after every row has been checked the
points are placed, all at once, in the loaded constituencies of each boundary set (2010 and 2024) and in the
loaded wards (vectorised point-in-polygon, `lookup.Layer.find_many`). Nothing touches the database here: the
caller writes the rows in one transaction.

What counts as "outside Great Britain" (refused, naming the line): a postcode in an area that is not British
(Northern Ireland's BT, the Channel Islands' GY and JE, the Isle of Man's IM), a country code other than England's,
Scotland's or Wales's, or a position outside Great Britain's extent (49.8–60.9° N, 8.7° W–1.8° E). A position
inside that extent but in no loaded boundary is not an error (a council may load only its own seats): it gets
no seat in that set, except that when a set covering Great Britain is loaded, a coastal postcode that the
generalised coastline leaves just offshore takes the nearest seat within about a kilometre.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .lookup import BoundaryIndex
from .models import BOUNDARY_SETS
from .postcodes import InvalidPostcode, PostcodeImportError, normalise_postcode

# The columns of the Code-Point Open lat/lon CSV (data/postcodes/rg_codepoint_open_2014_latlon.csv).
CODEPOINT_COLUMNS = (
    "postcode",
    "latitude",
    "longitude",
    "eastings",
    "northings",
    "positional_quality",
    "country_code",
    "admin_county_code",
    "admin_district_code",
    "admin_ward_code",
)
_REQUIRED = ("postcode", "latitude", "longitude")
GB_COUNTRIES = {"E92000001": "England", "S92000003": "Scotland", "W92000004": "Wales"}
NOT_GB_AREAS = {"BT": "Northern Ireland", "GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man"}
# Great Britain's extent, with a margin: the Scilly Isles to Shetland, St Kilda to Lowestoft.
GB_LATITUDE = (49.8, 60.9)
GB_LONGITUDE = (-8.7, 1.8)
# A set with at least this many seats covers Great Britain (the 2010 set has 632 there, the 2024 set 650 in
# the UK), so a point in none of them is offshore of the generalised coastline, not outside a partial load.
NATIONAL_SEATS = 600
SNAP_DEGREES = 0.01  # ~1.1 km north-south, ~0.7 km east-west at British latitudes
_CODE_MAX = 12
# A postcode already in display form with the letters normalise_postcode allows (no Q, V, X first; no I, J, Z
# second): most rows of a real file, which then skip the slower general parse.
_DISPLAY = re.compile(r"[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}")


def is_codepoint_header(header: list[str]) -> bool:
    """Code-Point Open's lat/lon layout names its first column `postcode`; ONSPD's never does (pcd, pcds...)."""
    cleaned = {h.strip().strip('"').lower() for h in header}
    return "postcode" in cleaned and ("eastings" in cleaned or "positional_quality" in cleaned)


@dataclass
class CodePointRows:
    """The checked rows of a Code-Point file, one entry per distinct postcode (a repeated postcode: last row)."""

    postcodes: list[str] = field(default_factory=list)
    lat: list[float | None] = field(default_factory=list)
    lon: list[float | None] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    wards: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read, repeats included
    missing_coordinates: int = 0


@dataclass
class Assignment:
    """Each postcode's seat code per boundary set and its ward code, in the order of CodePointRows."""

    seats: dict[str, list[str]]
    wards: list[str]
    outside: dict[str, int]  # per set: postcodes with coordinates that no loaded seat contains
    snapped: dict[str, int]  # per set: coastal postcodes given the nearest seat


def _position(header: list[str], source: str) -> dict[str, int | None]:
    cleaned = [h.strip().strip('"').lower() for h in header]
    positions = {name: (cleaned.index(name) if name in cleaned else None) for name in CODEPOINT_COLUMNS}
    missing = [name for name in _REQUIRED if positions[name] is None]
    if missing:
        raise PostcodeImportError(
            f"{source}: a Code-Point Open file needs the column(s) {', '.join(missing)}; "
            f"found: {', '.join(h for h in cleaned if h) or '(nothing)'}"
        )
    return positions


def _code(value: str, what: str, where: str) -> str:
    value = value.strip()
    if len(value) > _CODE_MAX:
        raise PostcodeImportError(f"{where}: {what} {value[:40]!r} is too long to be an ONS code")
    if "\x00" in value:  # PostgreSQL cannot store NUL in text
        raise PostcodeImportError(f"{where}: contains a NUL character (the file is damaged)")
    return value


def _coordinate(text: str, what: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise PostcodeImportError(f"{where}: {what} {text[:40]!r} is not a number") from None


def read_codepoint_rows(
    reader: Any, header: list[str], source: str, tick: Callable[[], None], every: int = 20_000
) -> CodePointRows:
    """Check every row of a Code-Point CSV (`reader` a csv.reader past the header); raise PostcodeImportError
    naming the line of the first bad one. `tick` is called every `every` rows (a progress bar)."""
    positions = _position(header, source)
    width = len(header)
    at = {name: (index if index is not None else width) for name, index in positions.items()}
    pad = any(index is None for index in positions.values())
    i_pc, i_lat, i_lon = at["postcode"], at["latitude"], at["longitude"]
    i_country, i_district, i_ward = at["country_code"], at["admin_district_code"], at["admin_ward_code"]
    out = CodePointRows()
    where_is: dict[str, int] = {}  # postcode → its index in `out`
    display = _DISPLAY.fullmatch
    lat_low, lat_high = GB_LATITUDE
    lon_low, lon_high = GB_LONGITUDE
    interned: dict[str, str] = {}  # a few thousand distinct codes shared by 1.7 million rows
    count = 0
    for row in reader:
        if len(row) != width:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            raise PostcodeImportError(
                f"{source}, line {reader.line_num}: expected {width} fields like the header, found {len(row)}"
            )
        if pad:
            row.append("")
        where = f"{source}, line {reader.line_num}"
        postcode = row[i_pc]
        if not display(postcode):
            try:
                postcode = normalise_postcode(postcode)
            except InvalidPostcode as exc:
                raise PostcodeImportError(f"{where}: {exc}") from None
        if (place := NOT_GB_AREAS.get(postcode[:2])) is not None:
            raise PostcodeImportError(
                f"{where}: {postcode} is a postcode in {place}, outside Great Britain (Code-Point Open covers "
                "England, Scotland and Wales only)"
            )
        lat_text, lon_text = row[i_lat].strip(), row[i_lon].strip()
        if lat_text or lon_text:
            lat = _coordinate(lat_text, "latitude", where)
            lon = _coordinate(lon_text, "longitude", where)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses nan
                raise PostcodeImportError(f"{where}: {lat_text},{lon_text} is not a latitude,longitude")
            if not (lat_low <= lat <= lat_high and lon_low <= lon <= lon_high):
                raise PostcodeImportError(
                    f"{where}: {postcode} at {lat_text},{lon_text} is outside Great Britain "
                    f"(latitude {lat_low} to {lat_high}, longitude {lon_low} to {lon_high})"
                )
        else:
            lat = lon = None  # positional quality 90: Royal Mail has no position for it
            out.missing_coordinates += 1
        country = row[i_country].strip()
        if country and country not in GB_COUNTRIES:
            raise PostcodeImportError(
                f"{where}: country code {country[:40]!r} is not England, Scotland or Wales "
                f"({', '.join(GB_COUNTRIES)}); Code-Point Open covers Great Britain only"
            )
        district = _code(row[i_district], "district code", where)
        ward = _code(row[i_ward], "ward code", where)
        country = interned.setdefault(country, country)
        district = interned.setdefault(district, district)
        ward = interned.setdefault(ward, ward)
        count += 1
        if count % every == 0:
            tick()
        if (index := where_is.get(postcode)) is not None:
            # The same postcode again: the later row wins, as in the ONSPD import.
            out.lat[index], out.lon[index] = lat, lon
            out.countries[index], out.districts[index], out.wards[index] = country, district, ward
            continue
        where_is[postcode] = len(out.postcodes)
        out.postcodes.append(postcode)
        out.lat.append(lat)
        out.lon.append(lon)
        out.countries.append(country)
        out.districts.append(district)
        out.wards.append(ward)
    out.rows = count
    return out


def assign_areas(rows: CodePointRows, index: BoundaryIndex) -> Assignment:
    """Each postcode's constituency in every boundary set and its ward, by vectorised point-in-polygon."""
    lat = np.array([np.nan if v is None else v for v in rows.lat], dtype=np.float64)
    lon = np.array([np.nan if v is None else v for v in rows.lon], dtype=np.float64)
    placed = np.flatnonzero(~np.isnan(lat))
    xs, ys = lon[placed], lat[placed]
    seats: dict[str, list[str]] = {}
    outside: dict[str, int] = {}
    snapped: dict[str, int] = {}
    for name in BOUNDARY_SETS:
        layer = index.sets[name]
        found = layer.find_many(xs, ys)
        missed = np.flatnonzero(found < 0)
        snapped[name] = 0
        if len(layer) >= NATIONAL_SEATS and len(missed):
            nearest = layer.nearest_many(xs[missed], ys[missed], SNAP_DEGREES)
            found[missed] = nearest
            snapped[name] = int((nearest >= 0).sum())
        outside[name] = int((found < 0).sum()) if len(layer) else 0
        seats[name] = _codes_at([area.code for area in layer.areas], found, placed, len(lat))
    ward_found = index.wards.find_many(xs, ys)
    by_point = _codes_at([area.code for area in index.wards.areas], ward_found, placed, len(lat))
    # Where no loaded ward boundary contains the point, keep the ward code the file gives.
    wards = [mine or theirs for mine, theirs in zip(by_point, rows.wards, strict=True)]
    return Assignment(seats=seats, wards=wards, outside=outside, snapped=snapped)


def _codes_at(layer_codes: list[str], found: np.ndarray, placed: np.ndarray, n: int) -> list[str]:
    """The code of each postcode's area ('' where none), from area indexes of the placed postcodes."""
    table = np.array([*layer_codes, ""], dtype=object)  # index -1 reads the trailing ""
    codes = np.full(n, "", dtype=object)
    codes[placed] = table[found]
    return codes.tolist()


def codepoint_postcode_rows(rows: CodePointRows, assignment: Assignment, primary_set: str) -> Iterator[tuple]:
    """The rows to write, in POSTCODE_COLUMNS order; `constituency_code` is the primary set's seat."""
    blank: Iterable[str] = [""] * len(rows.postcodes)
    return zip(
        rows.postcodes,
        rows.lat,
        rows.lon,
        assignment.seats[primary_set],
        assignment.wards,
        rows.districts,
        rows.countries,
        blank,  # region: Code-Point Open has none
        blank,  # terminated: Code-Point Open lists live postcodes only
        assignment.seats["2010"],
        assignment.seats["2024"],
        strict=True,
    )
