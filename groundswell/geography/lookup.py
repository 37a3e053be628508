"""Point-in-polygon and postcode lookups.

Boundaries are parsed once per process into shapely STRtrees. Each lookup checks a cheap version
stamp (row count, highest id, last update) so a re-import in any process — or the admin — is seen
on the next lookup without restarting workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

import shapely
from django.db.models import Count, Max, QuerySet
from shapely import STRtree

from .models import POSTCODE_COLUMNS, Constituency, Postcode, Ward
from .postcodes import InvalidPostcode, normalise_postcode
from .selectors import current_boundary_set

_CHUNK = 500  # postcodes per query: well under SQLite's bound-parameter limit


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
    postcode: str | None
    lat: float | None
    lon: float | None
    constituency_code: str | None
    constituency_name: str | None
    ward_code: str | None
    ward_name: str | None

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


class _Layer:
    """One level's polygons in an STRtree, queried with lon/lat."""

    def __init__(self, rows: list[tuple[int, str, str, str]]) -> None:
        self.areas = [Area(id=row[0], code=row[1], name=row[2]) for row in rows]
        self.geometries = shapely.from_geojson([row[3] for row in rows]) if rows else []
        self.tree = STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.areas)

    def find(self, lon: float, lat: float) -> Area | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point exactly on a shared border touches two areas; take the lower code so answers are stable.
        return min((self.areas[i] for i in hits), key=lambda area: area.code)


@dataclass
class BoundaryIndex:
    constituency_sets: dict[str, _Layer]  # boundary set code → its constituencies
    current_set: str  # the set answers name by default (selectors.current_boundary_set)
    wards: _Layer

    @property
    def constituencies(self) -> _Layer:
        """The current boundary set's constituencies."""
        return self.constituencies_in(self.current_set)

    def constituencies_in(self, boundary_set: str) -> _Layer:
        return self.constituency_sets.get(boundary_set) or _Layer([])


_lock = threading.Lock()
_generation = 0  # bumped by invalidate() after an import in this process
_cached: tuple[tuple, BoundaryIndex] | None = None


def invalidate() -> None:
    """Forget the cached trees (called after a boundary import commits)."""
    global _generation, _cached
    with _lock:
        _generation += 1
        _cached = None


def _stamp() -> tuple:
    parts: list = [_generation, date.today()]  # the set in force changes with the date
    for model in (Constituency, Ward):
        # Indexed columns only: reading geometry (or anything stored after it) would cost milliseconds.
        agg = model.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
        parts += [agg["n"], agg["last"], agg["changed"]]
    return tuple(parts)


def _layer(queryset: QuerySet) -> _Layer:
    return _Layer(list(queryset.exclude(geometry="").values_list("id", "code", "name", "geometry")))


def get_index() -> BoundaryIndex:
    """The current boundary trees, rebuilt only when the boundaries have changed."""
    global _cached
    stamp = _stamp()
    with _lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
    sets = Constituency.objects.order_by().values_list("boundary_set", flat=True).distinct()
    index = BoundaryIndex(
        constituency_sets={code: _layer(Constituency.objects.filter(boundary_set=code)) for code in sets},
        current_set=current_boundary_set(),
        wards=_layer(Ward.objects.all()),
    )
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


def lookup_point(lat: float, lon: float) -> LookupResult:
    """The constituency and ward containing a WGS84 point (None where the point is outside them all)."""
    _check_point(lat, lon)
    index = get_index()
    if not len(index.constituencies) and not len(index.wards):
        raise BoundariesNotLoaded(
            "no boundaries are loaded (run groundswell import_boundaries FILE --level constituency first)"
        )
    constituency = index.constituencies.find(lon, lat)
    ward = index.wards.find(lon, lat)
    return LookupResult(
        postcode=None,
        lat=lat,
        lon=lon,
        constituency_code=constituency.code if constituency else None,
        constituency_name=constituency.name if constituency else None,
        ward_code=ward.code if ward else None,
        ward_name=ward.name if ward else None,
    )


def lookup_postcode(text: str) -> LookupResult:
    """Look a postcode up: the ONS Postcode Directory's codes where it has them, else its point in the boundaries.

    Raises InvalidPostcode for junk and PostcodeNotFound for a well-formed postcode that is not loaded.
    """
    postcode = normalise_postcode(text)
    row = Postcode.objects.filter(postcode=postcode).first()
    if row is None:
        raise PostcodeNotFound(f"{postcode} is not in the postcode table (is the ONS Postcode Directory loaded?)")
    result = LookupResult(
        postcode=postcode,
        lat=row.latitude,
        lon=row.longitude,
        constituency_code=row.constituency_code or None,
        constituency_name=None,
        ward_code=row.ward_code or None,
        ward_name=None,
    )
    if (not result.constituency_code or not result.ward_code) and row.latitude is not None:
        index = get_index()
        if not result.constituency_code and (area := index.constituencies.find(row.longitude, row.latitude)):
            result.constituency_code, result.constituency_name = area.code, area.name
        if not result.ward_code and (area := index.wards.find(row.longitude, row.latitude)):
            result.ward_code, result.ward_name = area.code, area.name
    # Names come from the loaded boundaries; a code from a newer ONSPD than the boundaries has none.
    if result.constituency_code and result.constituency_name is None:
        result.constituency_name = (
            # The newest set holding the code: ONSPD releases carry one set's codes, and shared codes share names.
            Constituency.objects.filter(code=result.constituency_code)
            .order_by("-boundary_set__valid_from")
            .values_list("name", flat=True)
            .first()
        )
    if result.ward_code and result.ward_name is None:
        result.ward_name = Ward.objects.filter(code=result.ward_code).values_list("name", flat=True).first()
    return result


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
            if not info.constituency_code and (area := index.constituencies.find(info.lon, info.lat)):
                info.constituency_code = area.code
            if not info.ward_code and (area := index.wards.find(info.lon, info.lat)):
                info.ward_code = area.code
    return found
