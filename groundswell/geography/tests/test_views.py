"""The public JSON endpoints under /geography/."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from groundswell.geography.models import Constituency, Postcode

pytestmark = pytest.mark.django_db


def test_lookup_by_postcode(client, reading):
    Postcode.objects.create(
        postcode="RG1 1AA", latitude=51.4545, longitude=-0.9781, constituency_code="E14000889", ward_code="E05002319"
    )
    response = client.get("/geography/lookup", {"postcode": "rg11aa"})
    assert response.status_code == 200
    assert response.json() == {
        "postcode": "RG1 1AA",
        "lat": 51.4545,
        "lon": -0.9781,
        "constituency_code": "E14000889",
        "constituency_name": "Reading East",
        "ward_code": "E05002319",
        "ward_name": "Abbey",
        # Each boundary set's seat (issue 16); only the 2010 set is loaded here.
        "constituency_code_2010": "E14000889",
        "constituency_name_2010": "Reading East",
        "constituency_code_2024": None,
        "constituency_name_2024": None,
    }


def test_lookup_by_point(client, reading):
    response = client.get(reverse("geography:lookup"), {"point": "51.4545,-0.9781"})
    assert response.status_code == 200
    assert response.json()["ward_name"] == "Abbey"


@pytest.mark.parametrize(
    "params,status,message",
    [
        ({"postcode": "XX1 1XX"}, 400, "not a UK postcode"),
        ({"postcode": "RG9 9ZZ"}, 404, "not in the postcode table"),
        ({"point": "north,west"}, 400, "is not a point"),
        ({}, 400, "give either"),
        ({"postcode": "RG1 1AA", "point": "51,0"}, 400, "give either"),
    ],
)
def test_lookup_errors(client, db, params, status, message):
    response = client.get("/geography/lookup", params)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_constituency_geojson_with_wards(client, reading):
    response = client.get(reverse("geography:constituency-geojson", args=["E14000889"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    first, *wards = data["features"]
    assert first["properties"] == {
        "code": "E14000889",
        "name": "Reading East",
        "kind": "constituency",
        "boundary_set": "2010",
    }
    assert first["geometry"] == json.loads(Constituency.objects.get(code="E14000889").simplified)
    ward_names = {w["properties"]["name"] for w in wards}
    assert {"Abbey", "Bulmershe and Whitegates"} <= ward_names
    assert all(w["properties"]["kind"] == "ward" for w in wards)
    assert "Tilehurst" not in ward_names  # a Reading West ward


def test_constituency_geojson_unknown(client, db):
    assert client.get("/geography/constituencies/E14999999.geojson").status_code == 404
