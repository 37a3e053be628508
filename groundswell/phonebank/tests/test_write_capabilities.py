"""Who may change what, endpoint by endpoint: a user without the object cannot change it.

Organisers' pages: an organiser of a sibling unit, of a unit below the campaign's, or a caller with no role
gets 403 on every page that writes, and nothing changes; an organiser cannot reach another campaign's question
through their own campaign's address, nor move their campaign into a unit they do not run.

Callers' API: a caller cannot change another caller's contact, a contact of another campaign, or act in a
session their seat is not for.
"""

from __future__ import annotations

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.phonebank import seats
from groundswell.phonebank.models import CallAttempt, CallCampaign, CallSkip, CallTarget, PhonebankSession
from groundswell.questions.models import Question, QuestionSet
from groundswell.tests.factories import PersonFactory, PhoneFactory, UnitFactory, user_with_role

from .world import CampaignFactory, build_world, held_by, joined, post, records, script

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _open_window(monkeypatch, settings):
    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    settings.PHONEBANK_TELEPHONY = "groundswell.phonebank.telephony.FakeBridge"
    seats.clear_caches()


def login(user) -> Client:
    client = Client()
    TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


def campaign_state(campaign: CallCampaign) -> dict:
    """Everything an organiser's page could change about a campaign."""
    return {
        "campaign": CallCampaign.objects.filter(pk=campaign.pk).values().get(),
        "questions": list(Question.objects.filter(question_set_id=campaign.question_set_id).order_by("pk").values()),
        "script": QuestionSet.objects.filter(pk=campaign.question_set_id).values().get(),
        "sessions": list(PhonebankSession.objects.filter(campaign=campaign).order_by("pk").values()),
        "targets": list(CallTarget.objects.filter(campaign=campaign).order_by("pk").values()),
        "exports": AuditEntry.objects.filter(action="exported").count(),
    }


@pytest.fixture
def world():
    world = build_world(people=3)
    world.campaign.targets.all().delete()  # so that a build by an outsider would show
    return world


ORGANISER_POSTS = {
    "campaign_edit": ("campaign", {"name": "Taken over", "unit": "", "purpose": "survey"}),
    "campaign_status": ("campaign", {"status": "paused"}),
    "build": ("campaign", {}),
    "script": ("campaign", {"text": "Injected question?", "kind": "text"}),
    "script_introduction": ("campaign", {"introduction": "Hijacked"}),
    "question_remove": ("question", {}),
    "question_move": ("question", {"direction": "down"}),
    "question_branches": ("question", {"branch_yes": "end"}),
    "session_create": ("campaign", {"title": "Our session now"}),
    "session_end": ("session", {}),
    "export": ("campaign", {"reason": "I would like the list please"}),
}


def _url(world, name: str) -> str:
    kind, _ = ORGANISER_POSTS[name]
    if kind == "question":
        return reverse(f"phonebank:{name}", args=[world.campaign.pk, world.campaign.question_set.questions.first().pk])
    if kind == "session":
        return reverse(f"phonebank:{name}", args=[world.session.pk])
    return reverse(f"phonebank:{name}", args=[world.campaign.pk])


def _outsider(world, who: str):
    if who == "organiser of a sibling unit":
        sibling = UnitFactory(code="CLP-SIB", name="Reading West CLP", kind="constituency")
        return user_with_role(Role.ORGANISER, sibling, email="west@example.org")
    if who == "organiser of a branch below":
        branch = UnitFactory(code="BR-PB", name="Park ward branch", kind="branch", parent=world.clp)
        return user_with_role(Role.ORGANISER, branch, email="branch@example.org")
    return world.caller  # a caller in the session, with no role


@pytest.mark.parametrize("who", ["organiser of a sibling unit", "organiser of a branch below", "caller with no role"])
@pytest.mark.parametrize("name", sorted(ORGANISER_POSTS))
def test_an_organiser_page_that_writes_refuses_a_user_who_does_not_run_the_campaign(world, who, name):
    outsider = login(_outsider(world, who))
    before = campaign_state(world.campaign)
    response = outsider.post(_url(world, name), ORGANISER_POSTS[name][1])
    assert response.status_code == 403, (name, who, response.status_code)
    assert campaign_state(world.campaign) == before


def test_the_campaign_s_own_organiser_can_use_those_pages(world):
    # The same requests from the organiser who runs it are not refused (so the 403s above are about who asks).
    organiser = login(world.organiser)
    for name in ("campaign_status", "script_introduction", "session_create", "export"):
        response = organiser.post(_url(world, name), ORGANISER_POSTS[name][1])
        assert response.status_code in (200, 302), name


