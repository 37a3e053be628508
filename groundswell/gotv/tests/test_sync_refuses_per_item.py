"""Telling and knock-up sync answer per item: crafted input is refused item by item, naming the field, never
costing the good items beside it and never giving a 500."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from groundswell.gotv import assignments, knockup, telling
from groundswell.gotv.models import CommitteeRoom, KnockUpResult, TellingEntry

from .test_promises import build_day, promise
from .test_telling import build_telling_world

pytestmark = pytest.mark.django_db
KNOCKUP_SYNC = "/polling-day/knock-up/sync/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


# ---------------------------------------------------------------- telling


@pytest.fixture
def world():
    return build_telling_world()


def _enter(world, text, **kw):
    return {"op": "enter", "client_id": str(uuid.uuid4()), "station_id": world.hall.pk, "text": text} | kw


def test_a_number_of_4300_digits_is_not_an_elector_number(world):
    """int() refuses 4,300+ digits with a ValueError: the parser never hands it such a string."""
    match = telling.parse_and_match(world.day, world.hall, "1" * 4301)
    assert match.kind == telling.JUNK
    assert telling.parse_and_match(world.day, world.hall, "AB1-" + "9" * 5000).kind == telling.JUNK


def _tell(client, world, body):
    return client.post(reverse("gotv:telling_sync", args=[world.day.pk]), body, content_type="application/json")


def test_a_4300_digit_number_is_junk_not_a_500_and_the_batch_is_kept(world):
    client = _client(world.teller)
    items = [_enter(world, "3"), _enter(world, "1" * 150), _enter(world, "1" * 4301), _enter(world, "4")]
    results = _results(_tell(client, world, json.dumps({"items": items})))
    assert [r["status"] for r in results] == ["recorded", "unknown", "error", "recorded"]
    assert "not an elector number" in results[1]["message"]  # a long paste: kept (cut to 40), flagged
    assert results[2]["field"] == "text"  # longer than anything a teller types: refused, naming the field
    assert TellingEntry.objects.filter(elector__isnull=False).count() == 2
    assert TellingEntry.objects.get(client_id=items[1]["client_id"]).raw_number == "1" * 40


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"text": {"n": 3}}, "text"),
        ({"text": ["3"]}, "text"),
        ({"text": "3\x00"}, "text"),
        ({"station_id": "²"}, "station_id"),
        ({"station_id": "9" * 40}, "station_id"),
        ({"station_id": [1]}, "station_id"),
        ({"client_id": ["x"]}, "client_id"),
        ({"client_id": "c" * 65}, "client_id"),
        ({"op": "delete"}, "op"),
        ({"op": "undo", "target": {"x": 1}}, "target"),
    ],
)
def test_a_malformed_telling_item_is_refused_by_field(world, bad, field):
    client = _client(world.teller)
    items = [_enter(world, "3"), _enter(world, "5") | bad, _enter(world, "4")]
    results = _results(_tell(client, world, json.dumps({"items": items})))
    assert [r["status"] for r in results] == ["recorded", "error", "recorded"]
    assert results[1]["field"] == field
    assert TellingEntry.objects.count() == 2


def test_telling_deep_nesting_huge_numbers_and_bad_utf8_are_refused_per_item(world):
    client = _client(world.teller)
    good = json.dumps(_enter(world, "3"))
    deep = f'{{"client_id": "deep", "station_id": {world.hall.pk}, "text": {"[" * 100_000}{"]" * 100_000}}}'
    huge = f'{{"client_id": "huge", "station_id": {"7" * 5000}, "text": "4"}}'
    body = f'{{"items": [{good}, {deep}, {huge}, {json.dumps(_enter(world, "TEXT", client_id="utf"))}]}}'.encode()
    body = body.replace(b"TEXT", b"\xff5")
    results = _results(_tell(client, world, body))
    assert [(r["client_id"], r["status"], r.get("field")) for r in results[1:]] == [
        ("deep", "error", "text"),
        ("huge", "error", "station_id"),
        ("utf", "error", "text"),
    ]
    assert TellingEntry.objects.count() == 1


@pytest.mark.parametrize("body", [b"nope", b"[]", b'{"items": 3}', b"\xff", b"{" * 50_000])
def test_telling_body_that_is_no_batch_is_a_400(world, body):
    assert _tell(_client(world.teller), world, body).status_code == 400


def test_a_client_id_used_at_another_station_is_not_described(world):
    """Replaying someone else's client id must not read back their entry (number, status)."""
    other = _client(world.teller2)
    taken = _enter(world, "AB2-2", station_id=world.school.pk)
    assert _results(_tell(other, world, json.dumps({"items": [taken]})))[0]["status"] == "recorded"
    hall_only = _client(world.hall_teller)
    replay = _enter(world, "4") | {"client_id": taken["client_id"]}
    answer = _results(_tell(hall_only, world, json.dumps({"items": [replay]})))[0]
    assert answer["status"] == "error" and answer["field"] == "client_id"
    assert "AB2-2" not in json.dumps(answer)


