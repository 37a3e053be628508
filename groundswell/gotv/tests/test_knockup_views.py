"""Knock-up pages: the committee room, lifts desk, the volunteer's sheet, its data and sync endpoint; access."""

from __future__ import annotations

import json
import uuid

import pytest

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.gotv import assignments, knockup
from groundswell.gotv.models import KnockUpResult, KnockUpRound, Lift, TellingEntry
from groundswell.tests.factories import user_with_role

from .test_promises import build_day, promise, sign_in

pytestmark = pytest.mark.django_db
SYNC = "/polling-day/knock-up/sync/"


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    return d


def _sync(client, items):
    return client.post(SYNC, json.dumps({"items": items}), "application/json")


def _item(knock_round, elector, outcome="not_in", **kw):
    return {
        "client_id": str(uuid.uuid4()),
        "round_id": knock_round.pk,
        "elector_id": elector.pk,
        "outcome": outcome,
    } | kw


def test_room_page_makes_rounds_and_marks_them_done(client, d):
    sign_in(client, d.world.organiser)
    url = f"/polling-day/knock-up/rooms/{d.room.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["remaining"] == 8
    assert AuditEntry.objects.filter(action="viewed", object_type="gotv.committeeroom").exists()
    client.post(url, {"action": "regenerate", "priority": "walk", "round_size": "5"})
    client.post(url, {"action": "regenerate", "priority": "unreliable_first", "round_size": ""})
    rounds = list(KnockUpRound.objects.filter(committee_room=d.room).order_by("number"))
    assert [(r.number, r.items.count()) for r in rounds] == [(1, 5), (2, 8)]
    client.post(url, {"action": "complete", "round": rounds[0].pk})
    rounds[0].refresh_from_db()
    assert rounds[0].completed_at is not None
    bad = client.post(url, {"action": "regenerate", "priority": "by-shoe-size"}, follow=True)
    assert "Unknown order" in bad.content.decode()
    assert KnockUpRound.objects.count() == 2


def test_room_and_lifts_pages_are_for_organisers_of_the_day(client, d):
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    client.force_login(volunteer)
    for url in (f"/polling-day/knock-up/rooms/{d.room.pk}/", f"/polling-day/knock-up/rooms/{d.room.pk}/lifts/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/polling-day/knock-up/rooms/{d.room.pk}/", {"action": "regenerate"}).status_code == 403
    assert not KnockUpRound.objects.exists()
    sign_in(client, user_with_role(Role.COORDINATOR, d.sibling))
    assert client.get(f"/polling-day/knock-up/rooms/{d.room.pk}/").status_code == 403


def test_lifts_desk_lists_and_updates_lifts(client, d):
    knockup.record_result(d.room, d.world.electors[0], "lift", client_id="l1", user=d.world.canvasser, notes="stairs")
    lift = Lift.objects.get()
    sign_in(client, d.world.organiser)
    url = f"/polling-day/knock-up/rooms/{d.room.pk}/lifts/"
    page = client.get(url)
    assert page.status_code == 200 and "AA-1" in page.content.decode() and "stairs" in page.content.decode()
    assert AuditEntry.objects.filter(action="searched", object_type="gotv.committeeroom").exists()
    client.post(url, {"lift": lift.pk, "status": "arranged", "driver": "Priya"})
    lift.refresh_from_db()
    assert (lift.status, lift.driver) == ("arranged", "Priya")
    client.post(url, {"lift": lift.pk, "status": "done", "driver": "Priya"})
    lift.refresh_from_db()
    assert lift.status == "done"
    assert AuditEntry.objects.filter(action="changed", object_type="gotv.lift").count() == 2


def test_volunteer_gets_the_round_sheet_and_its_data(client, d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    assignments.set_room_volunteers(d.room, [volunteer], actor=d.world.organiser)
    client.force_login(volunteer)
    home = client.get("/polling-day/knock-up/")
    assert home.status_code == 200 and list(home.context["rounds"]) == [knock_round]
    sheet = client.get(f"/polling-day/knock-up/rounds/{knock_round.pk}/")
    assert sheet.status_code == 200 and b"gotv/knockup.js" in sheet.content
    data = client.get(f"/polling-day/knock-up/rounds/{knock_round.pk}/data/").json()
    assert [e["number"] for e in data["electors"]][:3] == ["AA-1", "AA-2", "AA-3"]
    assert data["round"]["number"] == 1
    entry = AuditEntry.objects.get(action="viewed", actor=volunteer, object_type="gotv.knockupround")
    assert entry.detail["electors"] == 8
    sw = client.get("/polling-day/knock-up/sw.js")
    assert sw["Service-Worker-Allowed"] == "/polling-day/knock-up/" and b"gotv/knockup.js" in sw.content


def test_canvasser_of_another_constituency_is_refused(client, d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    outsider = user_with_role(Role.CANVASSER, d.sibling)
    client.force_login(outsider)
    assert client.get(f"/polling-day/knock-up/rounds/{knock_round.pk}/").status_code == 403
    denied = client.get(f"/polling-day/knock-up/rounds/{knock_round.pk}/data/")
    assert denied.status_code == 403 and denied.json()["detail"]
    response = _sync(client, [_item(knock_round, d.world.electors[0], "voted")])
    assert response.status_code == 403 and response.json()["results"][0]["status"] == "forbidden"
    assert not KnockUpResult.objects.exists() and not TellingEntry.objects.exists()
    assert AuditEntry.objects.filter(action="denied", actor=outsider).count() == 2
    client.logout()
    assert client.get(f"/polling-day/knock-up/rounds/{knock_round.pk}/data/").status_code == 401


def test_sync_stores_each_result_once_and_only_for_electors_on_the_round(client, d):
    knock_round = knockup.regenerate(d.room, d.world.organiser, round_size=3)
    canvasser = d.world.canvasser
    assignments.set_room_volunteers(d.room, [canvasser], actor=d.world.organiser)
    client.force_login(canvasser)
    aa = d.world.electors
    voted = _item(knock_round, aa[0], "voted")
    lift = _item(knock_round, aa[1], "lift", notes="after 5pm")
    off_round = _item(knock_round, aa[5], "not_in")
    bad = _item(knock_round, aa[2], "kidnapped")
    response = _sync(client, [voted, lift, off_round, bad, {"round_id": knock_round.pk, "elector_id": aa[2].pk}])
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "created", "unknown_elector", "error", "error"]
    assert TellingEntry.objects.get(elector=aa[0]).source == "knock_up"
    assert Lift.objects.get(elector=aa[1]).notes == "after 5pm"
    # The phone lost the answer and sends again: stored once.
    again = _sync(client, [voted, lift]).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert KnockUpResult.objects.count() == 2 and Lift.objects.count() == 1
    audit = AuditEntry.objects.filter(action="created", actor=canvasser, object_type="gotv.knockupround")
    assert audit.count() == 2 and audit.order_by("sequence").first().detail["created"] == 2
    # Voted: off the next round.
    assert aa[0].pk not in [e.pk for e in knockup.knock_up_list(d.room)]


def test_sync_rejects_malformed_requests(client, d):
    client.force_login(d.world.canvasser)
    assert client.post(SYNC, "nonsense", "application/json").status_code == 400
    assert client.post(SYNC, json.dumps({"items": "x"}), "application/json").status_code == 400
    assert client.get(SYNC).status_code == 405
