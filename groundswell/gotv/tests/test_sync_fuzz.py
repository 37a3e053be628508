"""Property-based fuzzing of telling sync and the knock-up sheet's endpoints: random and hostile input never gives
a 500, never half-writes, and never touches another station's electors or another room's round."""

from __future__ import annotations

import json

import pytest
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from groundswell.gotv import assignments, knockup
from groundswell.gotv.models import CommitteeRoom, KnockUpResult, Lift, TellingEntry

from .test_promises import build_day, promise
from .test_telling import build_telling_world

pytestmark = pytest.mark.django_db
KNOCKUP_SYNC = "/polling-day/knock-up/sync/"

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["", "\x00", "\ud800", "3", "AB1-3", "AB2-1", "5", "undo", "enter", "voted", "lift", "²", "1" * 60]
    ),
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- telling


@pytest.fixture
def world():
    return build_telling_world()


@st.composite
def _telling_item(draw, station_ids):
    item = draw(st.dictionaries(st.sampled_from(["op", "client_id", "station_id", "text", "target"]), _values))
    if draw(st.booleans()):
        item["station_id"] = draw(st.sampled_from(station_ids))
        item["client_id"] = draw(st.text(min_size=1, max_size=10))
        item["op"] = draw(st.sampled_from(["enter", "enter", "undo"]))
        item["text"] = draw(st.sampled_from(["3", "4", "AB1-5", "AB2-1", "5", "99", "1/1"]) | st.text(max_size=12))
    return item


@given(data=st.data())
def test_telling_sync_fuzz_stays_at_the_tellers_station(world, data):
    station_ids = [world.hall.pk, world.school.pk, 0]
    items = data.draw(st.lists(_telling_item(station_ids), max_size=6))
    client = _client(world.hall_teller)  # posted at the hall only
    before = set(TellingEntry.objects.values_list("client_id", flat=True))
    response = client.post(
        reverse("gotv:telling_sync", args=[world.day.pk]), json.dumps({"items": items}), "application/json"
    )
    assert response.status_code == 200, response.status_code
    results = response.json()["results"]
    assert len(results) == len(items)
    # Never another station's electors, never a second live vote, nothing stored that was not answered so.
    assert not TellingEntry.objects.filter(entered_by=world.hall_teller).exclude(station=world.hall).exists()
    assert not TellingEntry.objects.filter(station=world.school).exists()
    live = TellingEntry.objects.filter(undone_at__isnull=True, elector__isnull=False)
    assert not live.values("elector").annotate(n=Count("id")).filter(n__gt=1).exists()
    new = set(TellingEntry.objects.values_list("client_id", flat=True)) - before
    stored = {"recorded", "unknown", "wrong_station"}
    assert new == {r["client_id"].strip() for r in results if r["status"] in stored}
    assert set(response.json()["tallies"]) <= {str(world.hall.pk)}


@given(body=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_telling_sync_random_bytes_never_500(world, body):
    response = _client(world.teller).post(
        reverse("gotv:telling_sync", args=[world.day.pk]), body, content_type="application/json"
    )
    assert response.status_code in (200, 400, 413)
    assert not TellingEntry.objects.exists()


# ---------------------------------------------------------------- knock-up sheet


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    d.room.polling_districts = ["AA"]
    d.room.save()
    d.other_room = CommitteeRoom.objects.create(polling_day=d.day, name="Mill room", polling_districts=["AB"])
    d.mine = knockup.regenerate(d.room, d.world.organiser)
    d.theirs = knockup.regenerate(d.other_room, d.world.organiser)
    assignments.set_room_volunteers(d.room, [d.world.canvasser])
    return d


@st.composite
def _knock_item(draw, round_ids, elector_ids):
    item = draw(st.dictionaries(st.sampled_from(["client_id", "round_id", "elector_id", "outcome", "notes"]), _values))
    if draw(st.booleans()):
        item["round_id"] = draw(st.sampled_from(round_ids))
        item["elector_id"] = draw(st.sampled_from(elector_ids))
        item["client_id"] = draw(st.text(min_size=1, max_size=10))
        item["outcome"] = draw(st.sampled_from(["voted", "will_go", "lift", "not_in", "refused", "bogus"]))
    return item


@given(data=st.data())
def test_knock_up_sync_fuzz_stays_on_the_volunteers_round(d, data):
    electors = [e.pk for e in d.world.electors + d.world.other_electors]
    items = data.draw(st.lists(_knock_item([d.mine.pk, d.theirs.pk, 0], electors), max_size=6))
    client = _client(d.world.canvasser)
    before = set(KnockUpResult.objects.values_list("client_id", flat=True))
    response = client.post(KNOCKUP_SYNC, json.dumps({"items": items}), "application/json")
    assert response.status_code in (200, 403), response.status_code
    results = response.json()["results"]
    assert len(results) == len(items)
    # Another room's round is never touched; results are only for electors on the volunteer's round.
    assert not KnockUpResult.objects.filter(committee_room=d.other_room).exists()
    assert not KnockUpResult.objects.exclude(round=d.mine).exists()
    on_round = set(d.mine.items.values_list("elector_id", flat=True))
    assert set(KnockUpResult.objects.values_list("elector_id", flat=True)) <= on_round
    assert not Lift.objects.filter(committee_room=d.other_room).exists()
    new = set(KnockUpResult.objects.values_list("client_id", flat=True)) - before
    assert new == {r["client_id"].strip() for r in results if r["status"] == "created"}
    # Never half-written: every "voted" result took the number, every lift result has its open lift.
    for result in KnockUpResult.objects.filter(client_id__in=new, outcome="voted"):
        assert TellingEntry.objects.filter(elector_id=result.elector_id, undone_at__isnull=True).exists()
    for result in KnockUpResult.objects.filter(client_id__in=new, outcome="lift"):
        assert Lift.objects.filter(elector_id=result.elector_id).exists()


@given(round_pk=st.sampled_from(["mine", "theirs"]), suffix=st.sampled_from(["", "data/"]))
def test_knock_up_sheet_reads_only_the_volunteers_own_round(d, round_pk, suffix):
    knock_round = d.mine if round_pk == "mine" else d.theirs
    response = _client(d.world.canvasser).get(f"/polling-day/knock-up/rounds/{knock_round.pk}/{suffix}")
    assert response.status_code == (200 if round_pk == "mine" else 403)


@given(body=st.binary(max_size=200))
def test_knock_up_sync_random_bytes_never_500(d, body):
    response = _client(d.world.canvasser).post(KNOCKUP_SYNC, body, content_type="application/json")
    assert response.status_code in (200, 400, 403, 413)
    assert not KnockUpResult.objects.exists()
