"""A member of a selecting constituency goes from home to Selections, checks on the transparency page that they
are eligible (and why, against the list's fingerprint), votes in the selection's ballot with the code from their
email, and after the close finds their receipt on the public bulletin (phone-sized screen)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.ballots import services as ballots
from groundswell.ballots.tests.world import close, codes_from_outbox
from groundswell.selections import services
from groundswell.selections.tests.world import build_world
from groundswell.tests.factories import user_with_role

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def selection_at_ballot():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    users = [user_with_role(Role.MEMBER, p.unit, person=p) for p in world.old]
    numbers = [p.memberships.get().number for p in world.old]
    shortlist = []
    for user in users[:2]:
        a = services.apply(user, world.selection, public_name=user.person.display_name, union_member=True)
        services.decide_longlist(world.secretary, a, longlisted=True, reason="Meets the published criteria")
        shortlist.append(a)
    services.publish_list(world.secretary, world.selection, "longlist")
    for i, a in enumerate(shortlist):
        services.record_nomination(
            world.secretary, world.selection, body_kind="branch", body_name=f"Branch {i}", held_on=date(2026, 7, 1),
            attendee_numbers=numbers[:3], votes={a.public_name: 3}, nominee=a,
        )  # fmt: skip
        services.decide_shortlist(world.secretary, a, shortlisted=True, reason="Nominated by a branch")
    services.publish_list(world.secretary, world.selection, "shortlist")
    now = timezone.now()
    ballot = services.open_ballot(
        world.secretary, world.selection, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=2),
        returning_officer=world.secretary,
    )  # fmt: skip
    mail.outbox.clear()
    ballots.issue_codes(world.secretary, ballot)
    return world, ballot, users, shortlist, codes_from_outbox()


def test_member_checks_eligibility_votes_with_a_code_and_finds_the_receipt(live_server, page):
    world, ballot, users, shortlist, codes = selection_at_ballot()
    voter = users[3]
    voter.email = "voter@example.org"
    voter.save()
    code = codes[voter.person.primary_email]

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("voter@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name="Selections", exact=True).click()
    page.get_by_role("link", name=world.selection.title).click()
    verdict = page.locator("#eligibility-verdict").inner_text()
    assert "You are eligible to vote." in verdict and "continuously since" in verdict
    assert world.selection.snapshots.get().digest in page.locator("code.digest").first.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Vote with your code").click()
    page.get_by_label(shortlist[1].public_name).fill("1")
    page.get_by_label(shortlist[0].public_name).fill("2")
    page.get_by_label("Your one-time voting code").fill(code)
    page.get_by_role("button", name="Cast my vote").click()
    receipt = page.locator("#receipt").inner_text()
    assert len(receipt) == 11

    close(ballot)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Selections", exact=True).click()
    page.get_by_role("link", name=world.selection.title).click()
    page.get_by_role("link", name="Bulletin: check your receipt").click()
    page.get_by_label("Your receipt code").fill(receipt)
    page.get_by_role("button", name="Find").click()
    found = page.locator("#found").inner_text()
    assert receipt in found and f"1. {shortlist[1].public_name}; 2. {shortlist[0].public_name}" in found


def test_procedures_secretary_reviews_a_flagged_cluster_from_home(live_server, page):
    """The secretary signs in (two-factor), goes Selections → Run this selection → the flags, opens the cluster at
    one address, and records a review with a reason."""
    from allauth.mfa.totp.internal.auth import TOTP  # noqa: PLC0415 - as the role journeys do

    from groundswell.selections.tests.world import FREEZE, member  # noqa: PLC0415

    from .conftest import sign_in  # noqa: PLC0415

    world = build_world()
    for i in range(3):
        member(world.units.branch_a1, FREEZE - timedelta(days=10 + i), address_line1="2 Mill Lane", postcode="RG1 8ZZ")
    services.take_snapshot(world.secretary, world.selection)
    world.secretary.email = "secretary-j@example.org"
    world.secretary.save()
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(world.secretary, secret)

    sign_in(page, live_server.url, "secretary-j@example.org", secret)
    page.get_by_role("link", name="Selections", exact=True).click()
    page.get_by_role("link", name=world.selection.title).click()
    page.get_by_role("link", name="1 raised, 1 waiting for review").click()
    assert_accessible(page)
    page.get_by_role("link", name="Many memberships at one address").click()
    assert "3 memberships joined at 2 mill lane" in page.locator("#evidence").inner_text()
    page.get_by_label("Reviewed: genuine, no action").check()
    page.get_by_label("Reason (recorded with your name)").fill("Three students sharing a flat; spoke to each")
    page.get_by_role("button", name="Record the review").click()
    assert "Review recorded" in page.get_by_role("status").inner_text()
    assert_accessible(page)
