"""A result for a contact the caller does not hold is kept as a record and changes nothing else; and however a
caller asks (next, result, skip, a retry, a reload), they hold one contact at a time.

Both were found by an attacker (issue 13): results posted for any target id with lease 0 suppressed people and
withdrew their phone consent, and each such post handed out another contact without releasing the last.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from groundswell.canvassing.models import CanvassCampaign, Contact
from groundswell.geography.models import Constituency
from groundswell.people.models import Consent, Suppression
from groundswell.phonebank import seats, selectors
from groundswell.phonebank.models import CallAttempt, CallTarget
from groundswell.questions.models import Question
from groundswell.questions.support_codes import ensure_default_support_codes, support_codes_for
from groundswell.register.models import Elector

from .world import build_world, held_by, joined, post, records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_window(monkeypatch):
    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    seats.clear_caches()


def _result(target: int, lease: int, outcome: str, client_id: str, **extra) -> dict:
    return {"client_id": client_id, "target": target, "lease": lease, "outcome": outcome, **extra}


@pytest.mark.parametrize("outcome", ["deceased", "do_not_call", "wrong_number", "completed", "refused", "no_answer"])
@pytest.mark.parametrize("lease", ["zero", "someone else's"])
def test_a_result_for_a_contact_never_given_to_the_caller_changes_nothing(outcome, lease):
    world = build_world(people=3)
    other, other_seat = joined(world, world.caller2)
    victim = post(other, world, "next", other_seat).json()["call"]
    client, seat = joined(world)
    untouched = records()
    body = _result(victim["target"], victim["lease"] if lease == "someone else's" else 0, outcome, "evil-1")
    if outcome == "completed":
        body["answers"] = {"intention": "yes", "volunteer": "no"}
    response = post(client, world, "result", seat, body)
    data = response.json()
    assert response.status_code == 200 and data["stored"] and not data["applied"]
    # Only the record of the refused result: no suppression, consent, timeline, canvass data or queue change.
    assert records() == untouched
    attempt = CallAttempt.objects.get(client_id="evil-1")
    assert not attempt.applied and attempt.caller_id == world.caller.pk
    assert not Suppression.objects.exists()
    assert not Consent.objects.filter(status=Consent.Status.WITHDRAWN).exists()
    # The contact stays with the caller who holds it, who can still finish the call.
    assert held_by(world.caller2) == [victim["target"]]
    mine = post(other, world, "result", other_seat, _result(victim["target"], victim["lease"], outcome, "real-1"))
    assert mine.json()["applied"]


def test_a_support_answer_for_a_contact_not_held_does_not_reach_the_canvass():
    world = build_world(people=2)
    ensure_default_support_codes(world.clp)
    code = sorted(support_codes_for(world.clp))[0]
    Question.objects.create(
        question_set=world.campaign.question_set,
        key="support",
        text="Who will you vote for?",
        kind=Question.Kind.SUPPORT,
        order=0,
    )
    con = Constituency.objects.create(code="E14000879", name="Reading East")
    for n, person in enumerate(world.people):
        elector = Elector.objects.create(
            constituency=con, polling_district="AB1", number=n + 1, surname="Smith", person=person
        )
        CallTarget.objects.filter(person=person).update(elector=elector)
    world.campaign.canvass_campaign = CanvassCampaign.objects.create(unit=world.clp, name="Voter ID", constituency=con)
    world.campaign.save()
    client, seat = joined(world)
    target = CallTarget.objects.order_by("pk").last()
    body = _result(target.pk, 0, "completed", "evil-2", answers={"support": code, "intention": "yes"})
    response = post(client, world, "result", seat, body)
    assert response.status_code == 200 and not response.json()["applied"], response.content
    assert not Contact.objects.exists()
    assert not Elector.objects.exclude(current_support="").exists()


def test_results_for_contacts_not_held_hand_out_nothing_more():
    world = build_world(people=20)
    client, seat = joined(world)
    mine = post(client, world, "next", seat).json()["call"]
    others = CallTarget.objects.exclude(pk=mine["target"]).values_list("pk", flat=True)
    for n, target in enumerate(others[:10]):
        data = post(client, world, "result", seat, _result(target, 0, "no_answer", f"harvest-{n}")).json()
        assert not data["applied"]
        assert data["call"]["target"] == mine["target"], "a result for someone else's contact handed out another"
    assert held_by(world.caller) == [mine["target"]]


def test_a_caller_holding_nothing_gets_no_contact_for_a_result_not_applied():
    world = build_world(people=3)
    client, seat = joined(world)
    target = CallTarget.objects.order_by("pk").first()
    data = post(client, world, "result", seat, _result(target.pk, 0, "no_answer", "h-1")).json()
    assert not data["applied"] and data["call"] is None and data["none"]["reason"] == "not_held"
    assert held_by(world.caller) == []
    # "Next call" then gives one, as it always did.
    assert post(client, world, "next", seat).json()["call"]


def test_skipping_a_contact_not_held_hands_back_the_one_held():
    world = build_world(people=10)
    client, seat = joined(world)
    mine = post(client, world, "next", seat).json()["call"]
    for target in CallTarget.objects.exclude(pk=mine["target"]).values_list("pk", flat=True)[:5]:
        for lease in (0, 1):
            card = post(client, world, "skip", seat, {"target": target, "lease": lease}).json()["call"]
            assert card["target"] == mine["target"]
    assert held_by(world.caller) == [mine["target"]]


def test_next_retries_and_reloads_hand_back_the_same_contact():
    world = build_world(people=10)
    client, seat = joined(world)
    first = post(client, world, "next", seat).json()["call"]
    assert post(client, world, "next", seat).json()["call"]["target"] == first["target"]
    # A reload: a new page, a new seat token for the same seat.
    client2, seat2 = joined(world)
    assert post(client2, world, "next", seat2).json()["call"]["target"] == first["target"]
    body = _result(first["target"], first["lease"], "no_answer", "r-1")
    second = post(client, world, "result", seat, body).json()["call"]
    # The same result resent (same client id): the same next contact, not another.
    for _ in range(3):
        again = post(client, world, "result", seat, body).json()
        assert again["duplicate"] and again["call"]["target"] == second["target"]
    assert held_by(world.caller) == [second["target"]]


def test_a_caller_left_holding_several_contacts_gets_no_more():
    # Leases handed out before this fix (16 in the report) still count: nothing more until they are given back.
    world = build_world(people=6)
    client, seat = joined(world)
    post(client, world, "next", seat)
    extra = CallTarget.objects.filter(lease_owner__isnull=True).order_by("pk")[:2]
    later = timezone.now() + datetime.timedelta(minutes=10)
    CallTarget.objects.filter(pk__in=list(extra.values_list("pk", flat=True))).update(
        lease_owner=world.caller, lease_seq=1, available_at=later
    )
    before = sorted(held_by(world.caller))
    card = post(client, world, "next", seat).json()["call"]
    assert card["target"] in before and sorted(held_by(world.caller)) == before


def test_results_not_applied_stay_out_of_the_figures_and_flag_the_caller():
    world = build_world(people=8)
    client, seat = joined(world)
    for n, target in enumerate(CallTarget.objects.values_list("pk", flat=True)[:6]):
        body = _result(target, 0, "completed", f"junk-{n}", answers={"intention": "against"})
        assert not post(client, world, "result", seat, body).json()["applied"]
    assert selectors.caller_tally(world.session, world.caller.pk) == {"calls": 0, "reached": 0, "completed": 0}
    assert selectors.leaderboard(world.session)["calls"] == 0
    assert all(row["count"] == 0 for row in selectors.outcome_counts(world.campaign))
    assert all(chart["answered"] == 0 for chart in selectors.answer_counts(world.campaign))
    assert sum(selectors.calls_per_minute(world.campaign, timezone.now())) == 0
    (flag,) = selectors.quality_flags(world.campaign, has_script=True)
    assert flag["caller_id"] == world.caller.pk and "6 results for contacts they did not hold" in " ".join(
        flag["flags"]
    )