@pytest.mark.parametrize("name", ["question_remove", "question_move", "question_branches"])
def test_another_campaign_s_question_cannot_be_reached_through_one_s_own_campaign(world, name):
    theirs_unit = UnitFactory(code="CLP-THEIRS", name="Slough CLP", kind="constituency")
    theirs = CampaignFactory(unit=theirs_unit, question_set=script(theirs_unit))
    question = theirs.question_set.questions.first()
    before = campaign_state(theirs)
    response = login(world.organiser).post(
        reverse(f"phonebank:{name}", args=[world.campaign.pk, question.pk]), ORGANISER_POSTS[name][1]
    )
    assert response.status_code == 404
    assert campaign_state(theirs) == before


def test_an_organiser_cannot_move_a_campaign_into_a_unit_they_do_not_run(world):
    sibling = UnitFactory(code="CLP-SIB", name="Reading West CLP", kind="constituency")
    before = campaign_state(world.campaign)
    data = {
        "name": "Moved",
        "unit": sibling.pk,
        "purpose": "member_contact",
        "window_start": "10:00",
        "window_end": "20:00",
        "max_attempts": "3",
        "lease_minutes": "15",
        "priority": "none",
        "retry_no_answer": "240",
        "retry_busy": "30",
        "retry_voicemail": "never",
        "retry_call_back": "requested",
    }
    response = login(world.organiser).post(reverse("phonebank:campaign_edit", args=[world.campaign.pk]), data)
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    assert campaign_state(world.campaign) == before


# ------------------------------------------------------------------------------------------ the callers' API


@pytest.fixture
def two_callers():
    world = build_world(people=4)
    victim_client, victim_seat = joined(world, world.caller2)
    victim = post(victim_client, world, "next", victim_seat).json()["call"]
    client, seat = joined(world)
    mine = post(client, world, "next", seat).json()["call"]
    return world, client, seat, mine, victim


def _caller_body(name: str, call: dict) -> dict:
    body = {"target": call["target"], "lease": call["lease"]}
    if name == "result":
        body |= {"client_id": f"cap-{name}", "outcome": "deceased"}
    return body


@pytest.mark.parametrize("name", ["result", "skip", "bridge"])
def test_a_caller_cannot_change_another_caller_s_contact(two_callers, name):
    world, client, seat, mine, victim = two_callers
    before = records()
    response = post(client, world, name, seat, _caller_body(name, victim))
    if name == "bridge":
        assert response.status_code in (400, 409)  # no phone given when joining, or not theirs
    else:
        assert response.status_code == 200
        assert response.json()["call"]["target"] == mine["target"]
    assert records() == before
    assert held_by(world.caller2) == [victim["target"]] and held_by(world.caller) == [mine["target"]]
    assert not CallAttempt.objects.filter(applied=True).exists() and not CallSkip.objects.exists()


@pytest.mark.parametrize("name", ["result", "skip", "bridge"])
def test_a_caller_cannot_change_a_contact_of_another_campaign(two_callers, name):
    world, client, seat, mine, victim = two_callers
    elsewhere = UnitFactory(code="CLP-ELSE", name="Slough CLP", kind="constituency")
    other = CampaignFactory(unit=elsewhere, question_set=script(elsewhere))
    person = PersonFactory(unit=elsewhere)
    PhoneFactory(person=person, number="+447700911111")
    target = CallTarget.objects.create(campaign=other, person=person, phone="+447700911111", lease_seq=1)
    before = records()
    response = post(client, world, name, seat, _caller_body(name, {"target": target.pk, "lease": 1}))
    assert response.status_code in (200, 400, 409)
    if name == "result":
        assert response.status_code == 400 and "target" in response.json()["errors"]
    assert records() == before and not CallAttempt.objects.exists()


@pytest.mark.parametrize("name", ["next", "result", "skip", "bridge", "tally"])
def test_a_seat_works_only_in_its_own_session(two_callers, name):
    world, client, seat, mine, victim = two_callers
    elsewhere = UnitFactory(code="CLP-ELSE", name="Slough CLP", kind="constituency")
    other_campaign = CampaignFactory(unit=elsewhere, question_set=script(elsewhere))
    other_session = PhonebankSession.objects.create(campaign=other_campaign, title="Theirs")
    before = records()
    url = reverse(f"phonebank:api_{name}", args=[other_session.token])
    body = json.dumps(_caller_body(name, mine))
    headers = {"X-Caller-Seat": seat}
    if name == "tally":
        response = client.get(url, headers=headers)
    else:
        response = client.post(url, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert records() == before and not CallAttempt.objects.exists()
