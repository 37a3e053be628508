"""Write capabilities on polling day: for every side-effecting endpoint, a user who does not hold the object
(another station's electors, another room's round, another constituency's day) cannot change it. One matrix:
endpoint × actor.

Each case asks for a change the actor may not make; the answer must be a refusal (403/404, or a per-item
"forbidden"), and a snapshot of everything those endpoints can write must be unchanged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.gotv import assignments, knockup
from groundswell.gotv.models import (
    CommitteeRoom,
    KnockUpResult,
    KnockUpRound,
    Lift,
    PollingDay,
    PollingStation,
    RoomVolunteer,
    StationTeller,
    TellingEntry,
)
from groundswell.tests.factories import user_with_role

from .test_board_world import World, build, make_promise, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    world = build()
    for elector in world.electors.values():
        make_promise(elector)
    world.teller_a = user_with_role(Role.TELLER, world.clp, email="teller-a@example.org")
    world.volunteer_a = user_with_role(Role.VOLUNTEER, world.clp, email="volunteer-a@example.org")
    world.outsider = user_with_role(Role.COORDINATOR, world.west, email="west-coordinator@example.org")
    assignments.set_station_tellers(world.station_a, [world.teller_a])
    assignments.set_room_volunteers(world.room_a, [world.volunteer_a])
    # Objects at station B and room B: a vote, a flagged number, a round, a lift.
    world.vote_b = TellingEntry.objects.create(
        polling_day=world.day, station=world.station_b, elector=world.electors["AB-1"], raw_number="AB-1",
        client_id="b-vote", entered_by=world.organiser,
    )  # fmt: skip
    world.flagged_b = TellingEntry.objects.create(
        polling_day=world.day, station=world.station_b, raw_number="AB-99", client_id="b-flag"
    )
    world.round_b = knockup.regenerate(world.room_b, world.organiser)
    world.lift_b = Lift.objects.create(committee_room=world.room_b, elector=world.electors["AB-2"])
    return world


def _snapshot(world: World) -> dict[str, Any]:
    return {
        "entries": sorted(
            TellingEntry.objects.values_list("id", "elector_id", "station_id", "undone_at", "review", "client_id")
        ),
        "results": sorted(KnockUpResult.objects.values_list("id", "elector_id", "round_id", "outcome")),
        "rounds": sorted(KnockUpRound.objects.values_list("id", "committee_room_id", "number", "completed_at")),
        "lifts": sorted(Lift.objects.values_list("id", "status", "driver")),
        "stations": sorted((s.pk, s.name, tuple(s.polling_districts)) for s in PollingStation.objects.all()),
        "tellers": sorted(StationTeller.objects.values_list("station_id", "user_id")),
        "rooms": sorted(
            (r.pk, r.name, tuple(r.polling_districts), r.coordinator_id) for r in CommitteeRoom.objects.all()
        ),
        "volunteers": sorted(RoomVolunteer.objects.values_list("committee_room_id", "user_id")),
        "days": sorted(
            (d.pk, d.name, json.dumps(d.promise_rule), json.dumps(d.targets)) for d in PollingDay.objects.all()
        ),
    }


def _json(url: Callable[[World], str], items: Callable[[World], list[dict]]) -> Callable[[Client, World], Any]:
    return lambda c, w: c.post(url(w), json.dumps({"items": items(w)}), "application/json")


def _telling_url(w: World) -> str:
    return reverse("gotv:telling_sync", args=[w.day.pk])


ENDPOINTS: dict[str, Callable[[Client, World], Any]] = {
    "take a number at another station": _json(
        _telling_url,
        lambda w: [{"op": "enter", "client_id": str(uuid.uuid4()), "station_id": w.station_b.pk, "text": "AB-3"}],
    ),
    "undo another station's vote": _json(
        _telling_url, lambda w: [{"op": "undo", "client_id": str(uuid.uuid4()), "target": "b-vote"}]
    ),
    "record a result on another room's round": _json(
        lambda w: reverse("gotv:knockup_sync"),
        lambda w: [
            {
                "client_id": str(uuid.uuid4()),
                "round_id": w.round_b.pk,
                "elector_id": w.electors["AB-3"].pk,
                "outcome": "voted",
            }
        ],  # fmt: skip
    ),
    "make a round for another room": lambda c, w: c.post(
        reverse("gotv:knockup_room", args=[w.room_b.pk]), {"action": "regenerate", "priority": "walk"}
    ),
    "complete another room's round": lambda c, w: c.post(
        reverse("gotv:knockup_room", args=[w.room_b.pk]), {"action": "complete", "round": w.round_b.pk}
    ),
    "update another room's lift": lambda c, w: c.post(
        reverse("gotv:lifts", args=[w.room_b.pk]), {"lift": w.lift_b.pk, "status": "done", "driver": "Me"}
    ),
    "resolve a flagged number at another station": lambda c, w: c.post(
        reverse("gotv:review_station", args=[w.day.pk, w.station_b.pk]),
        {"entry": w.flagged_b.pk, "action": "dismiss"},
    ),
    "add a station": lambda c, w: c.post(
        reverse("gotv:station_create", args=[w.day.pk]), {"name": "Extra", "polling_districts": ["AB"]}
    ),
    "edit a station and its tellers": lambda c, w: c.post(
        reverse("gotv:station_edit", args=[w.station_b.pk]),
        {"name": "Mine", "polling_districts": ["AB"], "tellers": [w.teller_a.pk]},
    ),
    "add a committee room": lambda c, w: c.post(
        reverse("gotv:room_create", args=[w.day.pk]), {"name": "Extra", "polling_districts": ["AB"]}
    ),
    "edit a room and its volunteers": lambda c, w: c.post(
        reverse("gotv:room_edit", args=[w.room_b.pk]),
        {"name": "Mine", "polling_districts": ["AB"], "volunteers": [w.volunteer_a.pk]},
    ),
    "edit the day": lambda c, w: c.post(
        reverse("gotv:day_edit", args=[w.day.pk]),
        {
            "name": "Mine",
            "election": w.day.election,
            "date": w.day.date.isoformat(),
            "polls_open": "07:00",
            "polls_close": "22:00",
        },
    ),  # fmt: skip
    "change the promise rule": lambda c, w: c.post(
        reverse("gotv:promises", args=[w.day.pk]), {"support_codes": ["C"], "min_likelihood": "1"}
    ),
}

ACTORS: dict[str, Callable[[World], Any]] = {
    "teller posted at station A": lambda w: w.teller_a,
    "volunteer of room A": lambda w: w.volunteer_a,
    "coordinator of another constituency": lambda w: w.outsider,
}


def _refused(response: Any) -> bool:
    """403/404, or a sync answered "forbidden" for every item."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 200 and response.headers.get("Content-Type", "").startswith("application/json"):
        return all(r["status"] == "forbidden" for r in response.json()["results"])
    return False


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_user_without_the_object_cannot_change_it(world, endpoint, actor):
    client = Client()
    signed_in(client, ACTORS[actor](world))
    before = _snapshot(world)
    response = ENDPOINTS[endpoint](client, world)
    assert _refused(response), (endpoint, actor, response.status_code, response.content[:200])
    assert _snapshot(world) == before, (endpoint, actor)


def test_the_matrix_can_fail_the_days_organiser_changes_things(world):
    """The same requests from the day's organiser do change things: the matrix is not vacuous."""
    client = Client()
    signed_in(client, world.organiser)
    changed = []
    for name, act in ENDPOINTS.items():
        before = _snapshot(world)
        act(client, world)
        if _snapshot(world) != before:
            changed.append(name)
    assert len(changed) >= len(ENDPOINTS) - 2, sorted(set(ENDPOINTS) - set(changed))
