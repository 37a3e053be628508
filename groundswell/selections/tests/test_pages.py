"""The pages: a member reaches Selections from home, sees whether they may vote and why, challenges, applies; the
procedures secretary reaches and runs every step from their home; the panel scores; a lost voting code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.ballots import services as ballots
from groundswell.ballots.models import EligibleVoter
from groundswell.ballots.tests.world import build_world as build_ballot_world
from groundswell.ballots.tests.world import login
from groundswell.selections import services, views
from groundswell.selections.models import Applicant, Challenge, RuleSet, Selection
from groundswell.tests.factories import user_with_role

from .world import build_world

pytestmark = pytest.mark.django_db


def test_a_member_finds_their_eligibility_from_home_and_challenges_it():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    late = login(user_with_role(Role.MEMBER, world.units.branch_a1, person=world.late))
    home = late.get("/").content.decode()
    assert reverse("selections:home") in home
    listing = late.get(reverse("selections:home")).content.decode()
    assert "Not eligible" in listing and "6 months" in listing
    page = late.get(reverse("selections:detail", args=[world.selection.pk])).content.decode()
    assert "You are not eligible to vote." in page and "Challenge it" in page
    assert "Decisions, with their reasons" not in page  # the full record is for eligible members
    late.post(reverse("selections:challenge", args=[world.selection.pk]), {"statement": "short"})
    assert not Challenge.objects.exists()
    late.post(reverse("selections:challenge", args=[world.selection.pk]), {"statement": "I joined in March 2025."})
    assert Challenge.objects.get().person == world.late

    eligible = login(user_with_role(Role.MEMBER, world.units.branch_a1, person=world.old[0]))
    page = eligible.get(reverse("selections:detail", args=[world.selection.pk])).content.decode()
    assert "You are eligible to vote." in page and world.selection.snapshots.get().digest in page
    assert "Campaigning record" in page and "Decisions, with their reasons" in page


def test_a_member_of_another_unit_is_refused_the_page():
    world = build_world()
    outsider = login(user_with_role(Role.MEMBER, world.units.branch_b1, person=world.outsider))
    assert outsider.get(reverse("selections:detail", args=[world.selection.pk])).status_code == 403


def test_a_member_applies_through_the_form_and_sees_their_checks():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    world.selection.stage = Selection.Stage.APPLICATIONS
    world.selection.save()
    client = login(user_with_role(Role.MEMBER, world.units.branch_a1, person=world.old[0]))
    page = client.get(reverse("selections:detail", args=[world.selection.pk])).content.decode()
    assert reverse("selections:apply", args=[world.selection.pk]) in page
    bad = client.post(reverse("selections:apply", args=[world.selection.pk]), {"public_name": ""})
    assert "Give the name to print on the ballot paper." in bad.content.decode()
    client.post(
        reverse("selections:apply", args=[world.selection.pk]),
        {"public_name": "Ann Able", "union_member": "on", "union_name": "Unison"},
    )
    assert Applicant.objects.get().eligible
    assert (
        "Member of an affiliated trade union."
        in client.get(reverse("selections:detail", args=[world.selection.pk])).content.decode()
    )


def test_the_secretary_runs_the_selection_from_their_home_and_the_roll_is_audited():
    world = build_world()
    client = login(world.secretary)
    assert reverse("selections:home") in client.get("/").content.decode()
    home = client.get(reverse("selections:home")).content.decode()
    assert reverse("selections:manage", args=[world.selection.pk]) in home
    assert reverse("selections:create") in home
    client.post(reverse("selections:snapshot", args=[world.selection.pk]))
    manage = client.get(reverse("selections:manage", args=[world.selection.pk])).content.decode()
    assert "of 8 members eligible" in manage and reverse("selections:roll", args=[world.selection.pk]) in manage
    roll = client.get(reverse("selections:roll", args=[world.selection.pk])).content.decode()
    assert world.late.memberships.get().number in roll
    assert AuditEntry.objects.filter(detail__event="roll_viewed", action=AuditEntry.Action.SEARCHED).exists()
    reset = client.post(
        reverse("selections:snapshot", args=[world.selection.pk]), {"freeze_date": "2026-01-01", "reason": ""},
        follow=True,
    )  # fmt: skip
    assert "Give the reason in words" in reset.content.decode()


def test_the_secretary_starts_a_selection_with_its_timetable():
    world = build_world()
    client = login(world.secretary)
    form = client.get(reverse("selections:create")).content.decode()
    assert "NEC procedural guidelines" in form
    rules = world.selection.rules_name
    response = client.post(
        reverse("selections:create"),
        {
            "unit": world.units.clp_a.pk, "kind": "council", "title": "Abbey ward council candidates",
            "rules": RuleSet.objects.get(name=rules).pk, "freeze_date": "2026-09-01",
            "freeze_starts": "2026-09-01", "ballot_starts": "2026-11-01", "ballot_ends": "2026-11-14",
            "criteria": "Local record\nCommitment to the manifesto",
        },
    )  # fmt: skip
    made = Selection.objects.get(title="Abbey ward council candidates")
    assert response.status_code == 302 and made.timetable.count() == 2 and made.criteria.count() == 2
    bad = client.post(reverse("selections:create"), {"unit": world.units.clp_a.pk, "title": "x", "freeze_date": "soon"})
    assert "Give the freeze date as a date." in bad.content.decode()


def test_a_panel_member_scores_from_their_page_and_a_conflict_blocks_it():
    world = build_world()
    person = world.old[0]
    a = services.apply(user_with_role(Role.MEMBER, person.unit, person=person), world.selection,
                       public_name="Ann Able", union_member=True)  # fmt: skip
    panelist = user_with_role(Role.MEMBER, world.units.region)
    services.add_panel_member(world.secretary, world.selection, panelist, name="Pat Panel")
    client = login(panelist)
    assert (
        reverse("selections:detail", args=[world.selection.pk])
        in client.get(reverse("selections:home")).content.decode()
    )
    detail = client.get(reverse("selections:detail", args=[world.selection.pk])).content.decode()
    assert reverse("selections:panel", args=[world.selection.pk]) in detail
    criterion = world.selection.criteria.first()
    url = reverse("selections:panel", args=[world.selection.pk])
    client.post(url, {"applicant": a.pk, "criterion": criterion.pk, "score": "4"})
    assert a.scores.get().score == 4
    client.post(url, {"applicant": a.pk, "action": "conflict", "nature": "My sister"})
    page = client.get(url).content.decode()
    assert "You declared a conflict" in page
    refused = client.post(url, {"applicant": a.pk, "criterion": criterion.pk, "score": "2"}, follow=True)
    assert "cannot score them" in refused.content.decode() and a.scores.get().score == 4
    assert login(world.secretary).get(url).status_code == 403  # not on the panel


def test_a_member_who_lost_their_code_gets_a_new_one_and_the_old_stops_working():
    world = build_ballot_world()
    voter = world.people[0]
    user = user_with_role(Role.MEMBER, world.units.branch_a1, person=voter)
    EligibleVoter.objects.filter(ballot=world.ballot, person=voter).update(
        code_sent_at=timezone.now() - timedelta(hours=1)
    )
    client = login(user)
    assert reverse("ballots:lost_code", args=[world.ballot.pk]) in client.get(reverse("ballots:home")).content.decode()
    mail.outbox.clear()
    response = client.post(reverse("ballots:lost_code", args=[world.ballot.pk]), follow=True)
    assert "A new code is on its way by email" in response.content.decode()
    assert len(mail.outbox) == 1
    with pytest.raises(ballots.VoteRefused):
        ballots.cast_vote(world.ballot, world.codes[0], ["Ada Adams"])
    again = client.post(reverse("ballots:lost_code", args=[world.ballot.pk]), follow=True)
    assert "in the last ten minutes" in again.content.decode()
    stranger = login(user_with_role(Role.MEMBER, world.units.branch_a1))
    refused = stranger.post(reverse("ballots:lost_code", args=[world.ballot.pk]), follow=True)
    assert "not on the roll" in refused.content.decode()
    assert AuditEntry.objects.filter(detail__event="code_reissue_refused").count() == 2


def test_a_large_list_is_drawn_up_by_the_task_worker(monkeypatch):
    world = build_world()
    monkeypatch.setattr(views, "SNAPSHOT_IN_BACKGROUND_ABOVE", 3)
    client = login(world.secretary)
    response = client.post(reverse("selections:snapshot", args=[world.selection.pk]), follow=True)
    assert "is being drawn up" in response.content.decode()
    assert world.selection.snapshots.get().eligible_count == len(world.old)  # the test backend runs tasks at once
