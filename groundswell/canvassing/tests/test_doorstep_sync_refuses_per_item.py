"""Doorstep sync answers per item: crafted input is refused item by item, naming the field, and never costs the
good items beside it (or gives a 500). Results are dated within the campaign."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from groundswell.canvassing.models import CanvassCampaign, Contact

from .builders import build_world

pytestmark = pytest.mark.django_db
URL = "canvassing:doorstep_sync"


@pytest.fixture
def world(db):
    return build_world()


def _item(world, elector, **kw):
    return {
        "client_id": str(uuid.uuid4()),
        "walk_id": world.walk.pk,
        "elector_id": elector.pk,
        "outcome": "spoke",
        "support_code": "L",
    } | kw


def _post(client, body: str | bytes):
    return client.post(reverse(URL), body, "application/json")


def _answers(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"answers": "str"}, "answers"),
        ({"answers": ["a", "b"]}, "answers"),
        ({"issues": "housing"}, "issues"),
        ({"issues": [{"x": 1}]}, "issues"),
        ({"notes": {"a": 1}}, "notes"),
        ({"likelihood": [7]}, "likelihood"),
        ({"likelihood": {"n": 7}}, "likelihood"),
        ({"client_id": {"id": 1}}, "client_id"),
        ({"client_id": "x" * 65}, "client_id"),
        ({"method": ["door"]}, "method"),
        ({"outcome": 7.5}, "outcome"),
        ({"occurred_at": 12}, "occurred_at"),
        ({"notes": "before\x00after"}, "notes"),
        ({"answers": {"bins\x00": "yes"}}, "answers.bins\ufffd"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_a_malformed_item_is_refused_by_field_and_the_others_are_stored(client, world, bad, field):
    client.force_login(world.canvasser)
    good_before, good_after = _item(world, world.electors[0]), _item(world, world.electors[1])
    bad_item = _item(world, world.electors[2]) | bad
    results = _answers(_post(client, json.dumps({"items": [good_before, bad_item, good_after]})))
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert results[1]["field"] == field and results[1]["error"].startswith(field)
    assert Contact.objects.count() == 2
    assert not Contact.objects.filter(elector=world.electors[2]).exists()


def test_json_nested_100000_deep_refuses_only_that_item(client, world):
    client.force_login(world.canvasser)
    good = _item(world, world.electors[0])
    deep_id = str(uuid.uuid4())
    deep = (
        f'{{"client_id": "{deep_id}", "walk_id": {world.walk.pk}, "elector_id": {world.electors[1].pk}, '
        f'"answers": {{"bins": {"[" * 100_000}{"]" * 100_000}}}}}'
    )
    body = f'{{"items": [{json.dumps(good)}, {deep}, {json.dumps(_item(world, world.electors[2]))}]}}'
    results = _answers(_post(client, body))
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert results[1]["client_id"] == deep_id and results[1]["field"] == "answers"
    assert "nested too deeply" in results[1]["error"]
    assert Contact.objects.count() == 2


def test_moderately_deep_nesting_is_refused_too(client, world):
    """Deep enough to be stored, too deep for anything a phone sends (and for json.dumps further down)."""
    client.force_login(world.canvasser)
    nested: object = "yes"
    for _ in range(200):
        nested = [nested]
    results = _answers(
        _post(client, json.dumps({"items": [_item(world, world.electors[0], answers={"bins": nested})]}))
    )
    assert results[0]["status"] == "error" and results[0]["field"].startswith("answers.bins")
    assert not Contact.objects.exists()


def test_numbers_python_cannot_convert_are_refused_per_item(client, world):
    client.force_login(world.canvasser)
    good = json.dumps(_item(world, world.electors[0]))
    huge = json.dumps(_item(world, world.electors[1])).replace('"support_code"', f'"likelihood": {"9" * 5000}, "x0"')
    nan = json.dumps(_item(world, world.electors[2])).replace('"support_code"', '"likelihood": NaN, "x1"')
    inf = json.dumps(_item(world, world.electors[3])).replace('"support_code"', '"likelihood": 1e999, "x2"')
    results = _answers(_post(client, f'{{"items": [{good}, {huge}, {nan}, {inf}]}}'))
    assert [(r["status"], r.get("field")) for r in results] == [
        ("created", None),
        ("error", "likelihood"),
        ("error", "likelihood"),
        ("error", "likelihood"),
    ]
    assert "5000 digits" in results[1]["error"]
    assert Contact.objects.count() == 1


def test_invalid_utf8_inside_an_item_is_refused_per_item(client, world):
    client.force_login(world.canvasser)
    good = json.dumps(_item(world, world.electors[0])).encode()
    bad = json.dumps(_item(world, world.electors[1], notes="NOTES")).encode().replace(b"NOTES", b"caf\xe9 \xff")
    results = _answers(_post(client, b'{"items": [' + good + b", " + bad + b"]}"))
    assert [r["status"] for r in results] == ["created", "error"]
    assert results[1]["field"] == "notes" and "UTF-8" in results[1]["error"]
    assert Contact.objects.count() == 1


def test_lone_surrogate_escapes_are_refused(client, world):
    client.force_login(world.canvasser)
    body = json.dumps({"items": [_item(world, world.electors[0], notes="\ud800")]})
    results = _answers(_post(client, body))
    assert results[0]["status"] == "error" and results[0]["field"] == "notes"
    assert not Contact.objects.exists()


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'"items"', b"{}", b'{"items": {}}', b"\xff\xfe", b"[" * 50_000])
def test_a_body_that_is_no_batch_at_all_is_a_400_not_a_500(client, world, body):
    client.force_login(world.canvasser)
    response = _post(client, body)
    assert response.status_code == 400 and "items" in response.json()["detail"]


def test_items_that_are_not_objects_are_refused_each(client, world):
    client.force_login(world.canvasser)
    good = _item(world, world.electors[0])
    results = _answers(_post(client, json.dumps({"items": [1, "x", None, [good], good]})))
    assert [r["status"] for r in results] == ["error"] * 4 + ["created"]
    assert [r["field"] for r in results[:4]] == ["items[0]", "items[1]", "items[2]", "items[3]"]


@pytest.mark.parametrize("walk_id", ["²", "9" * 40, str(2**63), 0, -1, True, 1.5, {"id": 1}])
def test_odd_walk_ids_are_forbidden_not_errors(client, world, walk_id):
    client.force_login(world.canvasser)
    response = _post(client, json.dumps({"items": [_item(world, world.electors[0], walk_id=walk_id)]}))
    assert response.status_code == 403 and response.json()["results"][0]["status"] == "forbidden"


@pytest.mark.parametrize("elector_id", ["²", "9" * 40, str(2**63), 0, -1])
def test_odd_elector_ids_are_unknown_electors(client, world, elector_id):
    client.force_login(world.canvasser)
    results = _answers(_post(client, json.dumps({"items": [_item(world, world.electors[0], elector_id=elector_id)]})))
    assert results[0]["status"] == "unknown_elector"


@pytest.mark.parametrize("field", ["walk_id", "elector_id"])
def test_an_id_longer_than_any_database_integer_is_refused_naming_it(client, world, field):
    client.force_login(world.canvasser)
    results = _answers(_post(client, json.dumps({"items": [_item(world, world.electors[0]) | {field: 2**70}]})))
    assert results[0]["status"] == "error" and results[0]["field"] == field


# ---------------------------------------------------------------- occurred_at within the campaign


def test_a_result_dated_1900_is_refused_with_the_reason(client, world):
    client.force_login(world.canvasser)
    old = _item(world, world.electors[0], occurred_at="1900-01-01T10:00:00Z")
    ok = _item(world, world.electors[1], occurred_at=(timezone.now() - datetime.timedelta(hours=2)).isoformat())
    results = _answers(_post(client, json.dumps({"items": [old, ok]})))
    assert [r["status"] for r in results] == ["error", "created"]
    assert results[0]["field"] == "occurred_at" and "before the campaign started" in results[0]["error"]
    assert Contact.objects.get().elector == world.electors[1]


def test_the_day_before_the_campaign_is_refused_its_first_morning_is_not(client, world):
    client.force_login(world.canvasser)
    start = timezone.make_aware(datetime.datetime.combine(world.campaign.starts_on, datetime.time(0, 30)))
    before = _item(world, world.electors[0], occurred_at=(start - datetime.timedelta(days=1)).isoformat())
    first = _item(world, world.electors[1], occurred_at=start.isoformat())
    assert [r["status"] for r in _answers(_post(client, json.dumps({"items": [before, first]})))] == [
        "error",
        "created",
    ]


def test_results_from_the_future_are_refused_beyond_a_little_clock_skew(client, world):
    client.force_login(world.canvasser)
    skewed = _item(world, world.electors[0], occurred_at=(timezone.now() + datetime.timedelta(minutes=3)).isoformat())
    future = _item(world, world.electors[1], occurred_at=(timezone.now() + datetime.timedelta(days=2)).isoformat())
    far = _item(world, world.electors[2], occurred_at="9999-12-31T23:59:59-23:59")
    results = _answers(_post(client, json.dumps({"items": [skewed, future, far]})))
    assert [r["status"] for r in results] == ["created", "error", "error"]
    assert all(r["field"] == "occurred_at" for r in results[1:])


def test_a_door_result_after_the_campaign_ended_is_refused(client, world):
    """The campaign ended yesterday; its organiser still types paper sheets in, but a door result dated today
    (a phone with the wrong date, or a crafted request) is not the campaign's."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    CanvassCampaign.objects.filter(pk=world.campaign.pk).update(ends_on=yesterday)
    TOTP.activate(world.organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(world.organiser)
    door = _item(world, world.electors[0], occurred_at=timezone.now().isoformat())
    in_time = _item(
        world,
        world.electors[1],
        occurred_at=timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(18))).isoformat(),
    )
    paper = _item(world, world.electors[2], method="paper", occurred_at=timezone.now().isoformat())
    results = _answers(_post(client, json.dumps({"items": [door, in_time, paper]})))
    assert [r["status"] for r in results] == ["error", "created", "created"]
    assert "after the campaign ended" in results[0]["error"]
