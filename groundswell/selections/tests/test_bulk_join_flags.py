"""Bulk-join flags (Falkirk): each signal raised on crafted joins, with its evidence; reviewed by a named officer
with a reason; nobody excluded by a flag; statistics for the governing body; every view and decision audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.ballots.tests.world import login
from groundswell.selections import services
from groundswell.selections.models import JoinFlag
from groundswell.tests.factories import EmailFactory, PhoneFactory, user_with_role

from .world import FREEZE, build_world, member, pay

pytestmark = pytest.mark.django_db


def in_window(days_before: int = 20):
    return FREEZE - timedelta(days=days_before)


def flags_of(snapshot, signal):
    return list(JoinFlag.objects.filter(snapshot=snapshot, signal=signal))


def test_many_memberships_at_one_address():
    world = build_world()
    crowd = [
        member(world.units.branch_a1, in_window(10 + i), address_line1="12, Grangemouth Road", postcode="FK3 8XX")
        for i in range(3)
    ]
    member(world.units.branch_a1, in_window(5), address_line1="12 Grangemouth Road", postcode="FK2 1AA")  # elsewhere
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.SAME_ADDRESS)
    assert flag.key == "12 grangemouth road, FK38XX"
    assert "3 memberships joined at 12 grangemouth road" in flag.evidence[0]
    assert {m.person_id for m in flag.memberships.all()} == {p.pk for p in crowd}
    assert flag.decision == JoinFlag.Decision.OPEN


def test_two_at_one_address_is_below_the_cluster_size():
    world = build_world()
    for i in range(2):
        member(world.units.branch_a1, in_window(10 + i), address_line1="1 High St", postcode="RG1 2AB")
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert not flags_of(snapshot, JoinFlag.Signal.SAME_ADDRESS)


def test_many_memberships_paid_from_one_payment_source():
    world = build_world()
    paid = [member(world.units.branch_a1, in_window(30 + i), paid=False) for i in range(3)]
    for p in paid:  # one bank account pays for all three, recorded by dues with its fingerprint
        pay(p.memberships.get(), in_window(30), 6000, fingerprint="bank:9f1c", payer=p)
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.SAME_PAYER)
    assert flag.key == "bank:9f1c" and "3 memberships paid from one payment source" in flag.evidence[0]
    assert "direct_debit" in flag.evidence[0]
    assert {m.person_id for m in flag.memberships.all()} == {p.pk for p in paid}


def test_paid_by_a_third_party():
    world = build_world()
    recruit = member(world.units.branch_a1, in_window(15), paid=False)
    sponsor = member(world.units.branch_b1, in_window(400))
    pay(recruit.memberships.get(), in_window(15), 6000, fingerprint="bank:77", payer=sponsor, payer_is_member=False)
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.THIRD_PARTY)
    assert f"paid by another member (record #{sponsor.pk}), not by the member" in flag.evidence[0]
    assert [m.person_id for m in flag.memberships.all()] == [recruit.pk]


def test_paid_by_someone_not_on_file():
    world = build_world()
    recruit = member(world.units.branch_a1, in_window(15), paid=False)
    pay(recruit.memberships.get(), in_window(15), 6000, fingerprint="", payer=None, payer_is_member=False,
        payer_name="A. Steward")  # fmt: skip
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.THIRD_PARTY)
    assert "paid by someone not on file" in flag.evidence[0]


def test_a_member_paying_for_themself_raises_no_third_party_flag():
    world = build_world()
    member(world.units.branch_a1, in_window(15))
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert not flags_of(snapshot, JoinFlag.Signal.THIRD_PARTY)


def test_a_burst_of_joins():
    world = build_world()
    burst = [member(world.units.branch_a2, in_window(40) + timedelta(days=i % 5)) for i in range(8)]
    member(world.units.branch_a2, in_window(80))  # a lone join weeks earlier is not part of it
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.BURST)
    assert flag.memberships.count() == 8 and "8 joins between" in flag.evidence[0]
    assert {m.person_id for m in flag.memberships.all()} == {p.pk for p in burst}


def test_seven_joins_in_a_week_is_not_a_burst():
    world = build_world()
    for i in range(7):
        member(world.units.branch_a2, in_window(40) + timedelta(days=i))
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert not flags_of(snapshot, JoinFlag.Signal.BURST)


def test_join_date_earlier_than_the_first_payment():
    world = build_world()
    early = member(world.units.branch_a1, in_window(60), paid=False)
    prompt = member(world.units.branch_a1, in_window(60), paid=False)
    pay(early.memberships.get(), in_window(60) + timedelta(days=45), 6000, fingerprint="bank:e", payer=early)
    pay(prompt.memberships.get(), in_window(60) + timedelta(days=10), 6000, fingerprint="bank:p", payer=prompt)
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.JOIN_BEFORE_PAYMENT)
    assert flag.key == early.memberships.get().number
    assert "45 days later" in flag.evidence[0]


def test_the_same_contact_details_reused():
    world = build_world()
    a = member(world.units.branch_a1, in_window(20), email=False)
    b = member(world.units.branch_a2, in_window(21), email=False)
    EmailFactory(person=a, address="organiser@unite-example.org")
    EmailFactory(person=b, address="organiser@unite-example.org")
    PhoneFactory(person=a, number="+447700900555")
    PhoneFactory(person=b, number="+447700900555")
    snapshot = services.take_snapshot(world.secretary, world.selection)
    keys = {f.key for f in flags_of(snapshot, JoinFlag.Signal.SHARED_CONTACT)}
    assert keys == {"email organiser@unite-example.org", "phone +447700900555"}


def test_joins_before_the_window_raise_nothing():
    world = build_world()
    for i in range(3):
        member(world.units.branch_a1, FREEZE - timedelta(days=400 + i), address_line1="5 Old Lane", postcode="RG1 3CD")
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert not flags_of(snapshot, JoinFlag.Signal.SAME_ADDRESS)


def test_a_flag_excludes_nobody_and_is_reviewed_by_a_named_officer_with_a_reason():
    world = build_world(voter_min_months=0)
    crowd = [
        member(world.units.branch_a1, in_window(10 + i), address_line1="9 Mill Rd", postcode="RG1 4EF")
        for i in range(3)
    ]
    snapshot = services.take_snapshot(world.secretary, world.selection)
    assert all(snapshot.entries.get(person=p).eligible for p in crowd)  # flagged, still eligible
    [flag] = flags_of(snapshot, JoinFlag.Signal.SAME_ADDRESS)
    with pytest.raises(ValidationError):
        services.review_flag(world.secretary, flag, decision=JoinFlag.Decision.GENUINE, reason="")
    with pytest.raises(PermissionDenied):
        services.review_flag(
            user_with_role(Role.ORGANISER, world.units.clp_a), flag, decision="genuine", reason="ok ok"
        )
    services.review_flag(
        world.secretary, flag, decision=JoinFlag.Decision.GENUINE, reason="A family of three; met them"
    )
    flag.refresh_from_db()
    assert flag.reviewed_by == world.secretary and flag.reviewed_at and flag.reason.startswith("A family")
    assert AuditEntry.objects.filter(detail__event="flag_reviewed", object_id=str(flag.pk)).exists()
    # A new version of the list carries the review over rather than asking again.
    again = services.take_snapshot(world.secretary, world.selection, reason="Fresh list after late payments")
    [carried] = flags_of(again, JoinFlag.Signal.SAME_ADDRESS)
    assert carried.decision == JoinFlag.Decision.GENUINE and "Carried over from list version 1" in carried.reason


def test_flag_pages_are_for_the_secretary_and_every_view_is_audited(client):
    world = build_world()
    for i in range(3):
        member(world.units.branch_a1, in_window(10 + i), address_line1="3 Bank St", postcode="RG1 5GH")
    snapshot = services.take_snapshot(world.secretary, world.selection)
    [flag] = flags_of(snapshot, JoinFlag.Signal.SAME_ADDRESS)
    secretary = login(world.secretary)
    page = secretary.get(reverse("selections:flags", args=[world.selection.pk]))
    assert page.status_code == 200 and "Many memberships at one address" in page.content.decode()
    detail = secretary.get(reverse("selections:flag", args=[flag.pk]))
    assert "3 Bank St" in detail.content.decode()
    assert AuditEntry.objects.filter(detail__event="flags_listed", action=AuditEntry.Action.SEARCHED).exists()
    assert AuditEntry.objects.filter(detail__event="flag_viewed", object_id=str(flag.pk)).exists()
    response = secretary.post(
        reverse("selections:flag", args=[flag.pk]), {"decision": "referred", "reason": "Same payer as last year"}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.decision == JoinFlag.Decision.REFERRED
    # A member, a governing-body member and another CLP's secretary do not see the flags themselves.
    for role, unit in ((Role.MEMBER, world.units.branch_a1), (Role.GOVERNING_BODY, world.units.national)):
        other = login(user_with_role(role, unit))
        assert other.get(reverse("selections:flag", args=[flag.pk])).status_code == 403
    rival = login(user_with_role(Role.PROCEDURES_SECRETARY, world.units.clp_b))
    assert rival.get(reverse("selections:flags", args=[world.selection.pk])).status_code == 403


def test_the_governing_body_sees_statistics_per_unit_without_members_data():
    world = build_world()
    for i in range(3):
        member(world.units.branch_a1, in_window(10 + i), address_line1="7 Kiln Rd", postcode="RG1 6JK")
    services.take_snapshot(world.secretary, world.selection)
    body = login(user_with_role(Role.GOVERNING_BODY, world.units.national))
    page = body.get(reverse("selections:statistics"))
    text = page.content.decode()
    assert page.status_code == 200 and "Reading East CLP" in text and "Many memberships at one address: 1" in text
    assert "Waiting for review: 1" in text and "7 Kiln Rd" not in text
    assert AuditEntry.objects.filter(detail__event="statistics_viewed").exists()
    member_client = login(user_with_role(Role.MEMBER, world.units.branch_a1))
    assert member_client.get(reverse("selections:statistics")).status_code == 403
