"""Property-based fuzzing of doorstep sync: random and hostile batches never give a 500, never half-write an
item, and never touch anything outside the canvasser's own walk."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.canvassing.models import Contact
from groundswell.register.models import Elector

from .builders import build_world

pytestmark = pytest.mark.django_db
URL = "/canvassing/doorstep/api/sync/"

# Values a hostile client might put anywhere: odd text (NUL, lone surrogates), huge and odd numbers, nesting.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "\x00", "\ud800", "L", "spoke", "not_in", "paper", "1900-01-01T00:00:00Z", "²", "9" * 30]),
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)
_KEYS = [
    "client_id",
    "walk_id",
    "elector_id",
    "elector_number",
    "method",
    "outcome",
    "support_code",
    "likelihood",
    "previous_vote",
    "issues",
    "notes",
    "answers",
    "occurred_at",
]


@st.composite
def _item(draw, world_ids):
    walk_ids, elector_ids = world_ids
    item = draw(st.dictionaries(st.sampled_from(_KEYS), _values, max_size=8))
    # Often aim at real walks and electors (ours and the other canvasser's), so the checks past parsing run.
    if draw(st.booleans()):
        item["walk_id"] = draw(st.sampled_from(walk_ids))
        item["elector_id"] = draw(st.sampled_from(elector_ids))
        item["client_id"] = draw(st.text(min_size=1, max_size=12)) if draw(st.booleans()) else draw(st.uuids()).hex
    return item


@pytest.fixture
def world(db):
    return build_world()


def _ids(world) -> tuple[list[int], list[int]]:
    walks = [world.walk.pk, world.other_walk.pk, 0]
    return walks, [e.pk for e in world.electors + world.other_electors]


@given(data=st.data())
def test_random_batches_never_500_and_stay_on_the_canvassers_walk(client, world, data):
    items = data.draw(st.lists(_item(_ids(world)), max_size=6))
    client.force_login(world.canvasser)
    before = set(Contact.objects.values_list("client_id", flat=True))
    response = client.post(URL, json.dumps({"items": items}), "application/json")
    assert response.status_code in (200, 403), response.status_code
    # Nothing outside the canvasser's own walk, whatever was asked for.
    assert not Contact.objects.exclude(walk=world.walk).exists()
    assert not Contact.objects.exclude(canvasser=world.canvasser).exists()
    assert not Contact.objects.filter(elector__in=world.other_electors).exists()
    results = response.json()["results"]
    assert len(results) == len(items)
    for answer in results:
        assert answer["status"] in ("created", "duplicate", "error", "forbidden", "unknown_elector")
        if answer["status"] == "error":
            assert answer["error"]  # a reason, always
    # Never half-written: each item answered "created" is stored whole (with its elector's derived support),
    # and nothing else was stored.
    new = set(Contact.objects.values_list("client_id", flat=True)) - before
    assert new == {r["client_id"].strip() for r in results if r["status"] == "created"}
    for contact in Contact.objects.filter(client_id__in=new):
        if contact.support_code:
            assert Elector.objects.get(pk=contact.elector_id).current_support


@given(body=st.binary(max_size=300))
def test_random_bytes_never_500(client, world, body):
    client.force_login(world.canvasser)
    response = client.post(URL, body, "application/json")
    assert response.status_code in (200, 400, 403, 413)
    assert not Contact.objects.exists()


@given(
    prefix=st.sampled_from(['{"items": [', '{"items": [{"answers": ', '{"items": [{"client_id": "x", "notes": ']),
    opener=st.sampled_from(["[", '{"a":']),
    depth=st.integers(min_value=1, max_value=20_000),
)
def test_deep_nesting_never_500(client, world, prefix, opener, depth):
    client.force_login(world.canvasser)
    closer = "]" if opener == "[" else "}"
    body = prefix + opener * depth + "1" + closer * depth + ("}]}" if "{" in prefix[10:] else "]}")
    response = client.post(URL, body, "application/json")
    assert response.status_code in (200, 400, 403)
    assert not Contact.objects.exists()
