"""Importing boundary files (GeoJSON or TopoJSON) into Constituency, Ward and PollingDistrict.

Property names change with every ONS release (PCON13CD, PCON24CD, WD23CD, ...), so they are
matched by pattern rather than by name; a file whose properties do not fit is refused rather than
imported with blank codes.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import shape
from tqdm import tqdm

from . import lookup, topojson
from .geometry import drop_collapsed_rings, repair_geometry, simplify_for_maps, to_wgs84
from .models import BoundarySet, Constituency, PollingDistrict, Region, Ward
from .selectors import current_boundary_set

LEVELS: dict[str, type] = {"constituency": Constituency, "ward": Ward, "polling_district": PollingDistrict}

# Prefixes of ONS-style "<PREFIX><yy>CD" / "<PREFIX><yy>NM" property names for each level.
_LEVEL_PREFIXES: dict[str, tuple[str, ...]] = {
    "constituency": ("PCON", "WPC"),
    "ward": ("WD", "WARD"),
    "polling_district": ("PD", "POLLING_DISTRICT"),
}
_GENERIC_CODE_KEYS = ("code", "gss_code", "gsscode", "id")
_GENERIC_NAME_KEYS = ("name",)
_CODE_MAX = 12  # Area.code max_length
_NAME_MAX = 200


class BoundaryImportError(ValueError):
    pass


# Malformed nested JSON (a number where a list of positions belongs, a list where an object does) fails inside
# shapely, numpy and the TopoJSON decoder in all of these shapes; each is turned into a BoundaryImportError that
# names the feature or area, so a bad file is a clear refusal and never a traceback.
_MALFORMED = (KeyError, TypeError, ValueError, IndexError, AttributeError, ShapelyError, GEOSException)


@dataclass
class PropertyMap:
    code: str | None  # property name, or None to use the feature's own "id"
    name: str
    local_authority: str | None = None
    year: int | None = None  # the release year in the code property's name, e.g. 13 for PCON13CD


@dataclass
class ImportReport:
    level: str
    source: str
    features: int = 0
    boundary_set: str = ""  # constituencies: the set imported into; wards/districts: the set they were placed in
    repaired: int = 0  # areas whose geometry needed repair (collapsed rings dropped, invalid polygons rebuilt)
    created: int = 0
    updated: int = 0
    code_property: str = ""
    name_property: str = ""
    points: int = 0
    simplified_points: int = 0
    with_constituency: int = 0  # wards/polling districts placed inside a loaded constituency
    linked: int = 0  # constituency imports: earlier wards/polling districts now placed in one
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        in_set = f" ({self.boundary_set} boundary set)" if self.level == "constituency" and self.boundary_set else ""
        text = (
            f"{self.features} {self.level.replace('_', ' ')} boundaries{in_set} from {self.source}: "
            f"{self.created} created, {self.updated} updated, {self.repaired} with geometry repaired "
            f"(code from {self.code_property}, name from {self.name_property}; "
            f"{self.points} points, {self.simplified_points} in the simplified versions) in {self.seconds:.1f}s"
        )
        if self.level != "constituency":
            set_note = f" of the {self.boundary_set} set" if self.boundary_set else ""
            text += f"; {self.with_constituency} placed in a loaded constituency{set_note}"
        elif self.linked:
            text += f"; {self.linked} earlier wards/polling districts placed in these constituencies"
        return text


def _year(key: str) -> int:
    digits = re.sub(r"\D", "", key)
    return int(digits) if digits else -1


def detect_properties(keys: Iterable[str], level: str, has_feature_ids: bool = False) -> PropertyMap:
    """Choose the code, name and local-authority properties for `level` from the features' property names."""
    keys = list(dict.fromkeys(keys))
    prefixes = "|".join(_LEVEL_PREFIXES[level])
    code_re = re.compile(rf"^(?:{prefixes})(\d*)CD$", re.IGNORECASE)
    name_re = re.compile(rf"^(?:{prefixes})(\d*)NM$", re.IGNORECASE)
    welsh_re = re.compile(rf"^(?:{prefixes})(\d*)NMW$", re.IGNORECASE)
    lad_re = re.compile(r"^LAD(\d*)CD$", re.IGNORECASE)

    def newest(pattern: re.Pattern[str]) -> str | None:
        # A file may carry several releases' columns (PCON13CD and PCON24CD): the newest wins.
        found = [k for k in keys if pattern.match(k)]
        return max(found, key=_year) if found else None

    def generic(names: tuple[str, ...]) -> str | None:
        lowered = {k.lower(): k for k in keys}
        return next((lowered[n] for n in names if n in lowered), None)

    code = newest(code_re) or generic(_GENERIC_CODE_KEYS)
    # Names: the English-language column, then a plain "name", and the Welsh one only as a last resort.
    name = newest(name_re) or generic(_GENERIC_NAME_KEYS) or newest(welsh_re)
    use_feature_id = code is None and has_feature_ids
    if (code is None and not use_feature_id) or name is None:
        example = _LEVEL_PREFIXES[level][0]
        missing = []
        if code is None and not use_feature_id:
            missing.append(
                f"a {level.replace('_', ' ')} code property named like {example}24CD "
                f"({' / '.join(p + 'nnCD' for p in _LEVEL_PREFIXES[level])}, any release year) or code / gss_code / id"
            )
        if name is None:
            missing.append(f"a name property named like {example}24NM or name")
        raise BoundaryImportError(
            f"not a {level.replace('_', ' ')} boundary file: expected {' and '.join(missing)}; "
            f"the features have properties: {', '.join(keys) or '(none)'}"
        )
    return PropertyMap(
        code=code,
        name=name,
        local_authority=newest(lad_re) if level != "constituency" else None,
        year=_year(code) if code and code_re.match(code) else None,
    )


