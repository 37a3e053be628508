"""Boundary imports from the real GeoJSON/TopoJSON files and from small hand-made ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command

from groundswell.geography.boundaries import BoundaryImportError, detect_properties, import_boundaries
from groundswell.geography.lookup import lookup_point
from groundswell.geography.models import Constituency, PollingDistrict, Ward

pytestmark = pytest.mark.django_db


def write_geojson(path: Path, features: list[tuple[dict, dict]], crs: str | None = None) -> Path:
    data: dict = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data))
    return path


def box(minx: float, miny: float, maxx: float, maxy: float) -> dict:
    return shapely.geometry.mapping(shapely.box(minx, miny, maxx, maxy))


def test_the_whole_gb_topojson_file(boundaries_dir):
    # The one test that loads all 632 constituencies (about 6 s), so the suite stays quick.
    report = import_boundaries(boundaries_dir / "gb_westminster_2010_topo.json", "constituency")
    assert (report.features, report.created, report.updated) == (632, 632, 0)
    assert (report.code_property, report.name_property) == ("PCON13CD", "PCON13NM")
    assert report.simplified_points * 5 < report.points
    assert Constituency.objects.count() == 632
    assert set(Constituency.objects.values_list("boundary_set", flat=True)) == {"2010"}
    reading_east = Constituency.objects.get(code="E14000889")
    assert reading_east.name == "Reading East"
    assert reading_east.min_lon < -0.9781 < reading_east.max_lon
    assert reading_east.min_lat < 51.4545 < reading_east.max_lat
    full = shapely.from_geojson(reading_east.geometry)
    simplified = shapely.from_geojson(reading_east.simplified)
    assert full.is_valid and simplified.is_valid
    assert shapely.get_num_coordinates(simplified) * 5 < shapely.get_num_coordinates(full)
    assert lookup_point(51.4545, -0.9781).constituency_name == "Reading East"
    assert lookup_point(51.5007, -0.1246).constituency_name == "Cities of London and Westminster"  # Big Ben
    assert lookup_point(55.9533, -3.1883).constituency_code.startswith("S14")  # Edinburgh
    assert lookup_point(51.4816, -3.1791).constituency_code.startswith("W07")  # Cardiff
    assert lookup_point(51.46, -0.95).constituency_name == "Henley"  # near, not in, Reading East
    assert lookup_point(50.0, -10.0).constituency_code is None  # Atlantic


def test_ward_files_are_imported_and_placed_in_constituencies(reading):
    assert reading["reading_wards"].features == 16 and reading["wokingham_wards"].features == 25
    assert reading["reading_wards"].code_property == "WD13CD"
    assert reading["reading_wards"].name_property == "WD13NM"  # not the Welsh WD13NMW
    abbey = Ward.objects.get(code="E05002319")
    assert abbey.name == "Abbey" and abbey.constituency.code == "E14000889"
    assert abbey.local_authority_code == ""  # these files carry no LADnnCD property
    # Every Reading ward lies in Reading East or West; Wokingham's Bulmershe is in Reading East.
    assert set(Ward.objects.filter(source="reading_wards.geojson").values_list("constituency__code", flat=True)) == {
        "E14000889",
        "E14000890",
    }
    assert Ward.objects.get(name="Bulmershe and Whitegates").constituency.code == "E14000889"
    # Wokingham wards outside both Reading seats stay unassigned rather than being forced into one.
    assert Ward.objects.filter(source="wokingham_wards.geojson", constituency=None).exists()


def test_reimport_updates_in_place(reading, boundaries_dir):
    ids = dict(Ward.objects.values_list("code", "id"))
    again = import_boundaries(boundaries_dir / "reading_wards.geojson", "ward")
    assert (again.created, again.updated) == (0, 16)
    assert dict(Ward.objects.values_list("code", "id")) == ids
    assert Ward.objects.count() == 41


def test_generic_and_lad_properties(tmp_path, db):
    path = write_geojson(
        tmp_path / "wards.geojson",
        [
            ({"WD23CD": "E05099991", "WD23NM": "North", "LAD23CD": "E06000038"}, box(-1.0, 51.4, -0.9, 51.5)),
            ({"WD23CD": "E05099992", "WD23NM": "South", "LAD23CD": "E06000038"}, box(-1.0, 51.3, -0.9, 51.4)),
        ],
    )
    report = import_boundaries(path, "ward")
    assert report.created == 2
    assert Ward.objects.get(code="E05099991").local_authority_code == "E06000038"
    plain = write_geojson(
        tmp_path / "plain.geojson", [({"gss_code": "E14099999", "name": "Plainsville"}, box(0, 0, 1, 1))]
    )
    import_boundaries(plain, "constituency")
    assert Constituency.objects.get(code="E14099999").name == "Plainsville"


def test_detection_prefers_newest_english_columns():
    keys = ["PCON13CD", "PCON24CD", "PCON24CDO", "PCON24NMW", "PCON24NM", "LAD24CD"]
    props = detect_properties(keys, "constituency")
    assert (props.code, props.name, props.year) == ("PCON24CD", "PCON24NM", 24)
    assert props.local_authority is None  # only wards record a local authority
    assert detect_properties(["WD13CD", "WD13NMW"], "ward").name == "WD13NMW"  # Welsh only as a last resort
    assert detect_properties(["name"], "ward", has_feature_ids=True).code is None  # feature "id" is used


def test_2024_columns_mark_the_2024_boundary_set(tmp_path, db):
    path = write_geojson(
        tmp_path / "c.geojson", [({"PCON24CD": "E14001440", "PCON24NM": "Reading Central"}, box(0, 0, 1, 1))]
    )
    import_boundaries(path, "constituency")
    assert Constituency.objects.get().boundary_set_id == "2024"


def test_a_file_without_codes_is_refused_clearly(boundaries_dir, db):
    with pytest.raises(BoundaryImportError) as excinfo:
        import_boundaries(boundaries_dir / "reading_wards.geojson", "constituency")
    message = str(excinfo.value)
    assert "expected a constituency code property named like PCON24CD" in message
    assert "the features have properties: WD13CD, WD13CDO, WD13NM, WD13NMW" in message
    assert Constituency.objects.count() == 0


def test_import_is_all_or_nothing(tmp_path, db):
    path = write_geojson(
        tmp_path / "broken.geojson",
        [({"code": "E05000001", "name": "Fine"}, box(0, 0, 1, 1)), ({"code": "E05000002", "name": "No shape"}, None)],
    )
    with pytest.raises(BoundaryImportError, match=r"feature 2 \(E05000002\) has no geometry"):
        import_boundaries(path, "ward")
    assert Ward.objects.count() == 0


def test_invalid_geometry_is_repaired(tmp_path, db):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    import_boundaries(write_geojson(tmp_path / "b.geojson", [({"code": "X1", "name": "Bow"}, bow_tie)]), "ward")
    geom = shapely.from_geojson(Ward.objects.get().geometry)
    assert geom.is_valid and geom.area == pytest.approx(0.5)


def test_british_national_grid_files_are_reprojected(tmp_path, db):
    # A 1 km square in Reading town centre, in metres on the British National Grid.
    square = box(471000, 173000, 472000, 174000)
    path = write_geojson(tmp_path / "bng.geojson", [({"code": "E05000009", "name": "Grid"}, square)], "EPSG:27700")
    import_boundaries(path, "ward")
    ward = Ward.objects.get()
    assert ward.min_lon == pytest.approx(-0.98, abs=0.02) and ward.min_lat == pytest.approx(51.45, abs=0.02)


def test_polling_districts_find_their_ward_and_constituency(reading, tmp_path):
    path = write_geojson(
        tmp_path / "pd.geojson",
        [({"PD_CODE": "x", "code": "AB1", "name": "Abbey 1"}, box(-0.9785, 51.4540, -0.9775, 51.4550))],
    )
    import_boundaries(path, "polling_district")
    district = PollingDistrict.objects.get()
    assert (district.ward.code, district.constituency.code) == ("E05002319", "E14000889")


def test_command(boundaries_dir, db, capsys):
    call_command("import_boundaries", str(boundaries_dir / "reading_westminster.geojson"), "--level", "constituency")
    captured = capsys.readouterr()
    assert "2 constituency boundaries (2010 boundary set) from reading_westminster.geojson: 2 created" in captured.out
    assert "constituency boundaries" in captured.err  # the tqdm progress bar goes to stderr
    with pytest.raises(CommandError, match="not a ward boundary file"):
        call_command("import_boundaries", str(boundaries_dir / "reading_westminster.geojson"), "--level", "ward")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_boundaries", "/nonexistent.geojson", "--level", "ward")


def test_wards_loaded_before_constituencies_are_placed_later(boundaries_dir, db):
    import_boundaries(boundaries_dir / "reading_wards.geojson", "ward")
    assert not Ward.objects.exclude(constituency=None).exists()
    report = import_boundaries(boundaries_dir / "reading_westminster.geojson", "constituency")
    assert report.linked == 16
    assert Ward.objects.get(code="E05002319").constituency.code == "E14000889"


def test_a_failed_import_leaves_the_lookup_cache_consistent(reading, tmp_path):
    assert lookup_point(51.4545, -0.9781).constituency_code == "E14000889"
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}  # no area at all
    broken = write_geojson(
        tmp_path / "broken.geojson",
        [
            ({"PCON13CD": "E14000889", "PCON13NM": "Moved"}, box(10, 10, 11, 11)),  # saved, then rolled back
            ({"PCON13CD": "E14000001", "PCON13NM": "Flat"}, flat),
        ],
    )
    with pytest.raises(BoundaryImportError, match="E14000001 has no usable polygon geometry"):
        import_boundaries(broken, "constituency")
    assert Constituency.objects.get(code="E14000889").name == "Reading East"
    assert lookup_point(51.4545, -0.9781).constituency_name == "Reading East"


@pytest.mark.django_db
def test_constituencies_are_placed_in_their_nation(tmp_path):
    import json

    from groundswell.geography.boundaries import import_boundaries
    from groundswell.geography.models import Constituency, Region

    England, _ = Region.objects.get_or_create(code="E92000001", defaults={"name": "England", "kind": "nation"})
    Wales, _ = Region.objects.get_or_create(code="W92000004", defaults={"name": "Wales", "kind": "nation"})
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    features = [
        {"type": "Feature", "properties": {"PCON13CD": code, "PCON13NM": name}, "geometry": square}
        for code, name in (("E14000889", "Reading East"), ("W07000049", "Aberavon"))
    ]
    path = tmp_path / "two.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    import_boundaries(path, level="constituency")
    assert Constituency.objects.get(code="E14000889").region == England
    assert Constituency.objects.get(code="W07000049").region == Wales
