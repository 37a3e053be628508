"""Point-in-polygon and postcode lookups, one point at a time or vectorised over millions.

Boundaries are parsed once per process into shapely STRtrees: one per boundary set (2010, 2024) for answering
"which constituency in each set", one over every constituency (what the boundary importer places wards with) and
one over the wards. Each lookup checks a cheap version stamp (row count, highest id, last update) so a re-import in
any process — or the admin — is seen on the next lookup without restarting workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import shapely
from django.db import connection
from shapely import STRtree

from groundswell.db import sql

from .geometry import repaired
from .models import BOUNDARY_SETS, POSTCODE_COLUMNS, Constituency, Postcode, Ward
from .postcodes import InvalidPostcode, normalise_postcode
from .selectors import boundary_set_on

_CHUNK = 500  # postcodes per query: well under SQLite's bound-parameter limit
_LOOKUP_COLUMNS = ("latitude", "longitude", "constituency_code", "ward_code") + tuple(
    f"constituency_code_{name}" for name in BOUNDARY_SETS
)
_POINTS_PER_PASS = 250_000  # vectorised lookups work through the points in slices of this many (bounded memory)


class PostcodeNotFound(LookupError):
    pass


class BoundariesNotLoaded(LookupError):
    pass


@dataclass(frozen=True)
class Area:
    id: int
    code: str
    name: str


@dataclass
class LookupResult:
    """One lookup's answer. `constituency_*` is the current boundary set's (see `BoundaryIndex.primary_set`);
    `constituency_*_2010` / `_2024` name the seat in each set (None outside that set's loaded boundaries)."""

    postcode: str | None
    lat: float | None
    lon: float | None
    constituency_code: str | None
    constituency_name: str | None
    ward_code: str | None
    ward_name: str | None
    constituency_code_2010: str | None = None
    constituency_name_2010: str | None = None
    constituency_code_2024: str | None = None
    constituency_name_2024: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PostcodeInfo:
    postcode: str
    lat: float | None
    lon: float | None
    constituency_code: str
    ward_code: str
    local_authority_code: str
    country_code: str
    region_code: str
    terminated: str
    constituency_code_2010: str
    constituency_code_2024: str


class Layer:
    """One level's polygons (repaired, prepared) in an STRtree, ordered by code, queried with lon/lat."""

    def __init__(self, rows: list[tuple[int, str, str, str]]) -> None:
        rows = sorted(rows, key=lambda row: (row[1], row[0]))  # by code, so the lowest index is the lowest code
        self.areas = [Area(id=row[0], code=row[1], name=row[2]) for row in rows]
        geometries = shapely.from_geojson([row[3] for row in rows]) if rows else np.array([], dtype=object)
        invalid = ~shapely.is_valid(geometries) if rows else np.array([], dtype=bool)
        for i in np.flatnonzero(invalid):
            geometries[i] = repaired(geometries[i])
        shapely.prepare(geometries)  # prepared polygons answer point-in-polygon from an edge index
        self.geometries = geometries
        self.tree = STRtree(geometries)
        self.names = {area.code: area.name for area in self.areas}

    def __len__(self) -> int:
        return len(self.areas)

    def find(self, lon: float, lat: float) -> Area | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point exactly on a shared border touches two areas; take the lower code so answers are stable.
        return self.areas[int(hits.min())]

    def find_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """For each point, the index in `areas` of the area containing it (the lowest code on a border), or -1.

        Vectorised: the tree gives the candidate (point, area) pairs by bounding box, and one call of
        `shapely.intersects_xy` tests them all against the prepared polygons; no Python loop per point.
        """
        count = len(lon)
        found = np.full(count, len(self.areas), dtype=np.int64)
        if not len(self.areas):
            return np.full(count, -1, dtype=np.int64)
        for start in range(0, count, _POINTS_PER_PASS):
            xs, ys = lon[start : start + _POINTS_PER_PASS], lat[start : start + _POINTS_PER_PASS]
            point_index, area_index = self.tree.query(shapely.points(xs, ys))
            inside = shapely.intersects_xy(self.geometries[area_index], xs[point_index], ys[point_index])
            np.minimum.at(found, point_index[inside] + start, area_index[inside])
        found[found == len(self.areas)] = -1
        return found

    def nearest_many(self, lon: np.ndarray, lat: np.ndarray, max_degrees: float) -> np.ndarray:
        """For each point, the index of the nearest area within `max_degrees`, or -1."""
        found = np.full(len(lon), -1, dtype=np.int64)
        if len(lon) and len(self.areas):
            point_index, area_index = self.tree.query_nearest(
                shapely.points(lon, lat), max_distance=max_degrees, all_matches=False
            )
            found[point_index] = area_index
        return found


@dataclass
class BoundaryIndex:
    all_constituencies: Layer  # every constituency of every set
    wards: Layer
    sets: dict[str, Layer]  # the constituencies of each of BOUNDARY_SETS
    in_force: str  # the set in force on the day the index was built (selectors.boundary_set_on)

    @property
    def primary_set(self) -> str:
        """The set whose seat a plain `constituency_code` names: the set in force (2024) when it is loaded,
        else the newest set that is (a database with only the 2010 boundaries answers as it always did)."""
        if len(self.sets.get(self.in_force, ())):
            return self.in_force
        return next((name for name in reversed(BOUNDARY_SETS) if len(self.sets[name])), self.in_force)

    @property
    def constituencies(self) -> Layer:
        """The current (primary) set's constituencies."""
        return self.constituencies_in(self.primary_set)

    def constituencies_in(self, boundary_set: str) -> Layer:
        return self.sets.get(boundary_set) or Layer([])

    def find_constituency(self, lon: float, lat: float) -> Area | None:
        """The primary set's constituency at a point (any set's when only constituencies of other sets exist)."""
        primary = self.sets.get(self.primary_set)
        return (primary if primary is not None and len(primary) else self.all_constituencies).find(lon, lat)

    def constituency_name(self, code: str) -> str | None:
        """The name of a constituency code, looked for in the primary set first (5 Scottish codes are in both)."""
        for name in (self.primary_set, *reversed(BOUNDARY_SETS)):
            layer = self.sets.get(name)
            if layer is not None and (found := layer.names.get(code)) is not None:
                return found
        return self.all_constituencies.names.get(code)


_lock = threading.Lock()
_generation = 0  # bumped by invalidate() after an import in this process
_cached: tuple[tuple, BoundaryIndex] | None = None


def invalidate() -> None:
    """Forget the cached trees (called after a boundary import commits)."""
    global _generation, _cached
    with _lock:
        _generation += 1
        _cached = None


def _stamp_columns() -> str:
    """The version stamp as SQL select-list items: count, highest id and last update of constituencies and of
    wards (indexed columns only: reading geometry would cost milliseconds)."""
    parts = []
    for model in (Constituency, Ward):
        table = connection.ops.quote_name(model._meta.db_table)
        parts += [f"(SELECT {agg} FROM {table})" for agg in ("COUNT(*)", "MAX(id)", "MAX(updated_at)")]
    return ", ".join(parts)


def _stamp_prefix() -> tuple:
    # The set in force changes with the date, so the day is part of every stamp.
    return (_generation, date.today())


def _stamp() -> tuple:
    return (*_stamp_prefix(), *sql.fetchone(f"SELECT {_stamp_columns()}", []))


def _postcode_sql() -> str:
    """One statement, one round trip, for a postcode lookup: the postcode's row (all NULL when it is not in the
    table) and the boundaries' version stamp, which every lookup checks."""
    table = connection.ops.quote_name(Postcode._meta.db_table)
    columns = ", ".join(f"p.{column}" for column in ("postcode", *_LOOKUP_COLUMNS))
    return f"SELECT {columns}, {_stamp_columns()} FROM (SELECT 1 AS one) AS s LEFT JOIN {table} AS p ON p.postcode = %s"


def _build_index() -> BoundaryIndex:
    constituencies = list(Constituency.objects.exclude(geometry="").values_list("id", "code", "name", "geometry"))
    by_id = {row[0]: row for row in constituencies}
    sets = {}
    for name in BOUNDARY_SETS:
        ids = Constituency.objects.filter(boundary_set=name).values_list("id", flat=True)
        sets[name] = Layer([by_id[i] for i in ids if i in by_id])
    wards = list(Ward.objects.exclude(geometry="").values_list("id", "code", "name", "geometry"))
    in_force = boundary_set_on()
    return BoundaryIndex(
        all_constituencies=Layer(constituencies),
        wards=Layer(wards),
        sets=sets,
        in_force=in_force.code if in_force else BOUNDARY_SETS[-1],
    )


def get_index(stamp: tuple | None = None) -> BoundaryIndex:
    """The current boundary trees, rebuilt only when the boundaries have changed (`stamp`: read just now)."""
    global _cached
    stamp = stamp or _stamp()
    with _lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
    index = _build_index()
    with _lock:
        _cached = (stamp, index)
    return index


def _check_point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{lat},{lon} is not a latitude,longitude pair (latitude first, in degrees)")


def parse_point(text: str) -> tuple[float, float]:
    """'51.4545,-0.9781' → (51.4545, -0.9781), with a readable error for anything else."""
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ValueError(f"{text!r} is not a point; write it as LAT,LON, e.g. 51.4545,-0.9781") from None
    _check_point(lat, lon)
    return lat, lon


def _seats_by_set(index: BoundaryIndex, lon: float | None, lat: float | None, stored: dict[str, str]) -> dict:
    """{set: (code, name)}: a stored code where the postcode row has one, else the set's polygon at the point."""
    seats: dict[str, tuple[str | None, str | None]] = {}
    for name in BOUNDARY_SETS:
        layer = index.sets[name]
        code = stored.get(name) or None
        if code is None and lat is not None and (area := layer.find(lon, lat)) is not None:
            code = area.code
        seats[name] = (code, layer.names.get(code) if code else None)
    return seats


def _with_seats(result: LookupResult, seats: dict) -> LookupResult:
    result.constituency_code_2010, result.constituency_name_2010 = seats["2010"]
    result.constituency_code_2024, result.constituency_name_2024 = seats["2024"]
    return result


def lookup_point(lat: float, lon: float) -> LookupResult:
    """The constituency in each boundary set and the ward containing a WGS84 point (None outside them all)."""
    _check_point(lat, lon)
    index = get_index()
    if not len(index.all_constituencies) and not len(index.wards):
        raise BoundariesNotLoaded(
            "no boundaries are loaded (run groundswell import_boundaries FILE --level constituency first)"
        )
    constituency = index.find_constituency(lon, lat)
    ward = index.wards.find(lon, lat)
    result = LookupResult(
        postcode=None,
        lat=lat,
        lon=lon,
        constituency_code=constituency.code if constituency else None,
        constituency_name=constituency.name if constituency else None,
        ward_code=ward.code if ward else None,
        ward_name=ward.name if ward else None,
    )
    return _with_seats(result, _seats_by_set(index, lon, lat, {}))


def lookup_postcode(text: str) -> LookupResult:
    """Look a postcode up: the codes stored with it where it has them, else its point in the boundaries.

    `constituency_code` is the code stored with the postcode (an ONSPD file's, or the current set's from a
    Code-Point import), else the primary set's seat at its point; each set's seat likewise.
    Raises InvalidPostcode for junk and PostcodeNotFound for a well-formed postcode that is not loaded.
    """
    postcode = normalise_postcode(text)
    found, row_lat, row_lon, constituency_code, ward_code, *rest = sql.fetchone(_postcode_sql(), [postcode])
    if found is None:
        raise PostcodeNotFound(f"{postcode} is not in the postcode table (is the ONS Postcode Directory loaded?)")
    set_codes, stamp = rest[: len(BOUNDARY_SETS)], rest[len(BOUNDARY_SETS) :]
    index = get_index((*_stamp_prefix(), *stamp))
    lat, lon = (row_lat, row_lon) if row_lat is not None and row_lon is not None else (None, None)
    seats = _seats_by_set(index, lon, lat, dict(zip(BOUNDARY_SETS, set_codes, strict=True)))
    result = LookupResult(
        postcode=postcode,
        lat=row_lat,
        lon=row_lon,
        constituency_code=constituency_code or seats[index.primary_set][0],
        constituency_name=None,
        ward_code=ward_code or None,
        ward_name=None,
    )
    if result.constituency_code is None and lat is not None and (area := index.find_constituency(lon, lat)):
        result.constituency_code = area.code  # constituencies of no known set only
    if not result.ward_code and lat is not None and (area := index.wards.find(lon, lat)):
        result.ward_code = area.code
    # Names come from the loaded boundaries; a code from a newer file than the boundaries has none.
    if result.constituency_code:
        result.constituency_name = index.constituency_name(result.constituency_code)
    if result.ward_code:
        result.ward_name = index.wards.names.get(result.ward_code)
    return _with_seats(result, seats)


def geocode_postcodes(postcodes: Iterable[str]) -> dict[str, PostcodeInfo]:
    """Bulk lookup for importers: {normalised postcode: PostcodeInfo}, one query per chunk of postcodes.

    Invalid postcodes and postcodes not in the table are simply absent from the result. Rows without
    a constituency or ward code are completed from their coordinates when boundaries are loaded.
    """
    wanted = set()
    for raw in postcodes:
        try:
            wanted.add(normalise_postcode(raw))
        except InvalidPostcode:
            continue
    ordered = sorted(wanted)
    found: dict[str, PostcodeInfo] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in Postcode.objects.filter(postcode__in=chunk).values_list(*POSTCODE_COLUMNS):
            found[row[0]] = PostcodeInfo(*row)
    incomplete = [
        info for info in found.values() if info.lat is not None and not (info.constituency_code and info.ward_code)
    ]
    if incomplete:
        index = get_index()
        for info in incomplete:
            if not info.constituency_code and (area := index.find_constituency(info.lon, info.lat)):
                info.constituency_code = area.code
            if not info.ward_code and (area := index.wards.find(info.lon, info.lat)):
                info.ward_code = area.code
    return found
