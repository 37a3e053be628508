"""An organiser switches the projection dashboard to the hex map and sees all 650 seats of the 2024 set."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.geography.hexes import import_hexes
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.targeting.tests.builders import make_projection
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
