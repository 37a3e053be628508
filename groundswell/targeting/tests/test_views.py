"""The targeting pages: who may see them, what they show, and the public nearest-marginal page."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.geography.hexes import import_hexes
from groundswell.geography.models import Constituency, Postcode
from groundswell.targeting import events
from groundswell.targeting.models import Projection
from groundswell.tests.factories import user_with_role

from .builders import make_projection

pytestmark = pytest.mark.django_db
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def signed_in(client, role: str, unit):
    user = user_with_role(role, unit)
    TOTP.activate(user, TOTP_SECRET)
    client.force_login(user)
    return user


@pytest.fixture
def organiser(client, units):
    return signed_in(client, Role.ORGANISER, units.clp_a)


PAGES = ["targeting:dashboard", "targeting:targets", "targeting:allocation", "targeting:polls", "targeting:map"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_members_and_canvassers_may_not_see_targeting(client, units, name):
    make_projection()
    signed_in(client, Role.CANVASSER, units.clp_a)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.COORDINATOR, Role.ADMINISTRATOR])
def test_organisers_coordinators_and_administrators_may(client, units, role):
    make_projection()
    signed_in(client, role, units.clp_a)
    response = client.get(reverse("targeting:dashboard"))
    assert response.status_code == 200
    assert b'id="seat-chart-title"' in response.content


def test_dashboard_shows_totals_with_intervals_and_the_map(client, organiser):
    make_projection()
    page = client.get(reverse("targeting:dashboard")).content.decode()
    assert 'id="targeting-map"' in page
    assert "Northern Ireland" in page
    assert "1–4" in page  # Labour's 90% interval in the table


def test_running_a_projection_from_the_dashboard_saves_it(client, organiser, results):
    response = client.post(
        reverse("targeting:dashboard"),
        {
            "base": 2019,
            "shares": "CON=0.30,LAB=0.40,LD=0.12,UKIP=0.1,GRN=0.05,SNP=0.03",
            "nation_shares": "",
            "method": "uniform",
            "sims": 200,
            "label": "test",
        },
    )
    assert response.status_code == 302
    projection = Projection.objects.get()
    assert projection.label == "test" and len(projection.seats) == 632
    assert projection.totals["LAB"]["point"] > projection.totals["CON"]["point"]


def test_bad_shares_are_explained_on_the_form(client, organiser):
    response = client.post(
        reverse("targeting:dashboard"),
        {
            "base": 2019,
            "shares": "CON=0.3,WHIG=0.2",
            "method": "model",
            "sims": 200,
        },
    )
    assert response.status_code == 200
    assert "unknown party &#x27;WHIG&#x27;" in response.content.decode()
    assert not Projection.objects.exists()


def test_the_map_data_carries_probability_and_category(client, organiser):
    make_projection()
    data = client.get(reverse("targeting:map"), {"party": "LAB"}).json()
    props = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert props["E14000889"]["p_win"] == 0.62 and props["E14000889"]["category"] == "defend"
    assert props["E14000890"]["category"] == "attack"
    assert props["E14000530"]["category"] == "out of reach"
    assert props["E14000531"]["category"] == "safe"


def test_target_thresholds_are_the_users_to_change(client, organiser):
    make_projection()
    page = client.get(
        reverse("targeting:targets"), {"party": "LAB", "safe": 0.9, "reach": 0.35, "category": "out of reach"}
    ).content.decode()
    assert "Slough" in page and "Aldershot" in page  # 30% is out of reach with a 35% threshold
    sorted_page = client.get(reverse("targeting:targets"), {"sort": "p_win"}).content.decode()
    assert sorted_page.index("Oxford East") < sorted_page.index("Reading East") < sorted_page.index("Aldershot")


def test_impossible_thresholds_are_refused_with_a_message(client, organiser):
    make_projection()
    page = client.get(reverse("targeting:targets"), {"safe": 0.2, "reach": 0.5}).content.decode()
    assert "must be below the safe threshold" in page


def test_allocation_shows_the_gain_over_an_even_spread(client, organiser):
    make_projection()
    response = client.get(
        reverse("targeting:allocation"),
        {
            "party": "LAB",
            "safe": 0.9,
            "reach": 0.1,
            "budget": 6,
            "effect": 0.02,
            "decay": 0.7,
        },
    )
    result = response.context["result"]
    assert sum(result["plan"].allocation.organisers) == 6
    assert result["plan"].gain_over_even >= 0
    assert len(result["plan"].sensitivity) == 5
    assert 'id="gain-advantage"' in response.content.decode()


def test_poll_tracker_page_with_and_without_polls(client, organiser):
    from groundswell.targeting.polls import import_polls

    assert "No polls imported" in client.get(reverse("targeting:polls")).content.decode()
    import_polls("pollster,fieldwork_end,sample_size,Con,Lab\nA,2026-10-01,1000,30,40\nB,2026-10-03,1000,32,38\n")
    page = client.get(reverse("targeting:polls")).content.decode()
    assert 'id="poll-chart-title"' in page and "House effects" in page


def test_a_seat_page_shows_the_canvass_picture_and_is_audited(client, organiser):
    make_projection()
    response = client.get(reverse("targeting:seat", args=["E14000889"]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="viewed", object_type="geography.constituency")
    assert entry.detail == {"page": "targeting local picture"}


def test_nearest_marginal_is_public_and_sorted_by_distance(client):
    make_projection()
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.455, longitude=-0.97)
    response = client.get(reverse("targeting:nearest"), {"postcode": "rg11aa"})
    assert response.status_code == 200
    names = [s.name for s in response.context["results"]]
    # Attack and defend seats only (Oxford East is safe, Aldershot out of reach), nearest first.
    assert names == ["Reading East", "Reading West", "Slough"]


def test_nearest_marginal_explains_an_unknown_postcode(client):
    make_projection()
    response = client.get(reverse("targeting:nearest"), {"postcode": "RG9 9ZZ"})
    assert "not in the postcode table" in response.content.decode()


def test_without_the_events_app_there_are_no_events(monkeypatch):
    monkeypatch.setattr(events, "_lookup", None)
    assert events.upcoming_events(["E14000889"]) == {}


def test_events_come_from_the_lookup_the_events_app_registers(monkeypatch):
    calls = []

    def lookup(codes, limit, boundary_set):
        calls.append((codes, limit, boundary_set))
        return {code: [{"title": "Street stall", "starts_at": None, "url": "/events/1/"}] for code in codes}

    monkeypatch.setattr(events, "_lookup", None)
    events.register_events_lookup(lookup)
    assert events.upcoming_events(["E14000889"], limit=2)["E14000889"][0]["title"] == "Street stall"
    assert events.upcoming_events(["E14000889"], boundary_set="2010")
    assert calls == [(["E14000889"], 2, None), (["E14000889"], 3, "2010")]


def test_nearest_marginal_explains_a_malformed_postcode(client):
    make_projection()
    response = client.get(reverse("targeting:nearest"), {"postcode": "ZZ9 9ZZ"})
    assert "is not a UK postcode" in response.content.decode()


def test_the_hex_map_switch_shows_the_2024_seats_and_says_what_colours_them(client, organiser, data_dir):
    hexes = json.loads((data_dir / "boundaries" / "uk_westminster_2024.hexjson").read_text())["hexes"]
    Constituency.objects.bulk_create(
        Constituency(boundary_set_id="2024", code=code, name=cell["n"]) for code, cell in hexes.items()
    )
    import_hexes(data_dir / "boundaries" / "uk_westminster_2024.hexjson")
    projection = make_projection()  # on the 2010 set: its seats cannot colour the 2024 hexes
    page = client.get("/targeting/?view=hex").content.decode()
    assert page.count("<polygon") == 650
    assert "Geographic map</a>" in page and 'aria-current="page">Hex map' in page
    assert f"Projection #{projection.pk} is on the 2010 boundaries" in page
    assert "/targeting/seats/E14001438/?set=2024" in page
    assert "South East" in page  # the legend says what each colour means
    geographic = client.get("/targeting/").content.decode()
    assert 'id="targeting-map"' in geographic and "view=hex" in geographic and "<polygon" not in geographic
    targets = client.get("/targeting/targets/?view=hex").content.decode()
    assert targets.count("<polygon") == 650
    seat = client.get("/targeting/seats/E14001438/?set=2024").content.decode()
    assert "2024 boundaries" in seat and "the latest projection is on the 2010 boundaries" in seat
