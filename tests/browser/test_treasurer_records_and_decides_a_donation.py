"""A treasurer goes from their home to the donations ledger, enters a cheque (a bad amount first, refused in plain
words), records the donor as impermissible and returns the gift; the clock and reports pages are accessible."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.donations.models import Donation
from groundswell.donations.tests.test_pages import login
from groundswell.donations.tests.world import build_world

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_treasurer_enters_a_cheque_and_returns_it(live_server, browser):
    w = build_world()
    cookie = login(w.treasurer_a).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Donations", exact=True).click()
    page.get_by_role("heading", name="Donations ledger").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Enter a donation").click()
    page.get_by_label("How it came").select_option("cheque")
    page.get_by_label("Amount, or value of a gift in kind (£)").fill("750.001")
    page.get_by_label("Date received").fill("2024-06-10")
    page.get_by_label("Full name (or the organisation's registered name)").fill("Morgan Abroad")
    page.get_by_label("Address line 1 (home address as on the register, or registered office)").fill("4 Rue Exemple")
    page.get_by_label("Postcode").fill("69001")
    page.get_by_role("button", name="Record the donation").click()
    expect(page.get_by_role("alert")).to_contain_text("fraction of a penny")
    assert not Donation.objects.exists()
    assert_accessible(page)

    page.get_by_label("Amount, or value of a gift in kind (£)").fill("750.00")
    page.get_by_role("button", name="Record the donation").click()
    page.get_by_role("heading", name="Donation #").wait_for()
    assert_accessible(page)
    page.get_by_label("Decision").select_option("impermissible")
    page.get_by_label("Evidence or reason").fill("On no UK electoral register")
    page.get_by_role("button", name="Record the check").click()
    page.get_by_label("How it was sent back").fill("cheque 000101 posted")
    page.get_by_role("button", name="Record the return").click()
    expect(page.locator(".facts").first).to_contain_text("Returned to the donor")
    assert Donation.objects.get().status == "returned"

    for link in ("30-day clock", "Reports"):
        page.get_by_role("link", name=link, exact=True).click()
        assert_accessible(page)
    context.close()
