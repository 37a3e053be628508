"""A member goes from their home to their ballot, votes with the code from their email, and after the close
finds their receipt on the public bulletin (phone-sized screen)."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.ballots.tests.world import build_world, close
from groundswell.tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_votes_with_a_code_and_finds_the_receipt_on_the_bulletin(live_server, page):
    world = build_world()
    user_with_role(Role.MEMBER, world.units.branch_a1, email="voter@example.org", person=world.people[0])

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("voter@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name="Ballots").click()
    page.get_by_role("link", name="Vote with your code").click()
    page.get_by_label("Cat Chen").fill("1")
    page.get_by_label("Ada Adams").fill("3")  # a gap: refused in plain words, nothing stored
    page.get_by_label("Your one-time voting code").fill(world.codes[0])
    page.get_by_role("button", name="Cast my vote").click()
    assert "You skipped preference 2" in page.locator("#vote-error").inner_text()
    page.get_by_label("Ada Adams").fill("2")
    page.get_by_role("button", name="Cast my vote").click()
    receipt = page.locator("#receipt").inner_text()
    assert len(receipt) == 11

    close(world.ballot)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Ballots").click()
    page.get_by_role("link", name="Bulletin: check your receipt").click()
    page.get_by_label("Your receipt code").fill(receipt)
    page.get_by_role("button", name="Find").click()
    found = page.locator("#found").inner_text()
    assert receipt in found and "1. Cat Chen; 2. Ada Adams" in found
