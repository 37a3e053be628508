"""Property-based fuzzing of the caller's JSON endpoints (next, result, skip, bridge).

Whatever a caller's page (or someone pretending to be one) sends: never a 500; a refused request writes
nothing; and nothing changes for anyone but the contact the caller holds. Bodies are random JSON, hostile
values (huge and negative numbers, NaN, NUL, lone surrogates, wrong types, deep nesting) and raw bytes.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st

from groundswell.phonebank import seats
from groundswell.phonebank.models import CallAttempt, CallTarget, Outcome

from .world import build_world, held_by, joined, post, records

pytestmark = pytest.mark.django_db

ENDPOINTS = ["result", "skip", "next", "bridge"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "\x00", "a\x00b", "\ud800", "0", "1", "-1", "1e400", "NaN", "é" * 3])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)
outcomes = st.sampled_from(Outcome.values) | json_values
answers = (
    st.fixed_dictionaries(
        {},
        optional={
            "intention": st.sampled_from(["yes", "maybe", "against", "nope"]) | json_values,
            "volunteer": st.sampled_from(["yes", "no", True, False]) | json_values,
            "when": st.text(max_size=30) | json_values,
        },
    )
    | json_values
)
callback_times = (
    st.datetimes().map(lambda d: d.isoformat()) | st.sampled_from(["", "tomorrow", "2026-13-45T10:00"]) | json_values
)


def bodies(targets: st.SearchStrategy, leases: st.SearchStrategy) -> st.SearchStrategy:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "client_id": st.text(max_size=70) | json_values,
            "target": targets,
            "lease": leases,
            "outcome": outcomes,
            "answers": answers,
            "notes": st.text(max_size=40) | json_values,
            "callback_at": callback_times,
            "extra": json_values,
        },
    )
    return (
        fields.map(lambda b: json.dumps(b).encode())
        | json_values.map(lambda v: json.dumps(v).encode())
        | st.binary(max_size=80)
    )


@pytest.fixture(autouse=True)
def _open_window(monkeypatch, settings):
    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    settings.PHONEBANK_TELEPHONY = "groundswell.phonebank.telephony.FakeBridge"
    seats.clear_caches()


def _ids(raw: bytes) -> object:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return body.get("target") if isinstance(body, dict) else None


def test_hostile_requests_never_touch_contacts_the_caller_does_not_hold():
    world = build_world(people=6)
    client, seat = joined(world)
    mine = post(client, world, "next", seat).json()["call"]
    others = list(CallTarget.objects.exclude(pk=mine["target"]).values_list("pk", flat=True))
    before = records()
    targets = st.sampled_from(others) | st.integers(min_value=-5, max_value=2**64) | json_values
    leases = st.integers(min_value=-2, max_value=8) | json_values

    @given(name=st.sampled_from(ENDPOINTS), raw=bodies(targets, leases))
    def check(name: str, raw: bytes) -> None:
        target = _ids(raw)
        assume(not (isinstance(target, int) and target == mine["target"]))
        response = post(client, world, name, seat, raw=raw)
        assert response.status_code < 500, (name, raw, response.content)
        data = response.json()
        if response.status_code == 200 and "call" in data:
            # Nothing more is handed out: the caller gets back the contact they hold.
            assert data["call"]["target"] == mine["target"]
        # Only records of results not applied were added; nobody's record, consent or queue row changed.
        assert records() == before
        assert not CallAttempt.objects.filter(applied=True).exists()
        assert held_by(world.caller) == [mine["target"]]

    check()


class _Undo(Exception):
    """Rolls one example back, so each starts from the same world."""


def test_hostile_results_for_the_contact_held_are_all_or_nothing():
    world = build_world(people=4)
    client, seat = joined(world)
    mine = post(client, world, "next", seat).json()["call"]
    held = CallTarget.objects.get(pk=mine["target"])
    everyone_else = [p.pk for p in world.people if p.pk != held.person_id]
    targets = st.just(mine["target"])
    leases = st.just(mine["lease"]) | json_values

    @given(name=st.sampled_from(ENDPOINTS), raw=bodies(targets, leases))
    def check(name: str, raw: bytes) -> None:
        others_before, all_before = records(everyone_else), records()
        try:
            with transaction.atomic():
                response = post(client, world, name, seat, raw=raw)
                assert response.status_code < 500, (name, raw, response.content)
                if response.status_code != 200:
                    # Refused: nothing half-written, and the caller still holds the contact.
                    assert records() == all_before and not CallAttempt.objects.exists()
                    assert held_by(world.caller) == [mine["target"]]
                # Whatever happened to the held contact, nobody else's record changed (the queue moves on by
                # one at most: the next contact is leased, nothing else about it).
                after = records(everyone_else)
                for key in ("people", "consents", "timeline", "tags", "support"):
                    assert after[key] == others_before[key], key
                assert len(held_by(world.caller)) <= 1
                raise _Undo
        except _Undo:
            pass

    check()
