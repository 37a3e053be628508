"""A donor pays on the fake card page; the treasurer goes from home to Payments, finds the payment, is refused a
refund larger than what is left in plain words, refunds part, and sees the webhook exception page."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.accounts.models import Role
from groundswell.payments.models import Payment
from groundswell.payments.services import start_checkout
from groundswell.payments.tests.test_treasurer_pages import login
from groundswell.tests.factories import UnitTreeFactory, user_with_role

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_donor_pays_and_treasurer_refunds_part(live_server, browser):
    tree = UnitTreeFactory.build_tree()
    checkout = start_checkout(
        amount_pence=2500,
        purpose="donation",
        purpose_ref="fundraising.gift:1",
        description="Gift to the Reading East appeal",
        success_url="/",
        cancel_url="/",
        name="Dora Donor",
        idempotency_key="browser-gift-1",
        unit=tree.clp_a,
    )
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}{checkout.url}")
    assert_accessible(page)
    page.get_by_role("button", name="Pay £25.00").click()
    page.wait_for_url(f"{live_server.url}/**")
    assert Payment.objects.get(pk=checkout.payment.pk).status == "paid"
    page.close()

    treasurer = user_with_role(Role.TREASURER, tree.clp_a)
    cookie = login(treasurer).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Payments", exact=True).click()
    page.get_by_role("heading", name="Payments", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_role("navigation", name="Payments").get_by_role("link", name="Payments").click()
    page.get_by_role("link", name="Dora Donor").click()
    page.get_by_role("heading", name="£25.00 card payment").wait_for()
    assert_accessible(page)
    page.get_by_label("Amount to refund").fill("30")
    page.get_by_label("Why").fill("Donor asked")
    page.get_by_role("button", name="Refund").click()
    expect(page.locator("#e-amount")).to_contain_text("Refund of £30.00 is more than the £25.00 left to refund.")
    page.get_by_label("Amount to refund").fill("10")
    page.get_by_role("button", name="Refund").click()
    expect(page.locator(".messages")).to_contain_text("Refunded £10.00.")
    assert Payment.objects.get(pk=checkout.payment.pk).refunded_pence == 1000
    page.get_by_role("link", name="All payments").click()
    page.get_by_role("link", name="Webhook exceptions").click()
    page.get_by_role("heading", name="Webhook exceptions").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Reconciliation").click()
    page.get_by_role("heading", name="Reconciliation with payouts").wait_for()
    assert_accessible(page)
