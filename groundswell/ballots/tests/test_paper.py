"""Paper ballots: two tellers enter each paper independently; mismatches are listed and reconciled."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.ballots import paper, services
from groundswell.ballots.models import CastBallot
from groundswell.tests.factories import MembershipFactory, user_with_role

from .world import build_world, login

pytestmark = pytest.mark.django_db


def test_double_entry_agreements_count_and_mismatches_wait_for_the_returning_officer():
    world = build_world()
    teller_a, teller_b = world.secretary, user_with_role(Role.ORGANISER, world.units.clp_a)
    paper.enter_paper(teller_a, world.ballot, "001", ["Ada Adams", "Ben Brown"])
    paper.enter_paper(teller_b, world.ballot, "001", ["Ada Adams", "Ben Brown"])
    paper.enter_paper(teller_a, world.ballot, "002", ["Cat Chen", "Dev Das"])
    paper.enter_paper(teller_b, world.ballot, "002", ["Cat Chen", "Ben Brown"])  # a misread second preference
    paper.enter_paper(teller_a, world.ballot, "003", ["Dev Das"])
    status = {c.paper_number: c.status for c in paper.reconcile(world.ballot)}
    assert status == {"001": "agreed", "002": "mismatch", "003": "waiting"}
    mismatch = next(c for c in paper.reconcile(world.ballot) if c.status == "mismatch")
    assert sorted(mismatch.readings.values()) == [["Cat Chen", "Ben Brown"], ["Cat Chen", "Dev Das"]]

    assert paper.accept_agreed(world.secretary, world.ballot) == 1
    assert CastBallot.objects.get(receipt="P-001").preferences == ["Ada Adams", "Ben Brown"]
    assert paper.accept_agreed(world.secretary, world.ballot) == 0  # a paper is counted once

    with pytest.raises(PermissionDenied):
        paper.resolve_mismatch(world.secretary, world.ballot, "002", ["Cat Chen", "Dev Das"], "read the paper")
    with pytest.raises(ValidationError, match="Say why"):
        paper.resolve_mismatch(world.officer, world.ballot, "002", ["Cat Chen", "Dev Das"], " ")
    paper.resolve_mismatch(world.officer, world.ballot, "002", ["Cat Chen", "Dev Das"], "the 2 is clearly against Das")
    assert CastBallot.objects.get(receipt="P-002", on_paper=True).preferences == ["Cat Chen", "Dev Das"]
    assert {c.paper_number: c.status for c in paper.reconcile(world.ballot)}["002"] == "counted"
    with pytest.raises(ValidationError, match="not awaiting"):
        paper.resolve_mismatch(world.officer, world.ballot, "002", ["Dev Das"], "again")
    assert AuditEntry.objects.filter(detail__event="paper_entered").count() == 5


def test_a_teller_cannot_enter_a_paper_twice_or_a_bad_paper():
    world = build_world()
    paper.enter_paper(world.secretary, world.ballot, "7", ["Ada Adams"])
    with pytest.raises(ValidationError, match="already entered paper 7"):
        paper.enter_paper(world.secretary, world.ballot, "7", ["Ada Adams"])
    with pytest.raises(ValidationError, match="Paper 8: candidate 'Ada Adams' appears twice"):
        paper.enter_paper(world.secretary, world.ballot, "8", ["Ada Adams", "Ada Adams"])
    with pytest.raises(ValidationError, match="skipped preference"):
        paper.enter_paper(world.secretary, world.ballot, "9", ["Ada Adams", "", "Ben Brown"])


def test_a_paper_voter_cannot_also_vote_online():
    world = build_world()
    paper.issue_paper(world.secretary, world.ballot, world.people[0])
    with pytest.raises(services.VoteRefused, match="already been used"):
        services.cast_vote(world.ballot, world.codes[0], ["Ada Adams"])
    services.cast_vote(world.ballot, world.codes[1], ["Ada Adams"])
    with pytest.raises(ValidationError, match="already voted"):
        paper.issue_paper(world.secretary, world.ballot, world.people[1])


def test_issuing_a_paper_on_the_page_by_membership_number():
    world = build_world()
    MembershipFactory(person=world.people[2], number="M-0042", status="active")
    client = login(world.secretary)
    url = reverse("ballots:issue_paper", args=[world.ballot.pk])
    assert (
        "Member M-0042 marked as voting on paper" in client.post(url, {"membership_number": "M-0042"}, follow=True).text
    )
    assert "already voted" in client.post(url, {"membership_number": "M-0042"}, follow=True).text
    assert "No member has membership number" in client.post(url, {"membership_number": "nope"}, follow=True).text
    with pytest.raises(services.VoteRefused, match="already been used"):
        services.cast_vote(world.ballot, world.codes[2], ["Ada Adams"])
