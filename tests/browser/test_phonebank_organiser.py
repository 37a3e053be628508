"""An organiser sets up a call campaign in the browser: the purpose note and the live count follow the form
(htmx), the list is built, a session's join link is shown with a copy button, and the dashboard draws."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.people.models import Membership
from groundswell.phonebank.models import CallCampaign, PhonebankSession
from groundswell.phonebank.tests.test_organiser_campaigns import login
from groundswell.phonebank.tests.world import build_world
from groundswell.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_sets_up_a_call_campaign(live_server, browser):
    world = build_world(people=3)
    MembershipFactory(person=world.people[0], status=Membership.Status.LAPSED)
    # Signed in as by the login page (password and two-factor are tested elsewhere): the session cookie.
    cookie = login(world.organiser).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Phonebank").click()
    page.get_by_role("link", name="New call campaign").click()
    count = page.locator("#filter-count")
    expect(count).to_contain_text("3 people match")
    page.get_by_label("Purpose").select_option("member_contact")
    expect(page.locator("#purpose-note")).to_contain_text("Service calls to members")
    page.get_by_label("Membership").select_option("lapsed")
    expect(count).to_contain_text("1 person matches")
    page.get_by_label("Name").fill("Lapsed members")
    page.get_by_role("button", name="Create campaign").click()

    page.get_by_role("heading", name="Lapsed members").wait_for()
    campaign = CallCampaign.objects.get(name="Lapsed members")
    page.get_by_role("button", name="Build the call list").click()
    expect(page.locator(".messages")).to_contain_text("Call list built: 1 added")
    page.get_by_role("button", name="Start calling").click()
    expect(page.locator("#campaign-status")).to_have_text("Calling")

    page.get_by_label("Title").fill("Tuesday evening")
    page.get_by_role("button", name="Create session").click()
    session = PhonebankSession.objects.get(campaign=campaign)
    link = page.get_by_label("Join link")
    expect(link).to_have_value(re.compile(rf"^{re.escape(live_server.url)}/phonebank/join/{session.token}/$"))
    page.get_by_role("button", name="Copy link").click()
    # Headless Chromium may refuse the clipboard: then the link is selected for Ctrl+C instead.
    expect(page.locator("[data-copy-status]")).to_have_text(re.compile("Copied|Ctrl\\+C"))

    page.get_by_role("link", name="Campaign dashboard").click()
    expect(page.locator("#pb-dashboard svg")).to_be_visible()
    expect(page.locator("#contacts-open")).to_have_text("1")
    context.close()
