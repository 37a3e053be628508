"""Least privilege on polling day: tellers read and take only their own stations' numbers, knock-up volunteers
open only their own committee room's rounds; the coordinator posts them on the set-up pages; all of it audited."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.gotv import assignments, knockup, telling
from groundswell.gotv.models import CommitteeRoom, KnockUpResult, RoomVolunteer, StationTeller, TellingEntry
from groundswell.tests.factories import user_with_role

from .test_board_world import build, signed_in
from .test_promises import build_day, promise
from .test_telling import build_telling_world

pytestmark = pytest.mark.django_db
KNOCKUP_SYNC = "/polling-day/knock-up/sync/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- tellers


@pytest.fixture
def world():
    return build_telling_world()


def test_a_teller_reads_only_the_stations_they_are_posted_at(world):
    client = _client(world.hall_teller)  # posted at the hall, not the school
    page = client.get(reverse("gotv:telling", args=[world.day.pk]))
    assert [s["name"] for s in page.context["boot"]["stations"]] == ["St Mary's Hall"]
    hall = client.get(reverse("gotv:telling_station", args=[world.day.pk, world.hall.pk]))
    assert hall.status_code == 200
    viewed = AuditEntry.objects.get(action="viewed", actor=world.hall_teller)
    assert (viewed.object_type, viewed.object_id) == ("gotv.pollingstation", str(world.hall.pk))
    school = client.get(reverse("gotv:telling_station", args=[world.day.pk, world.school.pk]))
    assert school.status_code == 403 and "numbers" not in school.json()
    assert AuditEntry.objects.filter(action="denied", actor=world.hall_teller).count() == 1


def test_a_teller_writes_only_at_their_own_station(world):
    client = _client(world.hall_teller)
    items = [
        {"op": "enter", "client_id": "h-1", "station_id": world.hall.pk, "text": "3"},
        {"op": "enter", "client_id": "s-1", "station_id": world.school.pk, "text": "1"},
    ]
    data = client.post(
        reverse("gotv:telling_sync", args=[world.day.pk]), json.dumps({"items": items}), "application/json"
    ).json()
    assert [r["status"] for r in data["results"]] == ["recorded", "forbidden"]
    assert data["results"][1]["field"] == "station_id" and "Park School" in data["results"][1]["message"]
    assert list(data["tallies"]) == [str(world.hall.pk)]  # nothing about the school comes back
    assert list(TellingEntry.objects.values_list("client_id", flat=True)) == ["h-1"]
    # Audited per station written to; the refused item under the day.
    station_audit = AuditEntry.objects.get(action="created", actor=world.hall_teller, object_type="gotv.pollingstation")
    assert station_audit.object_id == str(world.hall.pk) and station_audit.detail["recorded"] == 1
    day_audit = AuditEntry.objects.get(action="created", actor=world.hall_teller, object_type="gotv.pollingday")
    assert day_audit.detail["forbidden"] == 1


def test_a_teller_taken_off_a_station_can_no_longer_undo_there(world):
    first = telling.record_entry(world.day, world.school, "1", client_id="t-1", user=world.teller)
    assert telling.can_undo(world.teller, first.entry)
    assignments.set_station_tellers(world.school, [world.teller2])
    assert not telling.can_undo(world.teller, first.entry)
    assert telling.can_undo(world.coordinator, first.entry)  # those who run the day cover every station


def test_a_teller_posted_nowhere_sees_no_day(world):
    unposted = user_with_role(Role.TELLER, world.clp)
    assert list(telling.days_for(unposted)) == []
    assert list(assignments.stations_for(unposted, world.day)) == []
    assert list(assignments.stations_for(world.coordinator, world.day)) == [world.school, world.hall]


def test_only_tellers_of_the_day_may_be_posted(world):
    with pytest.raises(ValidationError, match="outsider@example.org"):
        assignments.set_station_tellers(world.hall, [world.teller, world.outsider])
    volunteer = user_with_role(Role.VOLUNTEER, world.clp)  # no TELL
    with pytest.raises(ValidationError):
        assignments.set_station_tellers(world.hall, [volunteer])
    assert set(StationTeller.objects.filter(station=world.hall).values_list("user__email", flat=True)) == {
        "teller@example.org",
        "teller2@example.org",
        "hall-teller@example.org",
    }


# ---------------------------------------------------------------- knock-up volunteers


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    return d


def _round_urls(knock_round) -> list[str]:
    return [f"/polling-day/knock-up/rounds/{knock_round.pk}/", f"/polling-day/knock-up/rounds/{knock_round.pk}/data/"]


def test_a_volunteer_not_posted_at_the_room_gets_nothing(d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    client = _client(volunteer)
    assert list(client.get("/polling-day/knock-up/").context["rounds"]) == []
    for url in _round_urls(knock_round):
        assert client.get(url).status_code == 403
    item = {"client_id": str(uuid.uuid4()), "round_id": knock_round.pk, "elector_id": d.world.electors[0].pk}
    response = client.post(KNOCKUP_SYNC, json.dumps({"items": [item | {"outcome": "voted"}]}), "application/json")
    assert response.status_code == 403 and response.json()["results"][0]["status"] == "forbidden"
    assert not KnockUpResult.objects.exists() and not TellingEntry.objects.exists()
    assert AuditEntry.objects.filter(action="denied", actor=volunteer).count() == 2


def test_a_volunteer_of_one_room_cannot_open_another_rooms_round(d):
    other_room = CommitteeRoom.objects.create(polling_day=d.day, name="Mill room", polling_districts=[])
    d.room.polling_districts = ["AA"]
    d.room.save()
    other_room.polling_districts = ["AB"]
    other_room.save()
    mine, theirs = knockup.regenerate(d.room, d.world.organiser), knockup.regenerate(other_room, d.world.organiser)
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    assignments.set_room_volunteers(d.room, [volunteer], actor=d.world.organiser)
    client = _client(volunteer)
    assert list(client.get("/polling-day/knock-up/").context["rounds"]) == [mine]
    assert client.get(_round_urls(mine)[1]).status_code == 200
    audit = AuditEntry.objects.get(action="viewed", actor=volunteer)
    assert (audit.object_type, audit.object_id) == ("gotv.knockupround", str(mine.pk))  # audited per round
    assert client.get(_round_urls(theirs)[1]).status_code == 403


def test_the_rooms_coordinator_and_those_running_the_day_need_no_posting(d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    room_coordinator = user_with_role(Role.VOLUNTEER, d.world.clp)
    CommitteeRoom.objects.filter(pk=d.room.pk).update(coordinator=room_coordinator)
    day_coordinator = user_with_role(Role.COORDINATOR, d.world.clp)
    for user in (room_coordinator, day_coordinator):
        client = Client()
        signed_in(client, user)  # the day's coordinator is privileged: two-factor
        assert client.get(_round_urls(knock_round)[1]).status_code == 200, user
    sibling = Client()
    signed_in(sibling, user_with_role(Role.COORDINATOR, d.sibling))
    assert sibling.get(_round_urls(knock_round)[1]).status_code == 403


def test_a_posted_volunteer_who_loses_their_role_loses_the_round(d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    assignments.set_room_volunteers(d.room, [volunteer])
    assert _client(volunteer).get(_round_urls(knock_round)[1]).status_code == 200
    volunteer.roles.all().delete()
    assert _client(volunteer).get(_round_urls(knock_round)[1]).status_code == 403


# ---------------------------------------------------------------- posting people on the set-up pages


def test_the_coordinator_posts_tellers_and_volunteers_on_the_set_up_pages(client):
    w = build()
    teller = user_with_role(Role.TELLER, w.clp, email="posted-teller@example.org")
    volunteer = user_with_role(Role.VOLUNTEER, w.clp, email="posted-volunteer@example.org")
    west_teller = user_with_role(Role.TELLER, w.west)
    signed_in(client, w.organiser)
    edit_station = reverse("gotv:station_edit", args=[w.station_a.pk])
    form = client.get(edit_station).context["form"]
    assert teller in form.fields["tellers"].queryset and west_teller not in form.fields["tellers"].queryset
    fields = {"name": w.station_a.name, "polling_districts": w.station_a.polling_districts}
    assert client.post(edit_station, fields | {"tellers": [teller.pk]}).status_code == 302
    assert list(assignments.stations_for(teller, w.day)) == [w.station_a]
    refused = client.post(edit_station, fields | {"tellers": [teller.pk, west_teller.pk]})
    assert refused.status_code == 200  # the form says which choice is not allowed
    assert list(StationTeller.objects.filter(station=w.station_a).values_list("user", flat=True)) == [teller.pk]

    edit_room = reverse("gotv:room_edit", args=[w.room_b.pk])
    room_fields = {"name": w.room_b.name, "polling_districts": w.room_b.polling_districts}
    assert client.post(edit_room, room_fields | {"volunteers": [volunteer.pk]}).status_code == 302
    assert assignments.can_work_room(volunteer, w.room_b) and not assignments.can_work_room(volunteer, w.room_a)
    assert client.post(edit_room, room_fields).status_code == 302  # none ticked: taken off again
    assert not RoomVolunteer.objects.exists()
    changes = AuditEntry.objects.filter(action="changed", actor=w.organiser).order_by("sequence")
    assert [e.detail.get("what") for e in changes if e.detail.get("what", "").endswith("posted")] == [
        "tellers posted",
        "volunteers posted",
        "volunteers posted",
    ]
    page = client.get(reverse("gotv:day", args=[w.day.pk])).content.decode()
    assert "posted-teller@example.org" in page or teller.display_name in page
