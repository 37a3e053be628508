"""A stranger gives through an appeal page with the fake card provider (a mistake first, answered in plain words),
lands on the thank-you page, and the organiser then sees the gift and the progress from their home."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.fundraising.models import Gift
from groundswell.fundraising.tests.world import build_world, login

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stranger_gives_and_the_organiser_sees_it(live_server, browser):
    w = build_world()
    stranger = browser.new_context(viewport={"width": 390, "height": 844})
    page = stranger.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/give/fighting-fund/")
    expect(page.get_by_role("heading", name="Fighting fund")).to_be_visible()
    expect(page.locator("#raised")).to_have_text("£0")
    assert_accessible(page)

    page.get_by_label("£25").check()
    page.get_by_label("One-off").check()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Home address").fill("1 Market Place")
    page.get_by_label("Town or city").fill("Reading")
    page.get_by_label("Postcode").fill("RG1 XYZ")
    page.get_by_label("Yes").check()
    page.get_by_label("Email (for your receipt)").fill("ada@example.org")
    page.get_by_label("Email me with campaign news").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.locator("#id_postcode_error")).to_contain_text("is not a UK postcode")
    assert not Gift.objects.exists()
    assert_accessible(page)

    page.get_by_label("Postcode").fill("RG1 1AA")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("heading", name="Test payment page").wait_for()
    page.get_by_role("button", name="Pay £25.00").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    expect(page.locator("#gift-status")).to_contain_text("has arrived")
    expect(page.locator("#raised")).to_have_text("£25")
    stranger.close()

    cookie = login(w.organiser).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    org = context.new_page()
    org.set_default_timeout(15_000)
    org.goto(f"{live_server.url}/")
    org.get_by_role("link", name="Fundraising", exact=True).click()
    expect(org.get_by_role("table", name="Appeals")).to_contain_text("£25 (0%)")
    org.get_by_role("link", name="Fighting fund").click()
    expect(org.get_by_role("table", name="Gifts")).to_contain_text("Ada Lovelace")
    expect(org.locator("#raised")).to_have_text("£25")
    assert_accessible(org)
    context.close()
