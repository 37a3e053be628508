"""A small phonebank world for tests: a constituency party, people with numbers, a campaign and a session."""

from __future__ import annotations

import datetime
import json
import re
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import factory
from django.test import Client
from django.urls import reverse
from factory.django import DjangoModelFactory

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import Contact
from groundswell.people.models import Consent, Person, Suppression, Tagging, TimelineEntry
from groundswell.phonebank import campaigns
from groundswell.phonebank.models import CallCampaign, CallSkip, CallTarget, PhonebankSession
from groundswell.questions.models import Question, QuestionSet
from groundswell.register.models import Elector
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
    campaigns.build_list(campaign, actor=None)
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


# ------------------------------------------------------------------------------------------ the caller API over HTTP


def joined(world, user=None) -> tuple[Client, str]:
    """A logged-in client that joined the world's session through its link, and the seat token its page holds."""
    client = Client()
    client.force_login(user or world.caller)
    token = world.session.token
    response = client.post(reverse("phonebank:join", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse("phonebank:call", args=[token])
    page = client.get(reverse("phonebank:call", args=[token]))
    assert page.status_code == 200
    config = json.loads(
        re.search(r'id="phonebank-config" type="application/json">(.*?)</script>', page.content.decode()).group(1)
    )
    return client, config["seat"]


def post(client, world, name, seat, body=None, *, raw: bytes | None = None, session=None):
    """POST to the caller API: `body` as JSON, or `raw` bytes as they come."""
    return client.post(
        reverse(f"phonebank:api_{name}", args=[(session or world.session).token]),
        data=raw if raw is not None else json.dumps(body or {}),
        content_type="application/json",
        headers={"X-Caller-Seat": seat},
    )


def held_by(user) -> list[int]:
    """The contacts this user holds a lease on (open, whether or not the lease has run out)."""
    return list(CallTarget.objects.filter(lease_owner=user, state=CallTarget.State.OPEN).values_list("pk", flat=True))


def records(person_ids: Any = None) -> dict[str, Any]:
    """Everything a call's result could change about people (all people, or those given), for before/after
    comparisons: suppressions, consents, timeline, tags, the person rows, canvass contacts, elector support,
    their queue rows, skips and the audit log's length."""
    people = Person.objects.all() if person_ids is None else Person.objects.filter(pk__in=list(person_ids))
    ids = list(people.values_list("pk", flat=True))
    return {
        "people": list(people.order_by("pk").values()),
        "suppressions": list(Suppression.objects.order_by("pk").values()),
        "consents": list(Consent.objects.filter(person_id__in=ids).order_by("pk").values()),
        "timeline": list(TimelineEntry.objects.filter(person_id__in=ids).order_by("pk").values_list("pk", flat=True)),
        "tags": list(Tagging.objects.filter(person_id__in=ids).order_by("pk").values_list("pk", flat=True)),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", flat=True)),
        "support": list(Elector.objects.filter(person_id__in=ids).order_by("pk").values_list("pk", "current_support")),
        "targets": list(CallTarget.objects.filter(person_id__in=ids).order_by("pk").values()),
        "skips": CallSkip.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
