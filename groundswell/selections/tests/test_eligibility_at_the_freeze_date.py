"""The eligible list at the freeze date: who is on it and why, its fingerprint, immutability, a reset freeze date
(as at Falkirk) and challenges decided with reasons, each making a new version and keeping the old."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.selections import eligibility, services
from groundswell.selections.models import Challenge, Decision, Snapshot
from groundswell.tests.factories import user_with_role

from .world import FREEZE, build_world, member, pay

pytestmark = pytest.mark.django_db


def entry(snapshot: Snapshot, person):
    return snapshot.entries.get(person=person)


def test_members_of_six_months_in_good_standing_are_eligible_and_the_rest_told_why():
    world = build_world()
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert snapshot.version == 1 and snapshot.freeze_date == FREEZE
    assert all(entry(snapshot, p).eligible for p in world.old)
    late = entry(snapshot, world.late)
    assert not late.eligible and "6 months' continuous membership" in late.reason and "1 December 2025" in late.reason
    lapsed = entry(snapshot, world.lapsed)
    assert not lapsed.eligible and "Lapsed on" in lapsed.reason
    # Another constituency's member is not on this selection's list at all.
    assert not snapshot.entries.filter(person=world.outsider).exists()
    assert snapshot.eligible_count == len(world.old) and snapshot.checked_count == len(world.old) + 2


def test_the_fingerprint_is_sha256_over_the_sorted_list_and_the_rules_and_anyone_can_recompute_it():
    world = build_world()
    snapshot = services.take_snapshot(world.secretary, world.selection)
    numbers = sorted(snapshot.entries.filter(eligible=True).values_list("membership_number", flat=True))
    canonical = json.dumps(
        {"freeze_date": FREEZE.isoformat(), "rules": snapshot.rules, "eligible": numbers},
        sort_keys=True,
        separators=(",", ":"),
    )
    assert snapshot.digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert snapshot.rules["voter_min_months"] == 6 and "NEC" in snapshot.rules["source"]
    # Order of the input does not matter; a different rule does.
    assert eligibility.digest(FREEZE, snapshot.rules, list(reversed(numbers))) == snapshot.digest
    assert eligibility.digest(FREEZE, {**snapshot.rules, "voter_min_months": 12}, numbers) != snapshot.digest


def test_a_snapshot_and_its_entries_cannot_be_changed():
    world = build_world()
    snapshot = services.take_snapshot(world.secretary, world.selection)
    snapshot.eligible_count = 999
    with pytest.raises(ValidationError):
        snapshot.save()
    row = snapshot.entries.first()
    row.eligible = not row.eligible
    with pytest.raises(ValidationError):
        row.save()


def test_a_member_in_arrears_on_the_freeze_date_is_not_eligible_with_the_dues_reason():
    world = build_world()
    behind = member(world.units.branch_a1, date(2024, 1, 1), paid=False)
    pay(behind.memberships.get(), date(2024, 1, 1), 6000, fingerprint="bank:b", payer=behind)  # one year only
    snapshot = services.take_snapshot(world.secretary, world.selection)
    row = entry(snapshot, behind)
    assert not row.eligible and row.reason.startswith("Not in good standing on the freeze date: Lapsed on")


def test_the_voter_month_rule_is_configurable_per_selection():
    world = build_world(voter_min_months=0)
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert entry(snapshot, world.late).eligible


def test_a_reset_freeze_date_makes_a_new_version_keeps_the_old_and_is_published():
    """Falkirk 2013: the freeze date was reset from 19 May 2013 to 12 March 2012 after the inquiry."""
    world = build_world()
    first = services.take_snapshot(world.secretary, world.selection)
    recent = member(world.units.branch_a1, date(2025, 10, 1))  # eligible at 1 June 2026, not at the reset date
    with pytest.raises(ValidationError):
        services.take_snapshot(world.secretary, world.selection, freeze_date=date(2025, 12, 1), reason="")
    second = services.take_snapshot(
        world.secretary, world.selection, freeze_date=date(2025, 12, 1), reason="Membership inquiry recommended it"
    )
    assert second.version == 2 and second.freeze_date == date(2025, 12, 1)
    assert Snapshot.objects.filter(pk=first.pk, freeze_date=FREEZE).exists()  # the old version is kept
    assert not entry(second, recent).eligible
    world.selection.refresh_from_db()
    assert world.selection.freeze_date == date(2025, 12, 1)
    reset = Decision.objects.get(selection=world.selection, subject="Freeze date")
    assert "Reset from 1 June 2026 to 1 December 2025" in reset.outcome and "inquiry" in reset.reason
    assert AuditEntry.objects.filter(detail__event="snapshot_taken", detail__reset=True).exists()


def test_a_member_challenges_and_an_upheld_challenge_makes_a_new_version_with_the_reason():
    world = build_world()
    first = services.take_snapshot(world.secretary, world.selection)
    late_user = user_with_role(Role.MEMBER, world.units.branch_a1, person=world.late)
    challenge = services.lodge_challenge(late_user, world.selection, "I joined at a stall in 2025; the form was lost.")
    with pytest.raises(ValidationError):  # one open challenge at a time
        services.lodge_challenge(late_user, world.selection, "And again, the same thing.")
    with pytest.raises(ValidationError):  # a decision needs a reason
        services.decide_challenge(world.secretary, challenge, uphold=True, reason="")
    services.decide_challenge(world.secretary, challenge, uphold=True, reason="Stall sign-up sheet dated 3 May 2025")
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.UPHELD and challenge.new_snapshot.version == 2
    second = challenge.new_snapshot
    row = entry(second, world.late)
    assert row.eligible and row.overridden and "Stall sign-up sheet" in row.reason
    assert not entry(first, world.late).eligible  # version 1 unchanged
    assert second.digest != first.digest and second.eligible_count == first.eligible_count + 1
    # A later fresh version at the same freeze date keeps the decision; a reset freeze date starts afresh.
    third = services.take_snapshot(world.secretary, world.selection, reason="Re-run after joins were checked")
    assert entry(third, world.late).eligible and entry(third, world.late).overridden
    assert Decision.objects.filter(
        subject__startswith=f"Challenge #{challenge.pk}", outcome__startswith="Upheld"
    ).exists()


def test_a_rejected_challenge_leaves_the_list_as_it_is():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    user = user_with_role(Role.MEMBER, world.units.branch_a2, person=world.lapsed)
    challenge = services.lodge_challenge(user, world.selection, "I paid by standing order all along.")
    services.decide_challenge(world.secretary, challenge, uphold=False, reason="No payment since February 2026")
    assert world.selection.snapshots.count() == 1
    assert challenge.status == Challenge.Status.REJECTED and challenge.decided_by == world.secretary


def test_only_the_units_procedures_secretary_takes_the_list_or_decides():
    world = build_world()
    other = user_with_role(Role.PROCEDURES_SECRETARY, world.units.clp_b)
    organiser = user_with_role(Role.ORGANISER, world.units.clp_a)
    for actor in (other, organiser):
        with pytest.raises(PermissionDenied):
            services.take_snapshot(actor, world.selection)
    services.take_snapshot(world.secretary, world.selection)
    outsider = user_with_role(Role.MEMBER, world.units.branch_b1, person=world.outsider)
    with pytest.raises(PermissionDenied):
        services.lodge_challenge(outsider, world.selection, "I should be on this list too.")


def test_the_months_rule_counts_calendar_months():
    assert eligibility.months_before(date(2026, 6, 1), 6) == date(2025, 12, 1)
    assert eligibility.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert eligibility.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)
