"""Write capabilities in canvassing: for every side-effecting endpoint, a user who does not hold the object
(another canvasser's walk, another constituency's campaign) cannot change it. One matrix: endpoint × actor.

Each case asks for a change to an object the actor does not hold; the answer must be a refusal (403/404, or a
per-item "forbidden"), and a snapshot of everything those endpoints can write must be unchanged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.canvassing.models import CanvassCampaign, Contact, Target, WalkAssignment, WalkStop
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.questions.models import Question
from groundswell.register.models import Elector
from groundswell.tests.factories import PersonFactory, UnitFactory, user_with_role

from .builders import World, build_world

pytestmark = pytest.mark.django_db


def _sign_in(user: Any) -> Client:
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # organisers must use two factors
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db) -> World:
    world = build_world()
    # Another constituency party with its own organiser: they run canvassing there, not here.
    west = Constituency.objects.create(code="E14000889", name="Reading West")
    sibling = UnitFactory(code="CLP-RW", kind=OrganisationUnit.Kind.CONSTITUENCY, parent=world.national)
    sibling.constituency = west
    sibling.save()
    world.outsider = user_with_role(Role.ORGANISER, sibling, email="west-organiser@example.org")
    world.sibling = sibling
    # Objects the endpoints could change: a contact needing review, a linked elector, a question, a target.
    world.reported = Contact.objects.create(
        elector=world.other_electors[0], campaign=world.campaign, walk=world.other_walk, outcome="moved",
        needs_review=True, canvasser=world.other_canvasser,
    )  # fmt: skip
    person = PersonFactory(unit=world.clp)
    Elector.objects.filter(pk=world.other_electors[1].pk).update(person=person)
    world.target = Target.objects.create(campaign=world.campaign, name="Everyone", filters={})
    world.question = world.campaign.question_set.questions.order_by("order").last()
    return world


def _snapshot(world: World) -> dict[str, Any]:
    return {
        "contacts": sorted(Contact.objects.values_list("id", "elector_id", "walk_id", "needs_review", "support_code")),
        "assignments": sorted(WalkAssignment.objects.values_list("walk_id", "user_id")),
        "stops": sorted(WalkStop.objects.values_list("walk_id", "household_id", "order")),
        "links": sorted(Elector.objects.values_list("id", "person_id", "current_support")),
        "targets": sorted(Target.objects.values_list("id", "name")),
        "questions": sorted(Question.objects.values_list("id", "key", "order")),
        "campaigns": sorted(CanvassCampaign.objects.values_list("id", "name", "unit_id")),
        "walks": sorted(world.campaign.walks.values_list("id", "name")),
    }


def _sync(client: Client, world: World) -> Any:
    item = {
        "client_id": str(uuid.uuid4()),
        "walk_id": world.other_walk.pk,
        "elector_id": world.other_electors[0].pk,
        "outcome": "spoke",
        "support_code": "L",
    }
    return client.post(reverse("canvassing:doorstep_sync"), json.dumps({"items": [item]}), "application/json")


def _paper_sync(client: Client, world: World) -> Any:
    item = {"client_id": str(uuid.uuid4()), "walk_id": world.other_walk.pk, "elector_number": "AB-1", "method": "paper"}
    return client.post(reverse("canvassing:doorstep_sync"), json.dumps({"items": [item]}), "application/json")


def _walk_action(action: str, **fields: Any) -> Callable[[Client, World], Any]:
    def act(client: Client, world: World) -> Any:
        data = {"action": action, **{k: (v(world) if callable(v) else v) for k, v in fields.items()}}
        return client.post(reverse("canvassing:walks:detail", args=[world.other_walk.pk]), data)

    return act


# endpoint name → the request asking to change what the actor does not hold
ENDPOINTS: dict[str, Callable[[Client, World], Any]] = {
    "doorstep sync to another's walk": _sync,
    "paper entry sync to another's walk": _paper_sync,
    "assign a walk": _walk_action("assign", user=lambda w: w.canvasser.pk),
    "unassign a walk": _walk_action("unassign", user=lambda w: w.other_canvasser.pk),
    "move a street between walks": _walk_action("move_street", street="Mill Lane", to_walk=lambda w: w.walk.pk),
    "move doors between walks": _walk_action(
        "move_doors", to_walk=lambda w: w.walk.pk, household=lambda w: w.other_electors[0].household_id
    ),
    "cut walks": lambda c, w: c.post(
        reverse("canvassing:walks:list", args=[w.campaign.pk]),
        {"polling_district": ["AA"], "min_size": 1, "target_size": 2, "max_size": 3},
    ),
    "resolve a contact's review": lambda c, w: c.post(
        reverse("canvassing:review_resolve", args=[w.campaign.pk, w.reported.pk])
    ),
    "link an elector to a person": lambda c, w: c.post(
        reverse("canvassing:elector_link", args=[w.other_electors[0].pk]),
        {"person": PersonFactory(unit=w.clp).pk},
    ),
    "unlink an elector": lambda c, w: c.post(reverse("canvassing:elector_unlink", args=[w.other_electors[1].pk])),
    "save a target": lambda c, w: c.post(
        reverse("canvassing:target_save", args=[w.campaign.pk]), {"name": "Mine now", "polling_districts": ["AA"]}
    ),
    "cut walks from a target": lambda c, w: c.post(
        reverse("canvassing:target_cut", args=[w.campaign.pk, w.target.pk]), {"target_size": "10"}
    ),
    "add a question": lambda c, w: c.post(
        reverse("canvassing:questions", args=[w.campaign.pk]), {"text": "Bins OK?", "kind": "yes_no"}
    ),
    "remove a question": lambda c, w: c.post(
        reverse("canvassing:question_remove", args=[w.campaign.pk, w.question.pk])
    ),
    "move a question": lambda c, w: c.post(
        reverse("canvassing:question_move", args=[w.campaign.pk, w.question.pk]), {"direction": "up"}
    ),
    "create a campaign in another's unit": lambda c, w: c.post(
        reverse("canvassing:campaign_create"),
        {"unit": w.clp.pk, "constituency": w.constituency.pk, "name": "Hijack"},
    ),
}

# actor → how to get them: the canvasser holds walk 1 only; the outsider organises another constituency.
ACTORS: dict[str, Callable[[World], Client]] = {
    "canvasser": lambda w: _sign_in(w.canvasser),
    "organiser of another constituency": lambda w: _sign_in(w.outsider),
}


def _refused(response: Any) -> bool:
    """403/404; a sync answered "forbidden" per item; or a form shown again with its error (never a redirect
    that would say "done")."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response.status_code == 403 and all(r["status"] == "forbidden" for r in response.json()["results"])
    return response.status_code in (200, 403, 404)


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_user_without_the_object_cannot_change_it(world, endpoint, actor):
    client = ACTORS[actor](world)
    before = _snapshot(world)
    response = ENDPOINTS[endpoint](client, world)
    assert _refused(response), (endpoint, actor, response.status_code)
    assert _snapshot(world) == before, (endpoint, actor)


def test_the_matrix_can_fail_the_organiser_of_the_campaign_changes_things(world):
    """The same requests from the campaign's own organiser do change things: the matrix is not vacuous."""
    client = _sign_in(world.organiser)
    changed = []
    for name, act in ENDPOINTS.items():
        before = _snapshot(world)
        act(client, world)
        if _snapshot(world) != before:
            changed.append(name)
    assert {"doorstep sync to another's walk", "assign a walk", "resolve a contact's review", "save a target"} <= set(
        changed
    )
