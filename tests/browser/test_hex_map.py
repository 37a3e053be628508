"""An organiser switches the projection dashboard to the hex map and sees all 650 seats of the 2024 set, coloured
by the projection once it is on the 2024 set (by chance, or by projected winner)."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.geography.hexes import import_hexes
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.targeting.maps import probability_colour
from groundswell.targeting.parties import COLOURS
from groundswell.targeting.tests.builders import make_projection, make_projection_2024
from groundswell.tests.factories import UnitFactory, user_with_role

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_the_hex_map_draws_650_seats(live_server, page, data_dir):
    layout = data_dir / "boundaries" / "uk_westminster_2024.hexjson"
    Constituency.objects.bulk_create(
        Constituency(boundary_set_id="2024", code=code, name=cell["n"])
        for code, cell in json.loads(layout.read_text())["hexes"].items()
    )
    import_hexes(layout)
    unit = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    organiser = user_with_role(Role.ORGANISER, unit, email="organiser@example.org")
    TOTP.activate(organiser, SECRET)
    make_projection()

    sign_in(page, live_server.url, "organiser@example.org", SECRET, next_path="/targeting/")
    page.get_by_role("heading", name="Seat projection").wait_for()
    page.get_by_role("link", name="Hex map").click()
    page.locator("svg.hexmap").wait_for()
    hexes = page.locator("svg.hexmap a.hex polygon")
    assert hexes.count() == 650
    assert len({hexes.nth(i).get_attribute("fill") for i in range(0, 650, 50)}) > 1  # coloured by region
    assert page.get_by_text("The 2024 seats by nation and region").is_visible()
    page.locator('svg.hexmap a.hex[data-code="E14001438"]').click()
    page.get_by_role("heading", name="Reading Central").wait_for()
    assert page.get_by_text("2024 boundaries").first.is_visible()


def test_the_hex_and_geographic_maps_colour_a_2024_projection(live_server, page, data_dir):
    layout = data_dir / "boundaries" / "uk_westminster_2024.hexjson"
    Constituency.objects.bulk_create(
        Constituency(boundary_set_id="2024", code=code, name=cell["n"])
        for code, cell in json.loads(layout.read_text())["hexes"].items()
    )
    import_hexes(layout)
    unit = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    organiser = user_with_role(Role.ORGANISER, unit, email="organiser@example.org")
    TOTP.activate(organiser, SECRET)
    make_projection()  # an older projection on the 2010 set
    projection = make_projection_2024()  # the latest, on the 2024 set: it colours the hexes

    sign_in(page, live_server.url, "organiser@example.org", SECRET, next_path="/targeting/")
    page.get_by_role("heading", name="Seat projection").wait_for()
    assert "the current set" in page.locator("#projection-set").inner_text()
    # The geographic map draws the projection's six seats on their 2024 outlines.
    page.wait_for_function("document.getElementById('targeting-map').dataset.loaded === '6'")
    assert page.locator("#targeting-map").get_attribute("data-boundary-set") == "2024"

    page.get_by_role("link", name="Hex map").click()
    page.locator("svg.hexmap").wait_for()
    assert page.locator("svg.hexmap a.hex polygon").count() == 650
    central = page.locator('svg.hexmap a.hex[data-code="E14001438"] polygon')
    assert central.get_attribute("fill") == probability_colour(0.70)
    assert "70% chance" in central.locator("title").text_content()
    assert page.get_by_text(f"From projection #{projection.pk}, on the 2024 boundaries.").is_visible()

    page.get_by_label("Colour by").select_option("winner")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("The projected winner of each seat").first.wait_for()
    wokingham = page.locator('svg.hexmap a.hex[data-code="E14001593"] polygon')
    assert wokingham.get_attribute("fill") == COLOURS["LD"]
    assert page.locator('svg.hexmap a.hex[data-code="E14001438"] polygon').get_attribute("fill") == COLOURS["LAB"]
    assert page.locator(".hexmap-legend").get_by_text("Liberal Democrat").is_visible()

    page.locator('svg.hexmap a.hex[data-code="E14001438"]').click()
    page.get_by_role("heading", name="Reading Central").wait_for()
    assert page.get_by_role("heading", name="Chance of winning").is_visible()
