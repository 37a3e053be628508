"""A small phonebank world for tests: a constituency party, people with numbers, a campaign and a session."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from groundswell.accounts.models import Role
from groundswell.phonebank import services
from groundswell.phonebank.models import CallCampaign, PhonebankSession
from groundswell.questions.models import Question, QuestionSet
from groundswell.tests.factories import PersonFactory, PhoneFactory, UnitFactory, user_with_role

LONDON = ZoneInfo("Europe/London")
# A Tuesday, mid-afternoon in London: inside the default 09:00–21:00 window.
NOON = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = CallCampaign

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Call round {n}")
    status = CallCampaign.Status.ACTIVE


def script(unit) -> QuestionSet:
    """Support first; 'against' ends the call; otherwise volunteering, then (if yes) when they are free."""
    qs = QuestionSet.objects.create(
        unit=unit,
        name="Call script",
        purpose=QuestionSet.Purpose.CALL,
        introduction="Hello, I'm calling from the campaign.",
    )
    Question.objects.create(
        question_set=qs,
        key="intention",
        text="Will you vote for us?",
        kind=Question.Kind.SINGLE,
        order=1,
        choices=[
            {"value": "yes", "label": "Yes"},
            {"value": "maybe", "label": "Maybe"},
            {"value": "against", "label": "No"},
        ],
        branches={"against": "end"},
        required=True,
    )
    Question.objects.create(
        question_set=qs,
        key="volunteer",
        text="Would you help?",
        kind=Question.Kind.YES_NO,
        order=2,
        branches={"no": "end"},
    )
    Question.objects.create(
        question_set=qs,
        key="when",
        text="When are you free?",
        kind=Question.Kind.TEXT,
        order=3,
        condition={"question": "volunteer", "in": ["yes"]},
    )
    return qs


def build_world(people: int = 5, purpose: str = "promotion", **campaign_kwargs) -> SimpleNamespace:
    clp = UnitFactory(code="CLP-PB", name="Reading East CLP", kind="constituency")
    persons = []
    for i in range(people):
        person = PersonFactory(unit=clp, given_name=f"Callee{i}", family_name="Smith")
        PhoneFactory(person=person, number=f"+44770090{i:04d}")
        persons.append(person)
    campaign = CampaignFactory(unit=clp, purpose=purpose, question_set=script(clp), **campaign_kwargs)
    services.build_target_list(campaign)
    # The list is built "now" (the real clock), but the tests call at NOON, a fixed afternoon: make the contacts
    # callable from before it, as they were when NOON was in the future (the tests failed once it was past).
    campaign.targets.update(available_at=NOON - datetime.timedelta(days=1))
    session = PhonebankSession.objects.create(campaign=campaign, title="Tuesday phonebank")
    caller = user_with_role(Role.CALLER, clp, email="caller1@example.org")
    caller2 = user_with_role(Role.CALLER, clp, email="caller2@example.org")
    organiser = user_with_role(Role.ORGANISER, clp, email="organiser-pb@example.org")
    return SimpleNamespace(
        clp=clp, people=persons, campaign=campaign, session=session, caller=caller, caller2=caller2, organiser=organiser
    )
