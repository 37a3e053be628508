"""An organiser opens the projection dashboard and the constituency map draws every seat, coloured."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.people.models import OrganisationUnit
from groundswell.targeting.tests.builders import SEATS, make_projection
from groundswell.tests.factories import UnitFactory, user_with_role

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_the_projection_map_loads(live_server, page):
    unit = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    organiser = user_with_role(Role.ORGANISER, unit, email="organiser@example.org")
    TOTP.activate(organiser, SECRET)
    make_projection()

    sign_in(page, live_server.url, "organiser@example.org", SECRET, next_path="/targeting/")

    page.get_by_role("heading", name="Seat projection").wait_for()
    page.locator(f'#targeting-map[data-loaded="{len(SEATS)}"]').wait_for()
    shapes = page.locator("#targeting-map path.leaflet-interactive")
    assert shapes.count() == len(SEATS)
    fills = {shapes.nth(i).get_attribute("fill") for i in range(shapes.count())}
    assert len(fills) > 1  # coloured by win probability, not all alike
    assert page.locator("svg.seat-chart g.party-row").count() == 2
