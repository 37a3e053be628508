"""Applicants' checks, the panel's conflicts and scores, balance rules on the longlist and shortlist, published
reasons (anonymised on request), and "only nominated candidates are shortlisted"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.selections import services
from groundswell.selections.models import Applicant, Decision, Disqualification
from groundswell.tests.factories import user_with_role

from .world import build_world, member

pytestmark = pytest.mark.django_db


def applicant(world, person, *, name=None, union=True, gender="", bame=None, anonymise=False) -> Applicant:
    user = getattr(person, "user", None) or user_with_role(Role.MEMBER, person.unit, person=person)
    return services.apply(
        user,
        world.selection,
        public_name=name or person.display_name,
        union_member=union,
        diversity_consent=bool(gender or bame is not None),
        gender=gender,
        minority_ethnic=bame,
        anonymise_reasons=anonymise,
    )


def test_applicant_checks_continuous_membership_union_and_disqualification():
    world = build_world()
    ok = applicant(world, world.old[0])
    assert ok.eligible and ok.status == Applicant.Status.APPLIED
    assert ok.checks["continuous"][0] and ok.checks["union"][0] and ok.checks["disqualified"][0]

    recent = member(world.units.branch_a1, timezone.localdate() - timedelta(days=200))
    too_new = applicant(world, recent)
    assert not too_new.eligible and "12 months' continuous membership needed" in too_new.checks["continuous"][1]

    no_card = applicant(world, world.old[1], union=False)
    assert not no_card.eligible and "affiliated union is required" in no_card.checks["union"][1]

    Disqualification.objects.create(person=world.old[2], reason="Stood against the party, May 2025")
    barred = applicant(world, world.old[2])
    assert not barred.eligible and "Stood against the party" in barred.checks["disqualified"][1]
    # The refusals are on the public record with their reasons.
    assert Decision.objects.filter(applicant=barred, outcome="Not eligible to stand").exists()
    with pytest.raises(ValidationError):
        applicant(world, world.old[0])  # applies once
    world.selection.stage = "longlisting"
    world.selection.save()
    with pytest.raises(ValidationError, match="Applications have closed"):
        applicant(world, world.old[3])
    with pytest.raises(ValidationError):
        services.decide_longlist(world.secretary, barred, longlisted=True, reason="We like them a lot")


def test_an_expired_disqualification_no_longer_bars():
    world = build_world()
    Disqualification.objects.create(person=world.old[0], reason="Suspended 2022", until=date(2024, 1, 1))
    assert applicant(world, world.old[0]).eligible


def test_diversity_data_is_kept_only_with_consent():
    world = build_world()
    user = user_with_role(Role.MEMBER, world.old[0].unit, person=world.old[0])
    a = services.apply(user, world.selection, public_name="A", union_member=True, gender="woman", minority_ethnic=True)
    assert a.gender == "" and a.minority_ethnic is None


def test_a_conflicted_panel_member_cannot_score_that_applicant():
    world = build_world()
    a, b = applicant(world, world.old[0]), applicant(world, world.old[1])
    chair_user = user_with_role(Role.MEMBER, world.units.region)
    chair = services.add_panel_member(
        world.secretary, world.selection, chair_user, name="Pat Chair", role="NEC (chair)"
    )
    criterion = world.selection.criteria.first()
    services.declare_conflict(chair_user, chair, a, "Works in the applicant's office")
    with pytest.raises(PermissionDenied, match="declared a conflict"):
        services.score(chair_user, a, criterion, 4)
    assert AuditEntry.objects.filter(detail__event="score_refused", reason="conflict").exists()
    services.score(chair_user, b, criterion, 4, "Strong local campaigner")
    with pytest.raises(ValidationError):
        services.score(chair_user, b, criterion, 9)
    with pytest.raises(PermissionDenied):  # not on the panel
        services.score(world.secretary, b, criterion, 3)
    assert b.scores.get().score == 4 and not a.scores.exists()


def test_the_longlist_must_meet_the_balance_rules_from_declared_data():
    world = build_world(min_women_percent=50, min_minority_ethnic=1)
    people = world.old
    men = [applicant(world, people[i], gender="man", bame=False) for i in range(2)]
    woman = applicant(world, people[2], gender="woman", bame=False)
    for a in [*men, woman]:
        services.decide_longlist(world.secretary, a, longlisted=True, reason="Meets the criteria")
    with pytest.raises(ValidationError) as refused:
        services.publish_list(world.secretary, world.selection, "longlist")
    message = " ".join(refused.value.messages)
    assert "At least 50% women needed: 1 of 3" in message and "minority-ethnic candidate(s) needed: 0" in message
    other = applicant(world, people[3], gender="woman", bame=True)
    services.decide_longlist(world.secretary, other, longlisted=True, reason="Strong record")
    listed = services.publish_list(world.secretary, world.selection, "longlist")
    assert len(listed) == 4
    world.selection.refresh_from_db()
    assert world.selection.stage == "nominations"


def test_every_applicant_needs_a_decision_with_a_reason_and_anonymous_reasons_hide_the_name():
    world = build_world()
    a = applicant(world, world.old[0], name="Sam Open")
    hidden = applicant(world, world.old[1], name="Jo Private", anonymise=True)
    with pytest.raises(ValidationError, match="Decide every applicant"):
        services.publish_list(world.secretary, world.selection, "longlist")
    with pytest.raises(ValidationError, match="reason"):
        services.decide_longlist(world.secretary, a, longlisted=True, reason="")
    services.decide_longlist(world.secretary, a, longlisted=True, reason="Strong campaigning record")
    services.decide_longlist(world.secretary, hidden, longlisted=False, reason="Little experience of the area")
    published = Decision.objects.filter(selection=world.selection, stage="longlisting")
    subjects = set(published.values_list("subject", flat=True))
    assert "Sam Open" in subjects and "Applicant B" in subjects and "Jo Private" not in subjects
    assert published.get(applicant=hidden).reason == "Little experience of the area"


def test_only_nominated_candidates_are_shortlisted():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    a, b = applicant(world, world.old[0]), applicant(world, world.old[1])
    for x in (a, b):
        services.decide_longlist(world.secretary, x, longlisted=True, reason="Meets the criteria")
    services.publish_list(world.secretary, world.selection, "longlist")
    services.record_nomination(
        world.secretary,
        world.selection,
        body_kind="branch",
        body_name="Abbey branch",
        held_on=date(2026, 7, 1),
        attendee_numbers=[p.memberships.get().number for p in world.old[:4]],
        votes={a.public_name: 3, b.public_name: 1},
        nominee=a,
    )
    with pytest.raises(ValidationError, match="only nominated candidates are shortlisted"):
        services.decide_shortlist(world.secretary, b, shortlisted=True, reason="Good at hustings")
    services.decide_shortlist(world.secretary, b, shortlisted=False, reason="No nomination")
    services.decide_shortlist(world.secretary, a, shortlisted=True, reason="Nominated by Abbey branch")
    assert [x.public_name for x in services.publish_list(world.secretary, world.selection, "shortlist")] == [
        a.public_name
    ]
