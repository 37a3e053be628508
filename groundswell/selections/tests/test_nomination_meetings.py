"""Nomination meetings: attendance from the eligible list, quorum, votes, one nomination per body per category;
an inquorate meeting's nomination is refused with a clear message, nothing written, the attempt audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.ballots.tests.world import login
from groundswell.selections import services
from groundswell.selections.models import NominationMeeting
from groundswell.tests.factories import user_with_role

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    world.nominees = []
    for person in world.old[:2]:
        user = user_with_role(Role.MEMBER, person.unit, person=person)
        a = services.apply(user, world.selection, public_name=person.display_name, union_member=True)
        services.decide_longlist(world.secretary, a, longlisted=True, reason="Meets the criteria")
        world.nominees.append(a)
    world.numbers = [p.memberships.get().number for p in world.old]
    return world


def nominate(world, *, attendees, body="Abbey branch", category="open", nominee=None, votes=None):
    nominee = nominee or world.nominees[0]
    return services.record_nomination(
        world.secretary,
        world.selection,
        body_kind="branch",
        body_name=body,
        held_on=date(2026, 7, 1),
        attendee_numbers=attendees,
        votes=votes if votes is not None else {nominee.public_name: len(attendees)},
        nominee=nominee,
        category=category,
        branch=world.units.branch_a1,
    )


def test_a_quorate_meeting_nominates_and_the_nomination_is_published(world):
    meeting = nominate(world, attendees=world.numbers[:3])
    assert meeting.attendance == 3 and meeting.quorum == 3 and meeting.attendees.count() == 3
    decision = world.selection.decisions.get(stage="nominations")
    assert "Nominated" in decision.outcome and "Quorate: 3 eligible members attended" in decision.reason


def test_an_inquorate_meeting_is_refused_with_a_clear_message_and_audited(world):
    with pytest.raises(ValidationError) as refused:
        nominate(world, attendees=world.numbers[:2])
    assert "Inquorate: 2 eligible members attended Abbey branch's meeting; the quorum is 3" in refused.value.messages[0]
    assert not NominationMeeting.objects.exists()
    assert AuditEntry.objects.filter(detail__event="nomination_refused", reason="inquorate").exists()


def test_attendance_counts_only_members_on_the_eligible_list(world):
    late = world.late.memberships.get().number
    with pytest.raises(ValidationError, match=f"Not on the eligible list .*{late}"):
        nominate(world, attendees=[*world.numbers[:3], late])
    with pytest.raises(ValidationError, match="Not on the eligible list"):
        nominate(world, attendees=[*world.numbers[:2], "M-FORGED-1"])


def test_one_nomination_per_branch_per_category_when_the_rules_say_so(world):
    nominate(world, attendees=world.numbers[:3])
    with pytest.raises(ValidationError, match="already nominated in the open category"):
        nominate(world, attendees=world.numbers[:3], nominee=world.nominees[1])
    nominate(world, attendees=world.numbers[:3], nominee=world.nominees[1], category="woman")
    world.selection.one_nomination_per_body_per_category = False
    world.selection.save()
    nominate(world, attendees=world.numbers[:3], nominee=world.nominees[1])
    assert NominationMeeting.objects.count() == 3


def test_more_votes_than_attendees_is_refused(world):
    with pytest.raises(ValidationError, match="5 votes recorded but only 3"):
        nominate(world, attendees=world.numbers[:3], votes={world.nominees[0].public_name: 5})


def test_the_form_shows_the_inquorate_refusal_in_plain_words(world):
    client = login(world.secretary)
    response = client.post(
        reverse("selections:nomination", args=[world.selection.pk]),
        {
            "body_kind": "branch",
            "branch": world.units.branch_a1.pk,
            "category": "open",
            "held_on": "2026-07-01",
            "nominee": world.nominees[0].pk,
            "attendees": ", ".join(world.numbers[:1]),
            "votes": f"{world.nominees[0].public_name}: 1",
        },
        follow=True,
    )
    assert "Inquorate: 1 eligible members attended Abbey branch" in response.content.decode()
    bad = client.post(
        reverse("selections:nomination", args=[world.selection.pk]),
        {"body_kind": "branch", "branch": world.units.branch_a1.pk, "held_on": "2026-07-01",
         "nominee": world.nominees[0].pk, "attendees": world.numbers[0], "votes": "no colon here"},
        follow=True,
    )  # fmt: skip
    assert "Write each line as" in bad.content.decode()
