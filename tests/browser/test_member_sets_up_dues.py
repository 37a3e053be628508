"""A member goes from their home to "My membership", sets up monthly dues by Direct Debit through the fake provider's
page, comes back to the confirmation and sees themselves in good standing (phone-sized screen)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.dues.models import Arrangement, DuesPayment
from groundswell.tests.factories import EmailFactory, MembershipFactory, PersonFactory, UnitTreeFactory, user_with_role

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_sets_up_dues_by_direct_debit_and_is_in_good_standing(live_server, page):
    tree = UnitTreeFactory.build_tree()
    person = PersonFactory(unit=tree.clp_a, given_name="Dee", family_name="Payne")
    EmailFactory(person=person, address="dee@example.org")
    membership = MembershipFactory(person=person, joined_on=timezone.localdate(), constituency_party=tree.clp_a)
    user_with_role(Role.MEMBER, tree.clp_a, email="dee@example.org", person=person)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("dee@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name="My membership: dues and standing").click()
    assert "Not paid yet" in page.get_by_test_id("standing").inner_text()
    assert_accessible(page)
    page.get_by_label("Membership type").select_option("reduced")
    page.get_by_label("Monthly").check()
    page.get_by_label("Direct Debit").check()
    page.get_by_role("button", name="Continue to payment").click()

    assert "fake Direct Debit provider" in page.content()
    page.get_by_label("Account holder's name").fill("Dee Payne")
    page.get_by_label("Sort code").fill("20-00-00")
    page.get_by_label("Account number").fill("55779911")
    page.get_by_role("button", name="Set up the Direct Debit").click()

    page.wait_for_url("**/dues/me/done/**")
    assert "Thank you: your dues are set up" in page.locator("h1").inner_text()
    assert "In good standing" in page.get_by_test_id("standing").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="See my membership").click()
    standing = page.get_by_test_id("standing").inner_text()
    assert "In good standing" in standing and "Paid up to" in standing

    arrangement = Arrangement.objects.get(membership=membership)
    assert arrangement.status == "active" and arrangement.method_fingerprint.startswith("bank:")
    assert DuesPayment.objects.get(membership=membership).amount_pence == 250
