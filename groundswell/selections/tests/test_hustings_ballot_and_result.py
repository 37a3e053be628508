"""Hustings as events with invitations and reminders through messaging and a count of who is coming; the ballot
made from the eligible list and the shortlist through the ballots app, its result shown on the selection; the
lookup complaints use to flag a respondent in a pending selection."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.ballots import services as ballots
from groundswell.ballots.models import Ballot
from groundswell.ballots.tests.world import close, codes_from_outbox, login
from groundswell.complaints.selections import pending_selections
from groundswell.events.models import RSVP, Event
from groundswell.messaging.models import EmailRecipient, EmailSend
from groundswell.selections import selectors, services
from groundswell.tests.factories import user_with_role

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    world.users = [user_with_role(Role.MEMBER, p.unit, person=p) for p in world.old]
    numbers = [p.memberships.get().number for p in world.old]
    world.shortlist = []
    for user in world.users[:3]:
        a = services.apply(user, world.selection, public_name=user.person.display_name, union_member=True)
        services.decide_longlist(world.secretary, a, longlisted=True, reason="Meets the criteria")
        world.shortlist.append(a)
    services.publish_list(world.secretary, world.selection, "longlist")
    for i, a in enumerate(world.shortlist):
        services.record_nomination(
            world.secretary, world.selection, body_kind="branch", body_name=f"Branch {i}", held_on=date(2026, 7, 1),
            attendee_numbers=numbers[:3], votes={a.public_name: 3}, nominee=a,
        )  # fmt: skip
        services.decide_shortlist(world.secretary, a, shortlisted=True, reason="Nominated and strong at interview")
    services.publish_list(world.secretary, world.selection, "shortlist")
    return world


def test_hustings_is_a_members_event_and_every_eligible_member_is_invited_through_messaging(world):
    starts = timezone.now() + timedelta(days=5)
    hustings = services.create_hustings(
        world.secretary, world.selection, starts_at=starts, venue_name="Abbey Hall", latitude=51.455, longitude=-0.969
    )
    event = hustings.event
    assert event.kind == Event.Kind.MEETUP and event.visibility == Event.Visibility.MEMBERS
    send = EmailSend.objects.get(source=f"selection {world.selection.pk} hustings invitation")
    invited = set(EmailRecipient.objects.filter(send=send).values_list("person_id", flat=True))
    assert invited == {p.pk for p in world.old}  # eligible members only: not the late joiner, not the lapsed
    assert send.purpose == "service"
    hustings.refresh_from_db()
    assert hustings.invited == len(world.old)

    services.say_coming(world.users[3], hustings)
    services.say_coming(world.users[4], hustings)
    [row] = selectors.hustings_rows(world.selection)
    assert row["coming"] == 2
    assert RSVP.objects.filter(event=event, person=world.old[3]).exists()
    late_user = user_with_role(Role.MEMBER, world.late.unit, person=world.late)
    with pytest.raises(PermissionDenied):
        services.say_coming(late_user, hustings)

    services.invite_to_hustings(world.secretary, hustings, reminder=True)
    reminder = EmailSend.objects.get(source=f"selection {world.selection.pk} hustings reminder")
    reminded = set(EmailRecipient.objects.filter(send=reminder).values_list("person_id", flat=True))
    assert reminded == {p.pk for p in world.old} - {world.old[3].pk, world.old[4].pk}


def test_the_ballot_is_made_from_the_eligible_list_and_the_shortlist_and_the_result_links_back(world):
    officer = user_with_role(Role.MEMBER, world.units.region)
    now = timezone.now()
    ballot = services.open_ballot(
        world.secretary, world.selection, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3),
        returning_officer=officer,
    )  # fmt: skip
    assert ballot.source == f"selections:{world.selection.pk}" and ballot.method == Ballot.Method.IRV
    assert set(ballot.candidates.values_list("name", flat=True)) == {a.public_name for a in world.shortlist}
    assert set(ballot.voters.values_list("person_id", flat=True)) == {p.pk for p in world.old}
    world.selection.refresh_from_db()
    assert world.selection.ballot == ballot and world.selection.stage == "ballot"
    with pytest.raises(ValidationError):
        services.open_ballot(world.secretary, world.selection, opens_at=now, closes_at=now, returning_officer=officer)

    mail.outbox.clear()
    ballots.issue_codes(world.secretary, ballot)
    codes = list(codes_from_outbox().values())
    for code in codes[:3]:
        ballots.cast_vote(ballot, code, [world.shortlist[0].public_name, world.shortlist[1].public_name])
    close(ballot)
    ballots.run_count(officer, ballot)
    assert selectors.ballot_result(world.selection) is None  # published only once certified
    ballots.certify(officer, ballot)
    world.selection.refresh_from_db()
    assert selectors.ballot_result(world.selection)["elected"] == [world.shortlist[0].public_name]
    page = login(officer).get(reverse("ballots:result", args=[ballot.pk]))
    assert reverse("selections:detail", args=[world.selection.pk]) in page.content.decode()


def test_the_ballot_waits_for_open_challenges(world):
    late_user = user_with_role(Role.MEMBER, world.late.unit, person=world.late)
    services.lodge_challenge(late_user, world.selection, "I joined in 2025 at the stall.")
    now = timezone.now()
    with pytest.raises(ValidationError, match="open challenges"):
        services.open_ballot(
            world.secretary, world.selection, opens_at=now, closes_at=now + timedelta(days=1),
            returning_officer=world.secretary,
        )  # fmt: skip


def test_complaints_learn_that_a_respondent_takes_part_in_a_pending_selection(world):
    as_applicant = pending_selections(world.old[0])
    assert [(p.label, p.role) for p in as_applicant] == [(world.selection.title, "applicant")]
    assert [p.role for p in pending_selections(world.old[4])] == ["voter"]
    assert pending_selections(world.late) == []


def test_the_scheduler_reminds_non_responders_once_48_hours_before(world):
    hustings = services.create_hustings(
        world.secretary, world.selection, starts_at=timezone.now() + timedelta(days=5), venue_name="Abbey Hall",
        latitude=51.455, longitude=-0.969,
    )  # fmt: skip
    services.say_coming(world.users[0], hustings)
    assert services.send_due_hustings_reminders() == 0  # five days out: not yet
    later = timezone.now() + timedelta(days=3, hours=12)
    assert services.send_due_hustings_reminders(later) == 1
    assert services.send_due_hustings_reminders(later) == 0  # once
    reminder = EmailSend.objects.get(source=f"selection {world.selection.pk} hustings reminder")
    reminded = set(EmailRecipient.objects.filter(send=reminder).values_list("person_id", flat=True))
    assert world.old[0].pk not in reminded and world.old[1].pk in reminded
