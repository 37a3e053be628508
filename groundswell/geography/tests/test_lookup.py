"""Point and postcode lookups, the bulk geocoder, the cache and the `lookup` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell.geography import lookup
from groundswell.geography.lookup import (
    BoundariesNotLoaded,
    PostcodeNotFound,
    geocode_postcodes,
    lookup_point,
    lookup_postcode,
)
from groundswell.geography.models import Constituency, Postcode
from groundswell.geography.postcodes import InvalidPostcode

pytestmark = pytest.mark.django_db

TOWN_CENTRE = (51.4545, -0.9781)  # Reading, in Abbey ward, Reading East


def test_point_lookup(reading):
    result = lookup_point(*TOWN_CENTRE)
    assert (result.constituency_code, result.constituency_name) == ("E14000889", "Reading East")
    assert (result.ward_code, result.ward_name) == ("E05002319", "Abbey")
    assert result.postcode is None and (result.lat, result.lon) == TOWN_CENTRE
    west = lookup_point(51.4480, -1.0300)  # Tilehurst side of Reading
    assert west.constituency_code == "E14000890"
    outside = lookup_point(52.2, 0.12)  # Cambridge: no boundaries loaded there
    assert outside.constituency_code is None and outside.ward_code is None


def test_point_lookup_needs_boundaries_and_a_real_point(db):
    with pytest.raises(BoundariesNotLoaded, match="import_boundaries"):
        lookup_point(*TOWN_CENTRE)
    with pytest.raises(ValueError, match="latitude first"):
        lookup_point(-0.9781 + 200, 51.4545)


def test_postcode_lookup_uses_the_directory_codes(reading):
    Postcode.objects.create(
        postcode="RG1 1AA", latitude=51.4545, longitude=-0.9781, constituency_code="E14000889", ward_code="E05002319"
    )
    result = lookup_postcode("rg11aa")
    assert result.postcode == "RG1 1AA"
    assert (result.constituency_code, result.constituency_name, result.ward_name) == (
        "E14000889",
        "Reading East",
        "Abbey",
    )


def test_directory_codes_win_over_the_point(reading):
    # A newer ONSPD than the boundaries: the code is kept even though no boundary has that name.
    Postcode.objects.create(postcode="RG1 1AB", latitude=51.4545, longitude=-0.9781, constituency_code="E14001440")
    result = lookup_postcode("RG1 1AB")
    assert (result.constituency_code, result.constituency_name) == ("E14001440", None)
    assert (result.ward_code, result.ward_name) == ("E05002319", "Abbey")  # ward blank in the row: from the point


def test_postcode_without_codes_falls_back_to_its_coordinates(reading):
    Postcode.objects.create(postcode="RG1 1AD", latitude=51.4545, longitude=-0.9781)
    result = lookup_postcode("RG1 1AD")
    assert (result.constituency_code, result.ward_code) == ("E14000889", "E05002319")


def test_unknown_and_junk_postcodes(db):
    with pytest.raises(PostcodeNotFound) as excinfo:
        lookup_postcode("sw1a 1aa")
    assert str(excinfo.value) == "SW1A 1AA is not in the postcode table (is the ONS Postcode Directory loaded?)"
    with pytest.raises(InvalidPostcode, match="not a UK postcode"):
        lookup_postcode("XX1 1XX")


def test_trees_are_cached_and_rebuilt_when_boundaries_change(reading):
    first = lookup.get_index()
    assert lookup.get_index() is first  # no rebuild while nothing changes
    # Another process re-importing shows up only in the database: the version stamp catches it.
    Constituency.objects.filter(code="E14000889").update(name="Reading Renamed", updated_at=timezone.now())
    assert lookup.get_index() is not first
    assert lookup_point(*TOWN_CENTRE).constituency_name == "Reading Renamed"


def test_geocode_postcodes_in_chunks(db):
    Postcode.objects.bulk_create(
        Postcode(postcode=f"RG{d} {s}AA", latitude=51.4, longitude=-0.9, constituency_code="E14000889", ward_code="W")
        for d in range(1, 13)
        for s in range(10)
    )
    wanted = [f"rg{d}{s}aa" for d in range(1, 13) for s in range(10)] * 5 + ["junk", "ZE9 9ZZ"]
    with CaptureQueriesContext(connection) as queries:
        found = geocode_postcodes(wanted)
    assert len(found) == 120 and "ZE9 9ZZ" not in found
    assert len(queries) == 1  # 120 distinct postcodes fit in one chunk of 500
    info = found["RG7 3AA"]
    assert (info.lat, info.lon, info.constituency_code) == (51.4, -0.9, "E14000889")
    many = [f"{area}{d} {s}AB" for area in ("RG", "SL", "OX") for d in range(1, 21) for s in range(10)]
    with CaptureQueriesContext(connection) as queries:
        geocode_postcodes(many)
    assert len(queries) == 2  # 600 postcodes → two chunks


def test_geocode_completes_missing_codes_from_coordinates(reading):
    Postcode.objects.create(postcode="RG1 1AE", latitude=51.4545, longitude=-0.9781)
    assert geocode_postcodes(["RG1 1AE"])["RG1 1AE"].ward_code == "E05002319"


def test_lookup_command_json(reading):
    Postcode.objects.create(
        postcode="RG1 1AA", latitude=51.4545, longitude=-0.9781, constituency_code="E14000889", ward_code="E05002319"
    )
    out = StringIO()
    call_command("lookup", "rg1 1aa", "--json", stdout=out)
    data = json.loads(out.getvalue())
    # Today's keys, plus each boundary set's seat (issue 16); only the 2010 set is loaded here.
    assert data == {
        "postcode": "RG1 1AA",
        "lat": 51.4545,
        "lon": -0.9781,
        "constituency_code": "E14000889",
        "constituency_name": "Reading East",
        "ward_code": "E05002319",
        "ward_name": "Abbey",
        "constituency_code_2010": "E14000889",
        "constituency_name_2010": "Reading East",
        "constituency_code_2024": None,
        "constituency_name_2024": None,
    }
    out = StringIO()
    call_command("lookup", "--point", "51.4545,-0.9781", "--json", stdout=out)
    assert json.loads(out.getvalue())["constituency_code"] == "E14000889"


def test_lookup_command_text_and_errors(reading):
    out = StringIO()
    call_command("lookup", "--point", "51.4545,-0.9781", stdout=out)
    assert "constituency: Reading East (E14000889)" in out.getvalue()
    assert "ward:         Abbey (E05002319)" in out.getvalue()
    with pytest.raises(CommandError, match="not in the postcode table"):
        call_command("lookup", "RG9 9ZZ")
    with pytest.raises(CommandError, match="is not a point"):
        call_command("lookup", "--point", "Reading")
    with pytest.raises(CommandError, match="either a postcode"):
        call_command("lookup")


def test_lookup_command_exit_status_for_junk():
    # A real process, so the exit status and stderr are what a shell user sees.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "groundswell.settings.test"}
    done = subprocess.run(
        [sys.executable, "-m", "groundswell.manage", "lookup", "XX1 1XX", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert "'XX1 1XX' is not a UK postcode" in done.stderr
