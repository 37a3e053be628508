"""Code-Point Open postcodes placed in both boundary sets, on the real files: the national 2010 and 2024
constituency boundaries (data/boundaries), the shipped Reading (RG) postcodes, and real London, Scottish and Welsh
postcodes (tests/data/codepoint_london_scotland_wales.csv). The lookup command and endpoint name each set's seat."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from groundswell.geography import lookup
from groundswell.geography.bench import BOUNDARY_FILES, SHIPPED_CODEPOINT, import_national_boundaries
from groundswell.geography.boundaries import import_boundaries
from groundswell.geography.lookup import lookup_point, lookup_postcode
from groundswell.geography.models import Constituency, Postcode, Ward
from groundswell.geography.onspd import import_postcodes

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "codepoint_london_scotland_wales.csv"
READING_EAST = ("E14000889", "Reading East")
READING_CENTRAL = ("E14001438", "Reading Central")
EARLEY_AND_WOODLEY = ("E14001210", "Earley and Woodley")
CITIES = "Cities of London and Westminster"


@pytest.fixture(scope="module")
def national(django_db_setup, django_db_blocker, data_dir):
    """Both national constituency sets and Reading's wards, imported once for the module (it takes a while) and
    removed after it."""
    boundaries = data_dir / "boundaries"
    with django_db_blocker.unblock():
        try:
            import_national_boundaries(boundaries)
            import_boundaries(boundaries / "reading_wards.geojson", "ward")
            yield
        finally:
            Ward.objects.filter(source="reading_wards.geojson").delete()
            Constituency.objects.filter(source__in=BOUNDARY_FILES.values()).delete()
            lookup.invalidate()


def seat(result, boundary_set: str) -> tuple[str | None, str | None]:
    data = result.as_dict()
    return data[f"constituency_code_{boundary_set}"], data[f"constituency_name_{boundary_set}"]


def test_the_shipped_reading_postcodes_are_placed_in_both_sets(national, data_dir):
    report = import_postcodes(data_dir / SHIPPED_CODEPOINT)
    assert (report.layout, report.rows, report.inserted) == ("Code-Point Open", 22833, 22833)
    assert report.outside == {"2010": 0, "2024": 0}  # every RG postcode is inland, inside a seat of each set
    # Reading town centre: Reading East until 2024, Reading Central since (as the 2024 polygons place it).
    town = lookup_postcode("RG1 1AF")
    assert seat(town, "2010") == READING_EAST and seat(town, "2024") == READING_CENTRAL
    assert (town.constituency_code, town.constituency_name) == READING_CENTRAL  # the current set's
    assert (town.ward_code, town.ward_name) == ("E05002319", "Abbey")  # from the loaded ward boundaries
    # Earley: also Reading East in the 2010 set, but Earley and Woodley in the 2024 one.
    earley = lookup_postcode("RG6 1AA")
    assert seat(earley, "2010") == READING_EAST and seat(earley, "2024") == EARLEY_AND_WOODLEY
    stored = Postcode.objects.get(postcode="RG6 1AA")
    assert (stored.constituency_code_2010, stored.constituency_code_2024, stored.constituency_code) == (
        READING_EAST[0],
        EARLEY_AND_WOODLEY[0],
        EARLEY_AND_WOODLEY[0],
    )
    # Reading East's 2010 postcodes went mostly to these two 2024 seats (the overlap the demo shows).
    went_to = Postcode.objects.filter(constituency_code_2010=READING_EAST[0]).values_list(
        "constituency_code_2024", flat=True
    )
    shares = {code: list(went_to).count(code) / len(went_to) for code in set(went_to)}
    assert shares[READING_CENTRAL[0]] + shares[EARLEY_AND_WOODLEY[0]] > 0.9


@pytest.mark.parametrize(
    "postcode,seat_2010,seat_2024",
    [
        ("SW1A 1AA", ("E14000639", CITIES), ("E14001172", CITIES)),  # Buckingham Palace
        ("EC2R 8AH", ("E14000639", CITIES), ("E14001172", CITIES)),  # the Bank of England
        ("EH1 1YZ", ("S14000022", "Edinburgh East"), ("S14000078", "Edinburgh East and Musselburgh")),
        ("EH99 1SP", ("S14000022", "Edinburgh East"), ("S14000078", "Edinburgh East and Musselburgh")),  # Holyrood
        ("G2 1DU", ("S14000029", "Glasgow Central"), ("S14000086", "Glasgow North East")),
        ("AB10 1AA", ("S14000001", "Aberdeen North"), ("S14000061", "Aberdeen South")),
        ("CF10 3NQ", ("W07000050", "Cardiff Central"), ("W07000091", "Cardiff South and Penarth")),
    ],
)
def test_london_scottish_and_welsh_postcodes_resolve_in_both_sets(national, postcode, seat_2010, seat_2024):
    report = import_postcodes(FIXTURE)
    assert report.rows == 8 and report.outside == {"2010": 0, "2024": 0}
    result = lookup_postcode(postcode)
    assert seat(result, "2010") == seat_2010
    assert seat(result, "2024") == seat_2024
    assert (result.constituency_code, result.constituency_name) == seat_2024


def test_the_lookup_command_and_endpoint_name_the_seat_in_each_set(national, client):
    import_postcodes(FIXTURE)
    out = StringIO()
    call_command("lookup", "sw1a 1aa", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer == {
        "postcode": "SW1A 1AA",
        "lat": 51.501009,
        "lon": -0.141588,
        "constituency_code": "E14001172",
        "constituency_name": CITIES,
        "ward_code": "E05000644",  # the file's ward: no Westminster ward boundaries are loaded
        "ward_name": None,
        "constituency_code_2010": "E14000639",
        "constituency_name_2010": CITIES,
        "constituency_code_2024": "E14001172",
        "constituency_name_2024": CITIES,
    }
    assert client.get("/geography/lookup", {"postcode": "SW1A1AA"}).json() == answer
    out = StringIO()
    call_command("lookup", "EH1 1YZ", stdout=out)
    assert "2010 set:   Edinburgh East (S14000022)" in out.getvalue()
    assert "2024 set:   Edinburgh East and Musselburgh (S14000078)" in out.getvalue()


def test_a_point_is_named_in_each_set(national):
    result = lookup_point(51.4545, -0.9781)  # Reading town centre, in Abbey ward
    assert seat(result, "2010") == READING_EAST and seat(result, "2024") == READING_CENTRAL
    assert (result.constituency_code, result.ward_name) == (READING_CENTRAL[0], "Abbey")
    offshore = lookup_point(50.0, -3.0)  # the English Channel: in no seat of either set
    assert seat(offshore, "2010") == (None, None) and seat(offshore, "2024") == (None, None)
