"""The walk pages: who may use them, what they show, and the forms that change walks."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import Walk, WalkAssignment, WalkStop
from groundswell.canvassing.walks import services
from groundswell.register.models import Property
from groundswell.tests.factories import user_with_role

from .conftest import signed_in

pytestmark = pytest.mark.django_db

BASE = "/canvassing/walks"


@pytest.fixture
def walks(register):
    return services.cut_walks(register.campaign, Property.objects.all(), target_size=30, min_size=20, max_size=40)


def test_walk_list_shows_sizes_routes_and_assignees(client, organiser, register, walks):
    canvasser = user_with_role(Role.CANVASSER, register.clp, email="canvasser@example.org")
    services.assign_walk(walks[0], canvasser)
    response = client.get(f"{BASE}/campaign/{register.campaign.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    for walk in walks:
        assert walk.name in page
        assert f"{walk.route_length_m:.0f} m" in page
    assert "canvasser@example.org" in page
    assert [w.doors for w in response.context["walks"]] == [w.stops.count() for w in response.context["walks"]]


def test_walk_page_lists_doors_in_route_order_with_map_data(client, organiser, register, walks, settings):
    settings.GROUNDSWELL_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    walk = walks[0]
    response = client.get(f"{BASE}/{walk.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "leaflet/leaflet.js" in page and "https://tiles.example.org/{z}/{x}/{y}.png" in page
    stops = response.context["stops"]
    assert [s.order for s in stops] == list(range(1, walk.stops.count() + 1))
    # The door list is in the page itself (it works without tiles or scripts), in route order.
    positions = [page.index(f"<td>{s.household}</td>") for s in stops]
    assert positions == sorted(positions)
    assert len(response.context["points"]) == len(stops)
    assert AuditEntry.objects.filter(action="viewed", object_type="canvassing.walk", object_id=str(walk.pk)).exists()


def test_move_street_form(client, organiser, register, walks):
    source = WalkStop.objects.filter(household__street="Street 3").first().walk
    target = next(w for w in walks if w.pk != source.pk)
    response = client.post(
        f"{BASE}/{source.pk}/", {"action": "move_street", "street": "Street 3", "to_walk": target.pk}
    )
    assert response.status_code == 302
    assert set(WalkStop.objects.filter(household__street="Street 3").values_list("walk_id", flat=True)) == {target.pk}


def test_move_ticked_doors_form(client, organiser, register, walks):
    source, target = walks[0], walks[1]
    chosen = list(source.stops.order_by("order").values_list("household_id", flat=True)[:2])
    client.post(f"{BASE}/{source.pk}/", {"action": "move_doors", "household": chosen, "to_walk": target.pk})
    assert set(WalkStop.objects.filter(household_id__in=chosen).values_list("walk_id", flat=True)) == {target.pk}


def test_assign_form_only_offers_people_of_the_area(client, organiser, register, walks):
    walk = walks[0]
    local = user_with_role(Role.CANVASSER, register.clp)
    outsider = user_with_role(Role.CANVASSER, register.sibling)
    page = client.get(f"{BASE}/{walk.pk}/")
    assert local in page.context["assignable"] and outsider not in page.context["assignable"]
    client.post(f"{BASE}/{walk.pk}/", {"action": "assign", "user": outsider.pk})
    assert not WalkAssignment.objects.exists()
    client.post(f"{BASE}/{walk.pk}/", {"action": "assign", "user": local.pk})
    assert list(walk.assigned_to.all()) == [local]
    client.post(f"{BASE}/{walk.pk}/", {"action": "unassign", "user": local.pk})
    assert not WalkAssignment.objects.exists()


def test_walk_sheet_download_is_audited_as_export(client, organiser, register, walks):
    walk = walks[0]
    response = client.get(f"{BASE}/{walk.pk}/sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="exported", object_id=str(walk.pk))
    assert entry.reason == "walk sheet" and entry.actor == organiser
    assert entry.unit_path == register.clp.path


def test_board_report_page_and_csv(client, organiser, register, walks):
    response = client.get(f"{BASE}/campaign/{register.campaign.pk}/report/")
    assert response.status_code == 200
    assert "Street 0" in response.content.decode()
    csv_response = client.get(f"{BASE}/campaign/{register.campaign.pk}/report/?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().strip().splitlines()
    assert lines[0].startswith("level,name,polling_district")
    assert len(lines) == 1 + len(walks) + 6  # a row per walk and per street


def test_cut_form_cuts_the_remaining_doors(client, organiser, register):
    url = f"{BASE}/campaign/{register.campaign.pk}/"
    client.post(url, {"polling_district": ["AA"], "min_size": 20, "target_size": 30, "max_size": 40})
    aa = Property.objects.filter(polling_district="AA")
    assert WalkStop.objects.filter(campaign=register.campaign).count() == aa.count()
    # Cutting again with both districts only cuts the doors not yet on a walk.
    client.post(url, {"polling_district": ["AA", "AB"], "min_size": 20, "target_size": 30, "max_size": 40})
    assert WalkStop.objects.filter(campaign=register.campaign).count() == Property.objects.count()


@pytest.mark.parametrize(
    "role,where",
    [(Role.VOLUNTEER, "clp"), (Role.CANVASSER, "clp"), (Role.ORGANISER, "sibling"), (Role.COORDINATOR, "sibling")],
)
def test_people_without_the_permission_here_get_403(client, register, walks, role, where):
    signed_in(client, role, getattr(register, where))
    walk = walks[0]
    for url in (
        f"{BASE}/campaign/{register.campaign.pk}/",
        f"{BASE}/campaign/{register.campaign.pk}/report/",
        f"{BASE}/{walk.pk}/",
        f"{BASE}/{walk.pk}/sheet.pdf",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{BASE}/{walk.pk}/", {"action": "assign", "user": 1}).status_code == 403
    assert not AuditEntry.objects.filter(action="exported").exists()


def test_coordinator_of_the_campaign_unit_may_use_the_pages(client, register, walks):
    signed_in(client, Role.COORDINATOR, register.clp)
    assert client.get(f"{BASE}/{walks[0].pk}/").status_code == 200
    assert Walk.objects.count() == len(walks)