def read_features(path: Path, object_name: str | None = None) -> list[dict[str, Any]]:
    """Read a GeoJSON FeatureCollection/Feature or one object of a TopoJSON topology as GeoJSON features."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise BoundaryImportError(f"{path}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BoundaryImportError(f"{path.name}: not a JSON file ({exc})") from exc
    except RecursionError as exc:
        raise BoundaryImportError(f"{path.name}: not a boundary file (JSON nested too deeply to read)") from exc
    if not isinstance(data, dict):
        raise BoundaryImportError(f"{path.name}: not GeoJSON or TopoJSON (top level is not an object)")
    kind = data.get("type")
    if kind == "Topology":
        try:
            features = list(topojson.iter_features(data, object_name))
        except topojson.TopoJSONError as exc:
            raise BoundaryImportError(f"{path.name}: {exc}") from exc
        except _MALFORMED as exc:
            raise BoundaryImportError(f"{path.name}: not a usable TopoJSON topology ({_reason(exc)})") from exc
        _check_features(path, features)
        return features
    if kind == "FeatureCollection":
        features = data.get("features") or []
        if not isinstance(features, list):
            raise BoundaryImportError(f"{path.name}: 'features' is not a list of features")
    elif kind == "Feature":
        features = [data]
    else:
        raise BoundaryImportError(f"{path.name}: not GeoJSON or TopoJSON (type is {kind!r})")
    _check_features(path, features)
    crs = data.get("crs")
    crs_props = crs.get("properties") if isinstance(crs, dict) else None
    crs_name = crs_props.get("name", "") if isinstance(crs_props, dict) else ""
    try:
        return to_wgs84(features, str(crs_name))
    except _MALFORMED as exc:
        raise BoundaryImportError(f"{path.name}: the coordinates cannot be reprojected ({_reason(exc)})") from exc


def _reason(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {str(exc)[:200]}"


def _check_features(path: Path, features: list) -> None:
    """Every feature an object whose properties are an object and whose geometry (if any) shapely can read."""
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise BoundaryImportError(f"{path.name}: feature {number} is not a GeoJSON Feature object")
        if not isinstance(feature.get("properties") or {}, dict):
            raise BoundaryImportError(f"{path.name}: feature {number}'s properties are not an object")
        geometry = feature.get("geometry")
        if not geometry:
            continue
        if not isinstance(geometry, dict):
            raise BoundaryImportError(f"{path.name}: feature {number}'s geometry is not a GeoJSON geometry object")
        try:
            shape(drop_collapsed_rings(geometry)[0])
        except _MALFORMED as exc:
            raise BoundaryImportError(
                f"{path.name}: feature {number}'s geometry is not valid GeoJSON ({_reason(exc)})"
            ) from exc


def import_boundaries(
    path: str | Path,
    level: str,
    progress: bool = False,
    object_name: str | None = None,
    boundary_set: str | None = None,
) -> ImportReport:
    """Import one boundary file in one transaction; re-importing updates areas in place by code.

    Constituencies go into `boundary_set` (default: detected from the code property, PCON24CD → 2024, else 2010)
    and are matched by (set, code), so a 2024 file never touches the 2010 rows. Wards and polling districts are
    placed in the constituencies of `boundary_set` (default: the current set)."""
    if level not in LEVELS:
        raise BoundaryImportError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    path = Path(path)
    started = time.perf_counter()
    features = read_features(path, object_name)
    if not features:
        raise BoundaryImportError(f"{path.name}: the file has no features")
    keys = [k for f in features for k in (f.get("properties") or {})]
    props = detect_properties(keys, level, has_feature_ids=all("id" in f for f in features))
    report = ImportReport(
        level=level, source=path.name, code_property=props.code or "feature id", name_property=props.name
    )

    # Several features may share one code (an area split into parts): they become one multipolygon. The same code
    # under two different names is two areas given one code by mistake, and is refused.
    grouped: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        raw_code = properties.get(props.code) if props.code else feature.get("id")
        code = str(raw_code or "").strip()
        name = str(properties.get(props.name) or "").strip()
        if not code:
            named = f" ({name})" if name else ""
            raise BoundaryImportError(f"{path.name}: feature {number}{named} has no value for {report.code_property}")
        if len(code) > _CODE_MAX:
            raise BoundaryImportError(f"{path.name}: feature {number} code {code!r} is longer than {_CODE_MAX}")
        if not feature.get("geometry"):
            raise BoundaryImportError(f"{path.name}: feature {number} ({code}) has no geometry")
        entry = grouped.setdefault(code, {"name": name, "geometries": [], "properties": properties, "feature": number})
        if entry["name"] != name:
            raise BoundaryImportError(
                f"{path.name}: feature {number} ({name or 'no name'}) has code {code}, which feature "
                f"{entry['feature']} ({entry['name'] or 'no name'}) already has: each area needs its own code"
            )
        entry["geometries"].append(feature["geometry"])

    report.boundary_set = _resolve_boundary_set(path, level, props, boundary_set)

    try:
        with transaction.atomic():
            _save_areas(path, level, grouped, props, report.boundary_set, report, progress)
            if level == "constituency":
                report.linked = _link_unplaced_areas(report.boundary_set)
            # Other code in this process sees the new boundaries at once; other processes notice the
            # changed version stamp (count, max id, last update) on their next lookup.
            transaction.on_commit(lookup.invalidate)
    except BaseException:
        lookup.invalidate()  # the trees may have been built from rows that were just rolled back
        raise
    report.seconds = time.perf_counter() - started
    return report


def _resolve_boundary_set(path: Path, level: str, props: PropertyMap, boundary_set: str | None) -> str:
    """The set a constituency file goes into, or the set whose constituencies wards and districts are placed in."""
    known = dict(BoundarySet.objects.values_list("code", "name"))
    if boundary_set is not None:
        boundary_set = str(boundary_set).strip()
        if boundary_set not in known:
            raise BoundaryImportError(
                f"{path.name}: unknown boundary set {boundary_set!r}; the known sets are {', '.join(known) or 'none'}"
            )
        return boundary_set
    if level != "constituency":
        return current_boundary_set()
    # 2024 boundaries arrived with the PCON24 release; earlier columns describe the 2010 set.
    return "2024" if props.year is not None and 24 <= props.year < 100 else "2010"


def _save_areas(
    path: Path,
    level: str,
    grouped: dict[str, dict[str, Any]],
    props: PropertyMap,
    boundary_set: str,
    report: ImportReport,
    progress: bool,
) -> None:
    """Create or update one row per code (update_or_create keeps ids, so foreign keys survive)."""
    model = LEVELS[level]
    constituencies = lookup.get_index().constituencies_in(boundary_set) if level != "constituency" else None
    wards = lookup.get_index().wards if level == "polling_district" else None
    nations = {r.code: r for r in Region.objects.filter(kind=Region.Kind.NATION)}
    # A region finer than the nation (an English region, set from the hex layout) survives a re-import.
    in_a_region = set(
        Constituency.objects.filter(boundary_set=boundary_set, region__kind=Region.Kind.REGION).values_list(
            "code", flat=True
        )
        if level == "constituency"
        else ()
    )
    for code, entry in tqdm(
        grouped.items(), desc=f"{level} boundaries", unit="area", file=sys.stderr, disable=not progress
    ):
        try:
            repairs = [repair_geometry(g) for g in entry["geometries"]]
            parts = [part for part, _ in repairs]
            report.repaired += any(repaired for _, repaired in repairs)
            geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
            if geom.is_empty:
                raise BoundaryImportError(f"{path.name}: {code} has no usable polygon geometry")
            coordinates = shapely.get_coordinates(geom)
            if not np.isfinite(coordinates).all() or (np.abs(coordinates) > (180, 90)).any():
                raise BoundaryImportError(f"{path.name}: {code} has coordinates that are not longitude/latitude")
            simplified = simplify_for_maps(geom)
        except BoundaryImportError:
            raise
        except _MALFORMED as exc:
            raise BoundaryImportError(f"{path.name}: {code}'s geometry cannot be used ({_reason(exc)})") from exc
        report.points += shapely.get_num_coordinates(geom)
        report.simplified_points += shapely.get_num_coordinates(simplified)
        minx, miny, maxx, maxy = geom.bounds
        defaults: dict[str, Any] = {
            "name": entry["name"][:_NAME_MAX] or code,
            "geometry": shapely.to_geojson(geom),
            "simplified": shapely.to_geojson(simplified),
            "min_lon": minx,
            "min_lat": miny,
            "max_lon": maxx,
            "max_lat": maxy,
            "source": path.name[:200],
        }
        nation = nations.get(nation_code_for(code))
        if level == "constituency" and nation is not None and code not in in_a_region:
            defaults["region"] = nation
        if level != "constituency":
            inside = geom.representative_point()  # always inside, unlike the centroid of a crescent
            lad = entry["properties"].get(props.local_authority) if props.local_authority else None
            if level == "ward" and lad:  # PollingDistrict has no local-authority field
                defaults["local_authority_code"] = str(lad)[:_CODE_MAX]
            found = constituencies.find(inside.x, inside.y) if constituencies else None
            defaults["constituency_id"] = found.id if found else None
            report.with_constituency += found is not None
            if level == "polling_district":
                ward = wards.find(inside.x, inside.y) if wards else None
                defaults["ward_id"] = ward.id if ward else None
        if level == "constituency":
            _, created = model.objects.update_or_create(boundary_set_id=boundary_set, code=code, defaults=defaults)
        else:
            _, created = model.objects.update_or_create(code=code, defaults=defaults)
        report.created += created
        report.updated += not created
    report.features = len(grouped)


# The first letter of a GSS code names the nation (E14… an English constituency, W07… a Welsh one).
_NATION_BY_PREFIX = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "N": "N92000002"}


def nation_code_for(code: str) -> str:
    """The GSS code of the nation an area is in, from the area's own code ('' when it has no nation prefix)."""
    return _NATION_BY_PREFIX.get(code[:1].upper(), "")


def _link_unplaced_areas(boundary_set: str) -> int:
    """Place wards and polling districts imported before any constituencies, whatever the import order."""
    layer = lookup.get_index().constituencies_in(boundary_set)
    if not len(layer):
        return 0
    linked = 0
    for model in (Ward, PollingDistrict):
        placed: dict[int, list[int]] = {}  # constituency id → area ids
        rows = model.objects.filter(constituency=None).exclude(geometry="").values_list("id", "geometry")
        # Updates wait until the read has finished: SQLite gives no isolation between a half-read
        # cursor and writes to the same table on one connection.
        for area_id, geometry in rows.iterator(chunk_size=500):
            inside = shapely.from_geojson(geometry).representative_point()
            if found := layer.find(inside.x, inside.y):
                placed.setdefault(found.id, []).append(area_id)
        for constituency_id, area_ids in placed.items():
            linked += model.objects.filter(id__in=area_ids).update(constituency_id=constituency_id)
    return linked
