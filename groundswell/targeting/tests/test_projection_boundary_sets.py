"""Targeting resolves a projection's seats in the projection's own boundary set: 2024 for new work, 2010 for the
projections saved before the 2024 set (said so on the page and drawn on 2010 outlines), never a mix of codes."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.geography.hexes import import_hexes
from groundswell.geography.models import Constituency, ConstituencyOverlap, Postcode
from groundswell.targeting import services
from groundswell.targeting.history import seat_history
from groundswell.targeting.maps import CATEGORY_COLOURS, probability_colour
from groundswell.targeting.models import Projection, Result
from groundswell.targeting.nearest import nearest_targets
from groundswell.targeting.parties import COLOURS
from groundswell.targeting.selectors import (
    carried_share,
    overlapping_projection,
    projection_boundary_set,
    projection_set,
    winners_on,
)
from groundswell.tests.factories import user_with_role

from .builders import make_projection, make_projection_2024

pytestmark = pytest.mark.django_db
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def organiser(client, units):
    user = user_with_role(Role.ORGANISER, units.clp_a)
    TOTP.activate(user, TOTP_SECRET)
    client.force_login(user)
    return user


def _hexes(data_dir) -> None:
    """Every 2024 seat placed on the hex map (no outlines), as after `import_hexes`."""
    layout = data_dir / "boundaries" / "uk_westminster_2024.hexjson"
    Constituency.objects.bulk_create(
        Constituency(boundary_set_id="2024", code=code, name=cell["n"])
        for code, cell in json.loads(layout.read_text())["hexes"].items()
    )
    import_hexes(layout)


def test_a_projection_names_its_set_and_old_rows_without_one_are_on_2010():
    assert projection_boundary_set(Projection(base_year=2019, inputs={"gb": {}})) == "2010"
    assert projection_boundary_set(Projection(base_year=2024, inputs={})) == "2010"  # only what was saved counts
    assert projection_boundary_set(Projection(base_year=2019, inputs={"boundary_set": "2024"})) == "2024"
    assert projection_boundary_set(Projection(base_year=2019, inputs=None)) == "2010"


def test_the_current_set_is_what_new_work_uses_and_a_2010_projection_is_not_it():
    make_projection_2024()
    assert projection_set(None).code == "2024" and projection_set(None).is_current
    old = make_projection()
    info = projection_set(old)
    assert (info.code, info.current, info.is_current) == ("2010", "2024", False)
    assert "2010" in info.name


def test_targets_on_the_2024_set_are_classified_and_carry_their_set():
    projection = make_projection_2024()
    seats = {s.code: s for s in services.target_list(projection, "LAB")}
    assert {s.boundary_set for s in seats.values()} == {"2024"}
    assert seats["E14001438"].category == "defend"  # Reading Central: held, 70%
    assert seats["E14001348"].category == "attack"  # Maidenhead: Conservative, 25%
    assert seats["E14001593"].category == "out of reach"  # Wokingham: 4%
    assert seats["E14001477"].category == "safe"  # Slough: 95%
    assert seats["E14001593"].winner == "LD" and seats["E14001593"].winner_p == 0.96


def test_a_seat_whose_holder_was_not_saved_is_held_by_its_last_winner_on_that_set():
    for code, party in (("E14001348", "CON"), ("E14001438", "LAB"), ("E14001593", "RUK")):
        Result.objects.create(
            source=Result.Source.HOC, year=2024, boundary_set="2024", ons_code=code, name=code, party=party, won=True
        )
    # A 2010-set winner with the same code must not be read for a 2024-set projection.
    Result.objects.create(
        source=Result.Source.HOC, year=2019, boundary_set="2010", ons_code="E14001438", party="CON", won=True
    )
    assert winners_on("2024") == {"E14001348": "CON", "E14001438": "LAB", "E14001593": "UKIP"}
    projection = make_projection_2024(held=False)
    seats = {s.code: s for s in services.target_list(projection, "LAB")}
    assert seats["E14001438"].held == "LAB" and seats["E14001438"].category == "defend"
    assert seats["E14001348"].held == "CON" and seats["E14001348"].category == "attack"
    assert seats["E14001210"].held == "" and seats["E14001210"].category == "attack"  # no result: not ours


def test_the_dashboard_says_which_set_the_projection_is_on(client, organiser):
    make_projection()
    latest = make_projection_2024()
    page = client.get(reverse("targeting:dashboard")).content.decode()
    assert 'id="projection-set" data-boundary-set="2024"' in page and "the current set" in page
    # The map data's address names the projection, so a cached copy of an older one is never drawn.
    assert f'data-geojson="/targeting/map.geojson?party=LAB&amp;projection={latest.pk}"' in page
    Projection.objects.filter(inputs__boundary_set="2024").delete()
    page = client.get(reverse("targeting:dashboard")).content.decode()
    assert 'data-boundary-set="2010"' in page and "not the current 2024 set" in page
    for name in ("targeting:targets", "targeting:allocation"):
        assert "not the current 2024 set" in client.get(reverse(name)).content.decode()


def test_the_geographic_map_draws_a_2024_projection_on_2024_outlines(client, organiser):
    make_projection()  # Reading East (2010) sits under Reading Central's square, in the other set
    make_projection_2024()
    data = client.get(reverse("targeting:map"), {"party": "LAB"}).json()
    assert data["boundary_set"] == "2024"
    props = {f["properties"]["code"]: f for f in data["features"]}
    assert set(props) == {"E14001438", "E14001210", "E14001439", "E14001348", "E14001593", "E14001477"}
    central = props["E14001438"]["properties"]
    assert central["category"] == "defend" and central["winner_colour"] == COLOURS["LAB"]
    assert central["winner_label"] == "Labour projected to win (70% chance)"


def test_a_2010_projection_is_mapped_on_2010_outlines_only(client, organiser):
    make_projection_2024()
    Projection.objects.all().delete()
    make_projection()
    data = client.get(reverse("targeting:map")).json()
    assert data["boundary_set"] == "2010"
    assert {f["properties"]["code"] for f in data["features"]} == {
        "E14000889",
        "E14000890",
        "E14000530",
        "E14000531",
        "E14000532",
    }


def test_the_hex_map_colours_a_2024_projection_by_chance_winner_and_category(client, organiser, data_dir):
    _hexes(data_dir)
    projection = make_projection_2024()
    page = client.get("/targeting/?view=hex&party=LAB").content.decode()
    assert page.count("<polygon") == 650
    assert f"From projection #{projection.pk}, on the 2024 boundaries." in page
    assert f'fill="{probability_colour(0.70)}"' in page and "Reading Central (E14001438): 70% chance" in page
    assert "no data" in page  # the 644 seats the small projection does not cover say so
    winners = client.get("/targeting/?view=hex&colour=winner").content.decode()
    assert "The projected winner of each seat" in winners
    assert "Wokingham (E14001593): Liberal Democrat projected to win (96% chance)" in winners
    assert f'fill="{COLOURS["LD"]}"' in winners
    targets = client.get("/targeting/targets/?view=hex").content.decode()
    assert f'fill="{CATEGORY_COLOURS["attack"]}"' in targets and "Maidenhead (E14001348): attack" in targets


def test_target_and_allocation_links_name_the_projections_set(client, organiser):
    make_projection_2024()
    page = client.get(reverse("targeting:targets")).content.decode()
    assert "/targeting/seats/E14001438/?set=2024" in page
    response = client.get(
        reverse("targeting:allocation"),
        {"party": "LAB", "safe": 0.9, "reach": 0.1, "budget": 4, "effect": 0.02, "decay": 0.7},
    )
    codes = {r["seat"].code for r in response.context["result"]["rows"]}
    assert codes and codes <= {"E14001438", "E14001210", "E14001439", "E14001348"}
    assert {r["seat"].boundary_set for r in response.context["result"]["rows"]} == {"2024"}
    assert "?set=2024" in response.content.decode()


def test_nearest_marginal_on_the_2024_set_counts_the_home_seat_as_zero_km(client):
    make_projection()
    projection = make_projection_2024()
    Postcode.objects.create(postcode="RG6 1AA", latitude=51.47, longitude=-0.88)  # inside Earley and Woodley
    postcode, seats = nearest_targets("RG6 1AA", projection, "LAB")
    assert postcode == "RG6 1AA"
    assert seats[0].code == "E14001210" and seats[0].km == 0.0
    assert {s.code for s in seats} <= {"E14001438", "E14001210", "E14001439", "E14001348"}
    page = client.get(reverse("targeting:nearest"), {"postcode": "RG6 1AA"}).content.decode()
    assert "Earley and Woodley" in page and "Seats on the 2024 boundaries, today's constituencies" in page


def test_a_2010_seat_under_a_2024_projection_shows_the_seats_its_people_live_in(client, organiser):
    make_projection()
    projection = make_projection_2024()
    Result.objects.create(
        source=Result.Source.HOC, year=2019, boundary_set="2010", ons_code="E14000889", name="Reading East", party="LAB"
    )
    for to_code, share in (("E14001438", 0.6), ("E14001210", 0.4)):
        ConstituencyOverlap.objects.create(
            from_set="2010", from_code="E14000889", to_set="2024", to_code=to_code, population=1, share_of_from=share
        )
    overlapping = overlapping_projection(projection, seat_history("E14000889", "2010"), "LAB")
    assert [(o.code, o.share, o.p_win) for o in overlapping] == [("E14001438", 0.6, 0.70), ("E14001210", 0.4, 0.55)]
    assert carried_share(overlapping) == pytest.approx(0.6 * 0.45 + 0.4 * 0.40)
    page = client.get("/targeting/seats/E14000889/?set=2010").content.decode()
    assert "the latest projection is on the 2024 boundaries" in page
    assert 'id="overlapping-projection"' in page and "/targeting/seats/E14001438/?set=2024" in page
    assert "Earley and Woodley" in page and "43%" in page  # 0.6·45% + 0.4·40% carried onto Reading East


def test_the_dashboard_shows_a_2010_partys_seat_on_the_2024_projections_seats(client, units):
    make_projection()  # Reading East on the 2010 set
    make_projection_2024()
    reading_east = Constituency.objects.get(boundary_set="2010", code="E14000889")
    units.clp_a.constituency = reading_east
    units.clp_a.save()
    for to_code, share in (("E14001438", 0.67), ("E14001210", 0.33)):
        ConstituencyOverlap.objects.create(
            from_set="2010", from_code="E14000889", to_set="2024", to_code=to_code, population=1, share_of_from=share
        )
    user = user_with_role(Role.ORGANISER, units.clp_a)
    TOTP.activate(user, TOTP_SECRET)
    client.force_login(user)
    page = client.get(reverse("targeting:dashboard")).content.decode()
    section = page[page.index('id="your-seats"') :]
    assert '/targeting/seats/E14000889/?set=2010">Reading East</a> (2010 boundaries)' in section
    assert '/targeting/seats/E14001438/?set=2024">Reading Central</a> (67%)' in section
    assert "Earley and Woodley</a> (33%)" in section
