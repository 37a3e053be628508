"""The pages: reachable by clicking, the plan and map for the team, the agent's decision, the day sheet, the
phone's sync (item by item, replays once, hostile bodies refused)."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.audit.models import AuditEntry
from groundswell.tours import services
from groundswell.tours.models import Attribution, OnTheDay

from .world import build_world, reading_stop, seat_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """A client whose force_login gives privileged users the second factor they must have."""
    plain = client.force_login

    def force_login(user):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        plain(user)

    client.force_login = force_login
    return client


def test_the_organiser_reaches_tours_from_the_dashboard_and_plans_a_day(client):
    w = build_world()
    stop = reading_stop(w)
    client.force_login(w.organiser)
    assert b'href="/tours/"' in client.get("/").content
    page = client.get("/tours/")
    assert f"/tours/{w.tour.pk}/".encode() in page.content
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    page = client.get(f"/tours/{w.tour.pk}/")
    assert page.status_code == 200 and b"Passed on the network" in page.content
    data = client.get(f"/tours/days/{w.day.pk}/map.json").json()
    assert data["legs"] and data["stops"][0]["title"] == stop.title
    sheet = client.get(f"/tours/days/{w.day.pk}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(detail__event="tours.daysheet.export").exists()


def test_a_team_volunteer_reaches_the_tour_from_the_dashboard(client):
    w = build_world()
    client.force_login(w.advance)
    assert b'href="/tours/"' in client.get("/").content
    assert client.get(f"/tours/{w.tour.pk}/").status_code == 200
    client.force_login(w.volunteer)
    assert client.get(f"/tours/{w.tour.pk}/").status_code == 403
    assert client.get(f"/tours/days/{w.day.pk}/map.json").status_code == 403


def test_the_agent_decides_from_the_tours_page(client):
    w = build_world()
    reading_stop(w)
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    a = Attribution.objects.get(kind="day_rate")
    client.force_login(w.agent_reading)
    page = client.get("/tours/")
    assert b"waiting for your decision" in page.content
    client.post(f"/tours/attributions/{a.pk}/", {"decision": "accept"})
    a.refresh_from_db()
    assert a.decision == "accepted" and a.item is not None


def _sync(client, items):
    return client.post("/tours/sync/", json.dumps({"items": items}), content_type="application/json")


def test_the_phone_syncs_arrivals_once_and_a_delay_tells_the_next_stops(client):
    w = build_world()
    stop = reading_stop(w)
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    stop.refresh_from_db()
    client.force_login(w.driver)
    late = f"{w.day.date}T{(stop.planned_arrival.hour + 1) % 24:02d}:00:00+01:00"
    item = {"client_id": "a1", "stop": stop.pk, "kind": "arrived", "at": late}
    assert _sync(client, [item]).json()["results"][0]["status"] == "saved"
    assert _sync(client, [item]).json()["results"][0]["status"] == "duplicate"
    assert OnTheDay.objects.count() == 1
    stop.refresh_from_db()
    assert stop.delay_minutes >= 10
    bad = _sync(client, [{"client_id": "b", "stop": stop.pk, "kind": "arrived", "at": "soon"}]).json()
    assert bad["results"][0]["field"] == "at"
    client.force_login(w.volunteer)
    assert _sync(client, [{**item, "client_id": "c"}]).json()["results"][0]["status"] == "forbidden"


@settings(max_examples=40, deadline=None)
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                      st.lists(st.dictionaries(st.sampled_from(["client_id", "stop", "kind", "at"]),
                                               st.one_of(st.text(max_size=20), st.integers(), st.none())),
                               max_size=5).map(lambda items: json.dumps({"items": items}).encode())))  # fmt: skip
def test_the_sync_endpoint_answers_any_body_without_an_error(client, body):
    w = _world_once()
    client.force_login(w.driver)
    response = client.post("/tours/sync/", body, content_type="application/json")
    assert response.status_code in (200, 400, 413)


_cached = {}


def _world_once():
    if "w" not in _cached or not type(_cached["w"].tour).objects.filter(pk=_cached["w"].tour.pk).exists():
        _cached["w"] = build_world()
    return _cached["w"]


def test_the_vehicles_position_is_for_the_team_only_and_each_view_is_audited(client):
    w = build_world()
    client.force_login(w.driver)
    assert client.post(f"/tours/{w.tour.pk}/position/", {"lat": "51.45", "lon": "-0.97"}).json()["status"] == "saved"
    assert client.get(f"/tours/days/{w.day.pk}/map.json").json()["vehicle"]["lat"] == 51.45
    assert AuditEntry.objects.filter(detail__event="tours.position.view", actor=w.driver).exists()
    client.force_login(w.volunteer)
    assert client.post(f"/tours/{w.tour.pk}/position/", {"lat": "51.45", "lon": "-0.97"}).status_code == 403
    assert client.get(f"/tours/days/{w.day.pk}/map.json").status_code == 403


def test_an_organiser_not_on_the_team_sees_neither_route_nor_stops(client):
    w = build_world()
    stop = reading_stop(w)
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    client.force_login(w.other_organiser)
    assert b"need-to-know" in client.get("/tours/").content
    for url in (f"/tours/{w.tour.pk}/", f"/tours/days/{w.day.pk}/map.json", f"/tours/stops/{stop.pk}/",
                f"/tours/days/{w.day.pk}/sheet.pdf"):  # fmt: skip
        assert client.get(url).status_code == 403, url


def test_a_stops_advance_team_reaches_it_from_tours(client):
    w = build_world()
    stop = reading_stop(w)
    services.add_advance(actor=w.organiser, stop=stop, user=w.advance_2)
    client.force_login(w.advance_2)
    assert f"/tours/stops/{stop.pk}/".encode() in client.get("/tours/").content
    assert client.get(f"/tours/stops/{stop.pk}/").status_code == 200


def test_the_on_the_day_page_is_for_the_team_and_its_service_worker_covers_the_days(client):
    w = build_world()
    stop = reading_stop(w)
    client.force_login(w.driver)
    page = client.get(f"/tours/days/{w.day.pk}/on-the-day/")
    assert page.status_code == 200 and stop.venue_name.encode() in page.content
    sw = client.get("/tours/days/sw.js")
    assert sw["Service-Worker-Allowed"] == "/tours/days/" and b"on-the-day" in sw.content
    client.force_login(w.volunteer)
    assert client.get(f"/tours/days/{w.day.pk}/on-the-day/").status_code == 403
