"""The demo's projection is on the 2024 set (built from the 2024 results until the engine projects from 2024), and
the demo's seat pages show Reading East (2010) becoming Reading Central and Earley and Woodley (2024)."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.geography.models import ConstituencyOverlap
from groundswell.targeting import services
from groundswell.targeting.demo import DEMO_LABEL, DEMO_SHARES, build_targeting, projection_from_results
from groundswell.targeting.models import Projection
from groundswell.targeting.selectors import projection_boundary_set
from groundswell.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_targeting():
    messages: list[str] = []
    build_targeting(messages.append, sims=300)
    build_targeting(messages.append, sims=300)
    assert len(messages) == 2  # the second run had nothing to do
    return Projection.objects.get(label=DEMO_LABEL)


def test_the_demo_projection_is_on_the_2024_set_keyed_by_its_codes(demo_targeting):
    projection = demo_targeting
    assert projection_boundary_set(projection) == "2024" and projection.base_year == 2024
    new_codes = set(ConstituencyOverlap.objects.values_list("to_code", flat=True))
    assert len(projection.seats) == 632 and set(projection.seats) <= new_codes  # Great Britain's 2024 seats
    assert projection.seats["E14001438"]["name"] == "Reading Central"
    assert projection.seats["E14001210"]["held"] == "LAB"  # won in 2024
    totals = projection.totals
    assert totals["LAB"]["point"] > totals["CON"]["point"] > totals["LD"]["point"]
    assert sum(t["point"] for t in totals.values()) == 632
    for party in ("LAB", "CON", "LD"):
        assert totals[party]["p5"] <= totals[party]["point"] <= totals[party]["p95"]
    seats = services.target_list(projection, "LAB")
    assert {s.boundary_set for s in seats} == {"2024"}
    assert {"defend", "attack", "safe"} <= {s.category for s in seats}


def test_the_projection_is_reproducible_with_a_seed(demo_targeting):
    a = projection_from_results(DEMO_SHARES, sims=200, seed=7)
    b = projection_from_results(DEMO_SHARES, sims=200, seed=7)
    assert a.seats == b.seats and a.totals == b.totals
    assert a.inputs["boundary_set"] == "2024" and a.inputs["gb"] == DEMO_SHARES


def test_the_demo_shows_reading_east_becoming_two_2024_seats(client, units, demo_targeting):
    user = user_with_role(Role.ORGANISER, units.clp_a)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    page = client.get("/targeting/seats/E14000889/?set=2010").content.decode()
    assert 'id="became"' in page and 'id="overlapping-projection"' in page
    assert "/targeting/seats/E14001438/?set=2024" in page and "/targeting/seats/E14001210/?set=2024" in page
    central = client.get("/targeting/seats/E14001438/?set=2024").content.decode()
    assert 'id="made-from"' in central and "/targeting/seats/E14000889/?set=2010" in central
    assert "Chance of winning" in central  # the projection covers the 2024 seat itself
