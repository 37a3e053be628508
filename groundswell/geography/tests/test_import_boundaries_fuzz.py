"""Fuzzing the boundary import (GeoJSON and TopoJSON): any file either imports or raises BoundaryImportError,
and a refused file leaves the areas as they were."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.geography.boundaries import LEVELS, BoundaryImportError, import_boundaries
from groundswell.geography.models import Constituency, PollingDistrict, Ward
from groundswell.tests.hostile import ODD_TEXT, hostile_files, rolled_back

pytestmark = pytest.mark.django_db

SQUARE = [[[-1.0, 51.4], [-0.9, 51.4], [-0.9, 51.5], [-1.0, 51.5], [-1.0, 51.4]]]
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "PCON24CD": "E14001234",
                "PCON24NM": "Reading Central",
                "WD24CD": "E05000001",
                "WD24NM": "Abbey",
                "PD": "AB1",
                "name": "AB1",
                "LAD24CD": "E06000038",
            },
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
    ],
}
TOPOJSON = {
    "type": "Topology",
    "transform": {"scale": [0.001, 0.001], "translate": [-1.0, 51.4]},
    "arcs": [[[0, 0], [100, 0], [0, 100], [-100, 0], [0, -100]]],
    "objects": {
        "areas": {
            "type": "GeometryCollection",
            "geometries": [
                {
                    "type": "Polygon",
                    "arcs": [[0]],
                    "properties": {"PCON13CD": "E14000889", "PCON13NM": "Reading East", "code": "X1", "name": "X"},
                }
            ],
        }
    },
}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ODD_TEXT, inner, max_size=4),
    max_leaves=20,
)
COORDINATES = st.recursive(
    st.floats(allow_nan=False, width=32) | st.integers(-400, 400) | st.none() | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=6),
    max_leaves=30,
)


@st.composite
def mangled_geojson(draw) -> dict:
    data = json.loads(json.dumps(GEOJSON))
    feature = data["features"][0]
    what = draw(st.sampled_from(["geometry", "type", "coordinates", "properties", "features", "feature", "crs", "ids"]))
    if what == "geometry":
        feature["geometry"] = draw(JSON_VALUES)
    elif what == "type":
        feature["geometry"]["type"] = draw(
            st.sampled_from(["Point", "LineString", "MultiPolygon", "GeometryCollection", "Polygon", "Nonsense"])
        )
    elif what == "coordinates":
        feature["geometry"]["coordinates"] = draw(COORDINATES)
    elif what == "properties":
        feature["properties"] = draw(st.dictionaries(ODD_TEXT, JSON_VALUES, max_size=4) | JSON_VALUES)
    elif what == "features":
        data["features"] = draw(JSON_VALUES)
    elif what == "feature":
        data["features"].append(draw(JSON_VALUES))
    elif what == "crs":
        data["crs"] = draw(st.just({"properties": {"name": "EPSG:27700"}}) | JSON_VALUES)
    else:
        feature["id"] = draw(JSON_VALUES)
        feature["properties"] = {"name": "X"}
    return data


@st.composite
def mangled_topojson(draw) -> dict:
    data = json.loads(json.dumps(TOPOJSON))
    what = draw(st.sampled_from(["arcs", "transform", "objects", "member", "arc-index", "type"]))
    member = data["objects"]["areas"]["geometries"][0]
    if what == "arcs":
        data["arcs"] = draw(COORDINATES | JSON_VALUES)
    elif what == "transform":
        data["transform"] = draw(JSON_VALUES)
    elif what == "objects":
        data["objects"] = draw(JSON_VALUES)
    elif what == "member":
        data["objects"]["areas"]["geometries"][0] = draw(JSON_VALUES)
    elif what == "arc-index":
        member["arcs"] = draw(COORDINATES | JSON_VALUES)
    else:
        member["type"] = draw(ODD_TEXT | st.sampled_from(["MultiPolygon", "Point", "LineString", "GeometryCollection"]))
    return data


FILES = st.one_of(
    mangled_geojson().map(lambda d: json.dumps(d).encode()),
    mangled_topojson().map(lambda d: json.dumps(d).encode()),
    hostile_files(json.dumps(GEOJSON).encode()),
    hostile_files(json.dumps(TOPOJSON).encode()),
    st.just(b"[" * 100_000),  # nesting deeper than the JSON parser's recursion limit
)


def state() -> list:
    return [
        sorted(model.objects.values_list("code", "name", "geometry")) for model in (Constituency, Ward, PollingDistrict)
    ]


@given(data=FILES, level=st.sampled_from(sorted(LEVELS)))
def test_any_boundary_file_imports_or_is_refused_cleanly(data, level):
    with tempfile.TemporaryDirectory() as directory, rolled_back():
        path = Path(directory) / "areas.json"
        path.write_bytes(data)
        before = state()
        try:
            import_boundaries(path, level)
        except BoundaryImportError as exc:
            assert str(exc)
            assert state() == before
