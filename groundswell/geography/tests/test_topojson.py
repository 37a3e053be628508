"""The TopoJSON decoder, on hand-made topologies and on the real GB Westminster file (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from groundswell.geography import topojson
from groundswell.geography.geometry import clean_geometry, simplify_for_maps


def test_quantised_arcs_are_delta_decoded_and_scaled():
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 2.0], "translate": [10.0, 50.0]},
        "arcs": [[[0, 0], [2, 0], [0, 1]], [[2, 1], [-2, 0], [0, -1]]],
        "objects": {},
    }
    first, second = topojson.decode_arcs(topology)
    # cumulative: (0,0) (2,0) (2,1) → scaled by (0.5, 2) and moved by (10, 50)
    assert first.tolist() == [[10.0, 50.0], [11.0, 50.0], [11.0, 52.0]]
    assert second.tolist() == [[11.0, 52.0], [10.0, 52.0], [10.0, 50.0]]


def test_arcs_without_transform_are_absolute():
    topology = {"type": "Topology", "arcs": [[[1.5, 2.5], [3.5, 4.5]]], "objects": {}}
    assert topojson.decode_arcs(topology)[0].tolist() == [[1.5, 2.5], [3.5, 4.5]]


def _square_topology() -> dict:
    # Two unit squares side by side sharing the arc x=1 (arc 1, running down). Arc 0 is the left
    # square's outer part, arc 2 the right square's; the right square walks the shared arc upwards,
    # i.e. reversed, which TopoJSON writes as ~1 == -2.
    return {
        "type": "Topology",
        "arcs": [
            [[1, 0], [0, 0], [0, 1], [1, 1]],
            [[1, 1], [1, 0]],
            [[1, 1], [2, 1], [2, 0], [1, 0]],
        ],
        "objects": {
            "areas": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"code": "L"}},
                    {"type": "Polygon", "arcs": [[-2, 2]], "properties": {"code": "R"}, "id": 7},
                    {"type": "MultiPolygon", "arcs": [[[0, 1]], [[-2, 2]]], "properties": {"code": "LR"}},
                    {"type": None, "properties": {"code": "empty"}},
                ],
            }
        },
    }


def test_rings_stitch_shared_and_reversed_arcs():
    features = list(topojson.iter_features(_square_topology()))
    left, right, both, empty = features
    assert left["geometry"]["coordinates"] == [[[1, 0], [0, 0], [0, 1], [1, 1], [1, 0]]]
    # arc 1 reversed ([1,0] → [1,1]) then arc 2 without its first point, which repeats the join
    assert right["geometry"]["coordinates"] == [[[1, 0], [1, 1], [2, 1], [2, 0], [1, 0]]]
    assert right["id"] == 7 and right["properties"] == {"code": "R"}
    assert shape(left["geometry"]).area == pytest.approx(1.0)
    assert shape(right["geometry"]).area == pytest.approx(1.0)
    assert both["geometry"]["type"] == "MultiPolygon"
    assert shape(both["geometry"]).area == pytest.approx(2.0)
    assert empty["geometry"] is None


def test_bad_topologies_are_refused_clearly():
    with pytest.raises(topojson.TopoJSONError, match="not a TopoJSON"):
        list(topojson.iter_features({"type": "FeatureCollection"}))
    topology = _square_topology()
    topology["objects"]["other"] = topology["objects"]["areas"]
    with pytest.raises(topojson.TopoJSONError, match="several objects"):
        list(topojson.iter_features(topology))
    with pytest.raises(topojson.TopoJSONError, match="no object 'nope'"):
        list(topojson.iter_features(topology, "nope"))
    topology["objects"]["areas"]["geometries"][0]["arcs"] = [[0, 99]]
    with pytest.raises(topojson.TopoJSONError, match="arc index 99"):
        list(topojson.iter_features(topology, "areas"))


@pytest.fixture(scope="module")
def gb_features(data_dir: Path) -> list[dict]:
    with open(data_dir / "boundaries" / "gb_westminster_2010_topo.json") as fh:
        return list(topojson.iter_features(json.load(fh), "wpc"))


@pytest.fixture(scope="module")
def gb_clean(gb_features) -> dict:
    return {f["properties"]["PCON13CD"]: clean_geometry(f["geometry"]) for f in gb_features}


def test_gb_file_has_632_constituencies(gb_features):
    codes = [f["properties"]["PCON13CD"] for f in gb_features]
    assert len(codes) == 632 == len(set(codes))
    assert {code[0] for code in codes} == {"E", "W", "S"}  # Great Britain: no Northern Ireland
    assert {f["geometry"]["type"] for f in gb_features} == {"Polygon", "MultiPolygon"}


def test_gb_file_decodes_to_real_places(gb_features, gb_clean):
    names = {f["properties"]["PCON13CD"]: f["properties"]["PCON13NM"] for f in gb_features}
    reading_east = gb_clean["E14000889"]
    assert names["E14000889"] == "Reading East"
    assert reading_east.is_valid
    assert reading_east.contains(shapely.Point(-0.9781, 51.4545))  # Reading town centre
    assert reading_east.centroid.y == pytest.approx(51.46, abs=0.01)
    assert reading_east.centroid.x == pytest.approx(-0.95, abs=0.01)
    # The centroid of this concave shape lies just outside it; 51.46,-0.95 itself is in Henley.
    henley = gb_clean["E14000742"]
    assert henley.contains(shapely.Point(-0.95, 51.46))
    assert not reading_east.contains(shapely.Point(-0.95, 51.46))
    # Whole of GB sits in the expected lon/lat box (the decoded arcs are not off by a transform).
    bounds = shapely.union_all([geom.envelope for geom in gb_clean.values()]).bounds
    assert bounds[0] == pytest.approx(-8.65, abs=0.01) and bounds[1] == pytest.approx(49.86, abs=0.01)
    assert 1.7 < bounds[2] < 1.8 and 60.8 < bounds[3] < 60.9


def test_gb_file_matches_the_detailed_reading_geojson(gb_clean, data_dir: Path):
    with open(data_dir / "boundaries" / "reading_westminster.geojson") as fh:
        detailed = {f["properties"]["PCON13CD"]: clean_geometry(f["geometry"]) for f in json.load(fh)["features"]}
    for code, geom in detailed.items():
        # Same boundaries from an independent, unquantised file: the decoded outline must agree.
        assert gb_clean[code].area == pytest.approx(geom.area, rel=0.02)
        assert gb_clean[code].intersection(geom).area / geom.area > 0.97


def test_cleaning_and_simplifying_the_gb_file(gb_features):
    total = simplified_total = 0
    for feature in gb_features[:120]:
        geom = clean_geometry(feature["geometry"])
        assert geom.is_valid and geom.geom_type in {"Polygon", "MultiPolygon"}
        # Quantised rings touch and cross themselves a little; repairing them must not lose real land.
        assert geom.area == pytest.approx(shape(feature["geometry"]).area, rel=0.01)
        simple = simplify_for_maps(geom)
        assert simple.is_valid
        total += shapely.get_num_coordinates(geom)
        simplified_total += shapely.get_num_coordinates(simple)
    assert simplified_total * 5 < total


def test_clean_geometry_repairs_a_bow_tie():
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert not shape(bow_tie).is_valid
    repaired = clean_geometry(bow_tie)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5)
