"""Crafted JSON sent to the caller API gets a clear 4xx naming the field, never a 500 (or a 503 that tells the
page to resend it forever), and writes nothing. A target of 10**30 used to give a 500 (OverflowError)."""

from __future__ import annotations

import json

import pytest

from groundswell.phonebank import seats
from groundswell.phonebank.models import CallAttempt

from .world import build_world, joined, post, records

pytestmark = pytest.mark.django_db

OK = {"client_id": "c-1", "target": 1, "lease": 1, "outcome": "no_answer"}


@pytest.fixture(autouse=True)
def _open_window(monkeypatch, settings):
    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    settings.PHONEBANK_TELEPHONY = "groundswell.phonebank.telephony.FakeBridge"
    seats.clear_caches()


@pytest.fixture
def caller():
    world = build_world(people=2)
    client, seat = joined(world)
    call = post(client, world, "next", seat).json()["call"]
    return world, client, seat, call


FIELD_CASES = [
    ("target", 10**30),
    ("target", -1),
    ("target", 2**63),
    ("target", "12"),
    ("target", 1.5),
    ("target", True),
    ("target", None),
    ("target", [1]),
    ("lease", 10**30),
    ("lease", 2**31),
    ("lease", "1"),
    ("lease", {"n": 1}),
    ("client_id", {"a": 1}),
    ("client_id", 5),
    ("client_id", "x" * 65),
    ("client_id", ""),
    ("client_id", "a\x00b"),
    ("client_id", "\ud800"),
    ("outcome", ["no_answer"]),
    ("outcome", 5),
    ("outcome", "hung_up"),
    ("notes", 5),
    ("notes", {"a": "b"}),
    ("notes", "fine\x00not"),
    ("answers", ["yes"]),
    ("answers", "yes"),
    ("answers", {"intention": "a\x00"}),
    ("answers", {"\ud800": "yes"}),
    ("answers", {"intention": {"deep": [[[[[[[[["x"]]]]]]]]]}}),
    ("callback_at", "2026-13-45T10:00:00"),
    ("callback_at", "0001-01-01T00:00:00+05:00"),
    ("callback_at", "9999-12-31T23:59:59-05:00"),
    ("callback_at", "tomorrow"),
    ("callback_at", 5),
]


def _body(call: dict, field: str, value) -> dict:
    body = {**OK, "target": call["target"], "lease": call["lease"], field: value}
    if field == "answers" or field == "callback_at":
        body["outcome"] = "completed" if field == "answers" else "call_back"
    return body


@pytest.mark.parametrize("field, value", FIELD_CASES, ids=lambda v: repr(v)[:30])
def test_a_bad_field_in_a_result_is_named_and_nothing_is_written(caller, field, value):
    world, client, seat, call = caller
    before = records()
    raw = json.dumps(_body(call, field, value)).encode()
    response = post(client, world, "result", seat, raw=raw)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert records() == before and not CallAttempt.objects.exists()


@pytest.mark.parametrize("name", ["skip", "bridge"])
@pytest.mark.parametrize(
    "field, value", [(f, v) for f, v in FIELD_CASES if f in ("target", "lease")], ids=lambda v: repr(v)[:30]
)
def test_a_bad_target_or_lease_in_a_skip_or_bridge_is_named(caller, name, field, value):
    world, client, seat, call = caller
    before = records()
    body = {"target": call["target"], "lease": call["lease"], field: value}
    response = post(client, world, name, seat, body)
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert records() == before


RAW_BODIES = [
    b"\xff\xfe\xfd not utf-8",
    b'{"client_id": "\xc3\x28"}',
    b"[" * 30_000 + b"]" * 30_000,
    b'{"answers": ' + b'{"a": ' * 8_000 + b"1" + b"}" * 8_000 + b"}",
    b"[1, 2]",
    b'"a string"',
    b"null",
    b"42",
    b"NaN",
    b'{"client_id": "c", "target": NaN, "lease": 1, "outcome": "busy"}',
    b'{"client_id": "c", "target": 1e400, "lease": 1, "outcome": "busy"}',
    b'{"client_id": "c", "target": Infinity, "lease": 1, "outcome": "busy"}',
    b'{"client_id": "a\x00b"}',
    b'{"client_id": "c", "target": 1' + b"0" * 5000 + b', "lease": 1, "outcome": "busy"}',
    b"{not json",
]


@pytest.mark.parametrize("name", ["result", "skip", "next", "bridge"])
@pytest.mark.parametrize("raw", RAW_BODIES, ids=lambda v: repr(v)[:30])
def test_a_body_that_is_not_a_json_object_of_plain_values_is_a_clear_400(caller, name, raw):
    world, client, seat, call = caller
    before = records()
    response = post(client, world, name, seat, raw=raw)
    assert response.status_code == 400, response.content
    data = response.json()
    assert data.get("detail") or data.get("errors")
    assert records() == before and not CallAttempt.objects.exists()


def test_a_body_nested_100000_deep_is_refused_before_parsing(caller):
    world, client, seat, call = caller
    response = post(client, world, "result", seat, raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 413


def test_the_page_s_own_result_still_goes_through(caller):
    world, client, seat, call = caller
    body = {
        "client_id": "ok-1",
        "target": call["target"],
        "lease": call["lease"],
        "outcome": "call_back",
        "answers": {},
        "notes": "Ring after tea. Café ☕",
        "callback_at": None,
    }
    response = post(client, world, "result", seat, body)
    assert response.status_code == 200 and response.json()["applied"]
