"""Telling pages and JSON endpoints: access, the station's numbers, and the sync endpoint's answers."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.gotv.models import TellingEntry

from .test_telling import build_telling_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_telling_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sync(client: Client, world, items: list[dict]):
    url = reverse("gotv:telling_sync", args=[world.day.pk])
    return client.post(url, data=json.dumps({"items": items}), content_type="application/json")


def _enter(client, world, text: str, cid: str, station=None):
    item = {"op": "enter", "client_id": cid, "station_id": (station or world.hall).pk, "text": text}
    return _sync(client, world, [item]).json()["results"][0]


def test_teller_gets_the_page_with_stations_but_no_register_data(world):
    response = _client(world.teller).get(reverse("gotv:telling", args=[world.day.pk]))
    assert response.status_code == 200
    boot = response.context["boot"]
    assert [s["name"] for s in boot["stations"]] == ["Park School", "St Mary's Hall"]
    assert boot["sync_url"] == reverse("gotv:telling_sync", args=[world.day.pk])
    html = response.content.decode()
    assert 'id="telling-boot"' in html
    # Electors come later, and then as numbers only (names chosen so a random CSRF token cannot contain them).
    assert "Voter1" not in html and "Xylophone" not in html
    assert response.cookies.get("csrftoken")


def test_telling_index_goes_straight_to_the_only_day(world):
    response = _client(world.teller).get(reverse("gotv:telling_days"))
    assert response.status_code == 302 and response.url == reverse("gotv:telling", args=[world.day.pk])


def test_a_teller_from_another_constituency_is_refused(world):
    client = _client(world.outsider)
    assert client.get(reverse("gotv:telling", args=[world.day.pk])).status_code == 403
    station = client.get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk]))
    assert station.status_code == 403 and station.json()["detail"]
    sync = _sync(client, world, [{"op": "enter", "client_id": "o-1", "station_id": world.hall.pk, "text": "3"}])
    assert sync.status_code == 403
    assert not TellingEntry.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count() == 2


def test_signed_out_json_is_401_not_a_redirect(world):
    response = Client().get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk]))
    assert response.status_code == 401 and response.json()["login"]
    page = Client().get(reverse("gotv:telling", args=[world.day.pk]))
    assert page.status_code == 302 and "/accounts/login/" in page.url


def test_station_payload_is_numbers_only_and_audited(world):
    client = _client(world.teller)
    _enter(client, world, "AB2-1", "w-1")  # a wrong-station entry, shown in the hall's list
    response = client.get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk]))
    data = response.json()
    assert data["station"] == {"id": world.hall.pk, "name": "St Mary's Hall", "polling_districts": ["AB1"]}
    assert data["numbers"]["AB1"][:4] == ["1", "2", "3", "3/1"]
    assert {s["name"]: s["polling_districts"] for s in data["stations"]} == {
        "St Mary's Hall": ["AB1"],
        "Park School": ["AB2", "AB3"],
    }
    assert data["tally"] == {"voted": 0, "electorate": 11, "flagged": 1, "percent": 0.0}
    assert [(e["text"], e["status"], e["mine"], e["can_undo"]) for e in data["entries"]] == [
        ("AB2-1", "wrong_station", True, True)
    ]
    assert "Voter1" not in response.content.decode() and "surname" not in response.content.decode()
    viewed = AuditEntry.objects.get(action=AuditEntry.Action.VIEWED)
    assert viewed.object_type == "gotv.pollingstation" and viewed.detail["numbers"] == 11


def test_sync_answers_each_item_and_is_idempotent(world):
    client = _client(world.teller)
    items = [
        {"op": "enter", "client_id": "s-1", "station_id": world.hall.pk, "text": "3"},
        {"op": "enter", "client_id": "s-2", "station_id": world.hall.pk, "text": "AB2-1"},
        {"op": "enter", "client_id": "s-3", "station_id": world.hall.pk, "text": "nonsense"},
        {"op": "enter", "client_id": "s-4", "station_id": world.hall.pk, "text": "AB1-3"},
        {"op": "enter", "client_id": "", "station_id": world.hall.pk, "text": "4"},
        {"op": "enter", "client_id": "s-6", "station_id": 999999, "text": "4"},
    ]
    data = _sync(client, world, items).json()
    assert [r["status"] for r in data["results"]] == [
        "recorded",
        "wrong_station",
        "unknown",
        "already_voted",
        "error",
        "error",
    ]
    assert data["results"][0]["number"] == "AB1-3" and data["results"][0]["stored_as"] == "recorded"
    assert "Park School" in data["results"][1]["message"]
    assert data["tallies"] == {str(world.hall.pk): {"voted": 1, "electorate": None, "flagged": 2, "percent": None}}
    assert TellingEntry.objects.count() == 3
    # The whole batch again (a lost response): nothing new is stored, and each answer says what was stored.
    again = _sync(client, world, items[:4]).json()["results"]
    assert [r["status"] for r in again] == ["duplicate_client", "duplicate_client", "duplicate_client", "already_voted"]
    assert [r["stored_as"] for r in again[:3]] == ["recorded", "wrong_station", "unknown"]
    assert TellingEntry.objects.count() == 3
    # Audited per station written to, and once for the day for the items that reached no station.
    synced = AuditEntry.objects.filter(action=AuditEntry.Action.CREATED, object_type="gotv.pollingstation")
    assert synced.count() == 2 and synced.first().detail["what"] == "telling entries synced"
    assert {e.object_id for e in synced} == {str(world.hall.pk)}
    assert synced.order_by("sequence").first().detail["recorded"] == 1
    refused = AuditEntry.objects.get(action=AuditEntry.Action.CREATED, object_type="gotv.pollingday")
    assert refused.detail["error"] == 2


def test_bad_bodies_are_refused(world):
    client = _client(world.teller)
    url = reverse("gotv:telling_sync", args=[world.day.pk])
    assert client.post(url, data="nope", content_type="application/json").status_code == 400
    assert client.post(url, data='{"items": 1}', content_type="application/json").status_code == 400
    # An item that is not an object is refused on its own, naming it; the good item beside it is stored.
    good = {"op": "enter", "client_id": "g-1", "station_id": world.hall.pk, "text": "3"}
    mixed = client.post(url, data=json.dumps({"items": [1, good]}), content_type="application/json")
    assert [r["status"] for r in mixed.json()["results"]] == ["error", "recorded"]
    assert mixed.json()["results"][0]["field"] == "items[0]"
    TellingEntry.objects.all().delete()
    too_many = [{"op": "enter", "client_id": f"x{i}", "station_id": world.hall.pk, "text": "1"} for i in range(501)]
    assert _sync(client, world, too_many).status_code == 413
    assert not TellingEntry.objects.exists()


def test_undo_through_sync_author_yes_other_teller_no_coordinator_yes(world):
    teller, other = _client(world.teller), _client(world.teller2)
    assert _enter(teller, world, "3", "u-1")["status"] == "recorded"
    assert _enter(teller, world, "4", "u-2")["status"] == "recorded"
    refused = _sync(other, world, [{"op": "undo", "client_id": "o-undo", "target": "u-1"}]).json()["results"][0]
    assert refused["status"] == "forbidden"
    assert refused["target"] == "u-1"  # the page puts the entry back as standing
    assert TellingEntry.objects.get(client_id="u-1").undone_at is None

    done = _sync(teller, world, [{"op": "undo", "client_id": "t-undo", "target": "u-1"}]).json()["results"][0]
    assert done["status"] == "undone" and done["target"] == "u-1"
    assert TellingEntry.objects.get(client_id="u-1").undone_by == world.teller
    # The number can be taken again, by anyone.
    assert _enter(other, world, "AB1-3", "o-1")["status"] == "recorded"

    coordinator = world.coordinator
    TOTP.activate(coordinator, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # privileged roles need two factors
    boss = _client(coordinator)
    payload = boss.get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk])).json()
    assert payload["can_undo_all"] and all(e["can_undo"] for e in payload["entries"] if e["status"] != "undone")
    done = _sync(boss, world, [{"op": "undo", "client_id": "c-undo", "target": "u-2"}]).json()["results"][0]
    assert done["status"] == "undone"
    assert TellingEntry.objects.get(client_id="u-2").undone_by == coordinator
    again = _sync(boss, world, [{"op": "undo", "client_id": "c-undo", "target": "u-2"}]).json()["results"][0]
    assert again["status"] == "already_undone"
    missing = _sync(boss, world, [{"op": "undo", "client_id": "c-2", "target": "never-sent"}]).json()["results"][0]
    assert missing["status"] == "not_found"
    assert TellingEntry.objects.filter(undone_at__isnull=True, elector__isnull=False).count() == 1


def test_a_number_costs_a_handful_of_queries_once_the_station_is_open(world, django_assert_max_num_queries):
    """Session, user and roles; the teller's postings (gotv/assignments.py: one indexed read); the insert and
    the audit entry (with transaction statements, and on PostgreSQL the audit log's advisory lock); the tally.
    The day, its stations and the station's register come from the process cache the station page filled:
    before, a number cost 16."""
    client = _client(world.teller)
    assert client.get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk])).status_code == 200
    _enter(client, world, "1", "warm-1")
    with django_assert_max_num_queries(13):
        assert _enter(client, world, "2", "q-1")["status"] == "recorded"
    with django_assert_max_num_queries(13):
        assert _enter(client, world, "AB1-3/1", "q-2")["status"] == "recorded"