# ---------------------------------------------------------------- knock-up


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    return d


def _knock(d, knock_round, elector, **kw):
    return {
        "client_id": str(uuid.uuid4()),
        "round_id": knock_round.pk,
        "elector_id": elector.pk,
        "outcome": "not_in",
    } | kw


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"outcome": ["voted"]}, "outcome"),
        ({"notes": {"a": 1}}, "notes"),
        ({"notes": "x" * 301}, "notes"),
        ({"notes": "a\x00b"}, "notes"),
        ({"client_id": True}, "client_id"),
        ({"outcome": "kidnapped"}, ""),
    ],
)
def test_a_malformed_knock_up_item_is_refused_and_the_others_stored(d, bad, field):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    assignments.set_room_volunteers(d.room, [d.world.canvasser])
    client = _client(d.world.canvasser)
    aa = d.world.electors
    items = [_knock(d, knock_round, aa[0]), _knock(d, knock_round, aa[1]) | bad, _knock(d, knock_round, aa[2])]
    results = _results(client.post(KNOCKUP_SYNC, json.dumps({"items": items}), "application/json"))
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert results[1].get("field", "") == field
    assert KnockUpResult.objects.count() == 2


def test_knock_up_deep_nesting_and_huge_numbers_are_refused_per_item(d):
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    assignments.set_room_volunteers(d.room, [d.world.canvasser])
    client = _client(d.world.canvasser)
    good = json.dumps(_knock(d, knock_round, d.world.electors[0]))
    deep = f'{{"client_id": "deep", "round_id": {knock_round.pk}, "notes": {"[" * 100_000}{"]" * 100_000}}}'
    huge = f'{{"client_id": "huge", "round_id": {knock_round.pk}, "elector_id": {"1" * 4400}, "outcome": "voted"}}'
    results = _results(client.post(KNOCKUP_SYNC, f'{{"items": [{good}, {deep}, {huge}]}}', "application/json"))
    assert [(r["client_id"], r["status"], r.get("field")) for r in results[1:]] == [
        ("deep", "error", "notes"),
        ("huge", "error", "elector_id"),
    ]
    assert results[0]["status"] == "created" and KnockUpResult.objects.count() == 1


def test_a_knock_up_client_id_from_another_room_is_refused(d):
    other_room = CommitteeRoom.objects.create(polling_day=d.day, name="Mill room", polling_districts=[])
    knockup.record_result(d.room, d.world.electors[0], "lift", client_id="shared-id", user=d.world.organiser)
    with pytest.raises(ValidationError, match="already used"):
        knockup.record_result(other_room, d.world.electors[0], "voted", client_id="shared-id", user=d.world.organiser)
    with pytest.raises(ValidationError, match="already used"):
        knockup.record_result(d.room, d.world.electors[1], "voted", client_id="shared-id", user=d.world.organiser)
    assert KnockUpResult.objects.count() == 1 and not TellingEntry.objects.exists()
