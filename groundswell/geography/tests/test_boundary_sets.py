"""Two boundary sets side by side: the 2010 set (2010–2019 elections) and the 2024 set, from the real files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command

from groundswell.geography import lookup
from groundswell.geography.boundaries import BoundaryImportError, import_boundaries
from groundswell.geography.lookup import lookup_point
from groundswell.geography.models import Constituency, Ward
from groundswell.geography.selectors import (
    boundary_set_on,
    constituency_by_code,
    constituency_names,
    current_boundary_set,
)

pytestmark = pytest.mark.django_db

# Seats that kept their ONS code from the 2010 set into the 2024 set (and, with it, their boundaries).
SHARED_SCOTTISH_CODES = {"S14000021", "S14000027", "S14000045", "S14000048", "S14000051"}
BIG_BEN = (51.5007, -0.1246)
GLASGOW_CENTRAL_STATION = (55.8591, -4.2581)
KIRKWALL = (58.9810, -2.9600)


def point_in(boundary_set: str, lat: float, lon: float) -> Constituency:
    """The seat of `boundary_set` whose stored geometry contains the point (shapely, not the lookup)."""
    point = shapely.Point(lon, lat)
    found = [
        seat
        for seat in Constituency.objects.filter(
            boundary_set=boundary_set, min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat
        )
        if shapely.from_geojson(seat.geometry).contains(point)
    ]
    assert len(found) == 1, [s.name for s in found]
    return found[0]


def feature(props: dict, minx: float, miny: float, size: float = 1.0) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": shapely.geometry.mapping(shapely.box(minx, miny, minx + size, miny + size)),
    }


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_both_sets_load_side_by_side_from_the_real_files(boundaries_dir):
    old = import_boundaries(boundaries_dir / "gb_westminster_2010_topo.json", "constituency")
    new = import_boundaries(boundaries_dir / "uk_westminster_2024_bgc.topojson", "constituency")
    assert (old.boundary_set, old.features, old.created) == ("2010", 632, 632)
    assert (new.boundary_set, new.features, new.created, new.updated) == ("2024", 650, 650, 0)
    assert new.code_property == "PCON24CD"
    # Quantisation left polygons invalid and rings collapsed; the report says how many seats were repaired.
    assert new.repaired >= 100
    assert f"{new.repaired} with geometry repaired" in new.summary() and "(2024 boundary set)" in new.summary()
    assert Constituency.objects.filter(boundary_set="2010").count() == 632
    assert Constituency.objects.filter(boundary_set="2024").count() == 650
    for code in SHARED_SCOTTISH_CODES:
        assert set(Constituency.objects.filter(code=code).values_list("boundary_set", flat=True)) == {"2010", "2024"}
    for text in Constituency.objects.filter(boundary_set="2024").values_list("geometry", flat=True):
        geom = shapely.from_geojson(text)
        assert geom.is_valid and not geom.is_empty and geom.geom_type in ("Polygon", "MultiPolygon")

    # A point in London and two in Scotland fall in the right seat of each set.
    assert point_in("2010", *BIG_BEN).name == "Cities of London and Westminster"
    assert point_in("2024", *BIG_BEN).name == "Cities of London and Westminster"
    assert point_in("2010", *BIG_BEN).code != point_in("2024", *BIG_BEN).code
    assert point_in("2010", *GLASGOW_CENTRAL_STATION).name == "Glasgow Central"
    assert point_in("2024", *GLASGOW_CENTRAL_STATION).name == "Glasgow North"
    orkney_2010, orkney_2024 = point_in("2010", *KIRKWALL), point_in("2024", *KIRKWALL)
    assert orkney_2010.code == orkney_2024.code == "S14000051" and orkney_2010.pk != orkney_2024.pk
    # Reading East became mostly Reading Central and Earley and Woodley.
    assert point_in("2010", 51.4545, -0.9781).name == "Reading East"
    assert point_in("2024", 51.4545, -0.9781).name == "Reading Central"

    # The lookup answers in the current set, and in any set asked for.
    assert boundary_set_on().code == current_boundary_set() == "2024"
    assert lookup_point(*BIG_BEN).constituency_code == point_in("2024", *BIG_BEN).code
    index = lookup.get_index()
    assert index.constituencies_in("2010").find(BIG_BEN[1], BIG_BEN[0]).code == point_in("2010", *BIG_BEN).code
    assert constituency_by_code("S14000051").boundary_set_id == "2024"
    assert constituency_by_code("S14000051", "2010").boundary_set_id == "2010"
    assert constituency_by_code("E14000889").name == "Reading East"  # a 2010-only code is still found by code

    # Re-importing the 2024 file updates it in place and never touches the 2010 rows.
    before_2010 = list(Constituency.objects.filter(boundary_set="2010").values_list("id", "updated_at", "geometry"))
    ids_2024 = dict(Constituency.objects.filter(boundary_set="2024").values_list("code", "id"))
    again = import_boundaries(boundaries_dir / "uk_westminster_2024_bgc.topojson", "constituency")
    assert (again.created, again.updated) == (0, 650)
    assert dict(Constituency.objects.filter(boundary_set="2024").values_list("code", "id")) == ids_2024
    assert list(Constituency.objects.filter(boundary_set="2010").values_list("id", "updated_at", "geometry")) == (
        before_2010
    )


def test_the_set_in_force_on_a_date():
    assert boundary_set_on(date(2019, 12, 12)).code == "2010"
    assert boundary_set_on(date(2024, 7, 3)).code == "2010"
    assert boundary_set_on(date(2024, 7, 4)).code == "2024"
    assert boundary_set_on().code == "2024"
    assert boundary_set_on(date(2001, 6, 7)) is None  # before any set Groundswell knows
    assert boundary_set_on(date(2024, 7, 4)).valid_to is None  # still in force


def test_a_database_with_only_the_2010_set_keeps_answering_in_it(boundaries_dir):
    import_boundaries(boundaries_dir / "reading_westminster.geojson", "constituency")
    assert current_boundary_set() == "2010"  # the 2024 set is in force but not loaded
    assert lookup_point(51.4545, -0.9781).constituency_name == "Reading East"
    assert current_boundary_set(date(2020, 1, 1)) == "2010"


def test_shared_codes_are_unique_per_set_not_across_sets(tmp_path):
    shared = {"PCON24CD": "S14000051", "PCON24NM": "Orkney and Shetland"}
    import_boundaries(write(tmp_path / "a.geojson", [feature(shared, 0, 0)]), "constituency")
    import_boundaries(write(tmp_path / "b.geojson", [feature(shared, 0, 0)]), "constituency", boundary_set="2010")
    assert Constituency.objects.filter(code="S14000051").count() == 2
    assert constituency_names(["S14000051"]) == {"S14000051": "Orkney and Shetland"}
    with pytest.raises(Exception):  # noqa: B017 - the database's own refusal (IntegrityError)
        Constituency.objects.create(boundary_set_id="2024", code="S14000051", name="Again")


def test_a_file_can_be_forced_into_a_set_and_an_unknown_set_is_refused(tmp_path, capsys):
    path = write(tmp_path / "c.geojson", [feature({"PCON13CD": "E14000889", "PCON13NM": "Reading East"}, 0, 0)])
    call_command("import_boundaries", str(path), "--level", "constituency", "--boundary-set", "2024", "--no-progress")
    assert "1 constituency boundaries (2024 boundary set)" in capsys.readouterr().out
    assert Constituency.objects.get().boundary_set_id == "2024"
    with pytest.raises(CommandError, match=r"unknown boundary set '2019'; the known sets are 2010, 2024"):
        call_command("import_boundaries", str(path), "--level", "constituency", "--boundary-set", "2019")


def test_duplicate_codes_of_different_areas_are_refused_naming_both_features(tmp_path):
    path = write(
        tmp_path / "dup.geojson",
        [
            feature({"PCON24CD": "E14001438", "PCON24NM": "Reading Central"}, 0, 0),
            feature({"PCON24CD": "E14001210", "PCON24NM": "Earley and Woodley"}, 1, 0),
            feature({"PCON24CD": "E14001438", "PCON24NM": "Reading West and Mid Berkshire"}, 2, 0),
        ],
    )
    with pytest.raises(BoundaryImportError) as excinfo:
        import_boundaries(path, "constituency")
    assert str(excinfo.value) == (
        "dup.geojson: feature 3 (Reading West and Mid Berkshire) has code E14001438, which feature 1 "
        "(Reading Central) already has: each area needs its own code"
    )
    assert not Constituency.objects.exists()


def test_parts_of_one_area_under_one_code_are_joined(tmp_path):
    parts = [feature({"PCON24CD": "S14000051", "PCON24NM": "Orkney and Shetland"}, x, 0) for x in (0, 5)]
    report = import_boundaries(write(tmp_path / "parts.geojson", parts), "constituency")
    assert report.features == 1
    assert shapely.from_geojson(Constituency.objects.get().geometry).geom_type == "MultiPolygon"


def test_a_missing_code_is_refused_naming_the_feature(tmp_path):
    path = write(
        tmp_path / "missing.geojson",
        [
            feature({"PCON24CD": "E14001438", "PCON24NM": "Reading Central"}, 0, 0),
            feature({"PCON24CD": " ", "PCON24NM": "Earley and Woodley"}, 1, 0),
        ],
    )
    with pytest.raises(BoundaryImportError, match=r"feature 2 \(Earley and Woodley\) has no value for PCON24CD"):
        import_boundaries(path, "constituency")
    assert not Constituency.objects.exists()


def test_collapsed_rings_are_dropped_and_counted(tmp_path):
    island = [[5, 5], [5.0000001, 5], [5, 5]]  # quantised to nothing: three positions, two distinct
    polygon = {
        "type": "MultiPolygon",
        "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]], [island]],
    }
    path = tmp_path / "ring.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"PCON24CD": "E1", "PCON24NM": "A"}, "geometry": polygon}
                ],
            }
        )
    )
    report = import_boundaries(path, "constituency")
    assert report.repaired == 1
    geom = shapely.from_geojson(Constituency.objects.get().geometry)
    assert geom.is_valid and geom.area == pytest.approx(1.0)


def test_wards_are_placed_in_the_set_asked_for(boundaries_dir, tmp_path):
    import_boundaries(boundaries_dir / "reading_westminster.geojson", "constituency")
    over_reading = {"PCON24CD": "E14001438", "PCON24NM": "Reading Central"}
    import_boundaries(write(tmp_path / "r.geojson", [feature(over_reading, -1.2, 51.3, 0.6)]), "constituency")
    report = import_boundaries(boundaries_dir / "reading_wards.geojson", "ward", boundary_set="2010")
    assert report.with_constituency == 16 and "of the 2010 set" in report.summary()
    assert set(Ward.objects.values_list("constituency__boundary_set", flat=True)) == {"2010"}
    import_boundaries(boundaries_dir / "reading_wards.geojson", "ward")  # default: the current set
    assert set(Ward.objects.values_list("constituency__code", flat=True)) == {"E14001438"}
