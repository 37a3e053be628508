"""Events in the browser: a newcomer searches the public map by postcode (with the map tiles unreachable, so
the list must carry the page) and RSVPs without an account; a host checks someone in on their phone."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from groundswell.events.models import RSVP
from groundswell.events.services import rsvps
from groundswell.events.tests.world import READING, EventFactory, add_postcode, north_of
from groundswell.people.models import Consent, TimelineEntry
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_searches_by_postcode_and_rsvps(live_server, page, settings):
    # Tiles from a port nothing listens on: the search must still list and mark the events.
    settings.GROUNDSWELL_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    tree = UnitTreeFactory.build_tree()
    add_postcode("RG1 1AA", *READING)
    lat, lon = north_of(READING, 1.5)
    event = EventFactory(
        unit=tree.branch_a1,
        title="Abbey ward canvass",
        latitude=lat,
        longitude=lon,
        starts_at=timezone.now() + datetime.timedelta(days=2),
    )
    EventFactory(unit=tree.branch_a1, title="Far away stall", latitude=55.95, longitude=-3.19)

    page.goto(f"{live_server.url}/events/")
    page.get_by_label("Postcode or place").fill("rg1 1aa")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#event-results")
    expect(results).to_contain_text("Abbey ward canvass")
    expect(page.get_by_role("heading", name="1 event within 10 km of RG1 1AA")).to_be_visible()
    expect(page.locator("#events-map")).to_have_attribute("data-loaded", "1")

    results.get_by_role("link", name="Abbey ward canvass").click()
    expect(page.get_by_role("heading", name="Abbey ward canvass")).to_be_visible()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_label(rsvps.CONSENT_WORDING["email"]).check()
    page.get_by_role("button", name="RSVP").click()
    expect(page.locator("#rsvp-status")).to_contain_text("You're coming, Ada.")

    booking = RSVP.objects.get(event=event)
    assert booking.status == RSVP.Status.GOING
    assert booking.person.primary_email == "ada@example.org"
    assert Consent.objects.filter(person=booking.person, channel="email", status="granted").exists()


def test_a_host_checks_someone_in(live_server, browser):
    tree = UnitTreeFactory.build_tree()
    host = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    event = EventFactory(unit=tree.branch_a1, title="Stall", starts_at=timezone.now() - datetime.timedelta(minutes=10))
    event.hosts.add(host)
    ada = rsvps.rsvp(event, given_name="Ada", family_name="Lovelace", email="ada@example.org").rsvp
    rsvps.rsvp(event, given_name="Charles", family_name="Babbage", email="cb@example.org")
    client = Client()
    client.force_login(host)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    page.get_by_label("Search by name").fill("love")
    row = page.locator(f"#rsvp-{ada.pk}")
    expect(row).to_be_visible()
    expect(page.locator(".checkin-row")).to_have_count(1)
    page.get_by_role("button", name="Check in Ada Lovelace").click()
    expect(page.locator(f"#rsvp-{ada.pk} .checked")).to_have_text("✓ Here")
    context.close()

    ada.refresh_from_db()
    assert ada.status == RSVP.Status.ATTENDED and ada.checked_in_by == host
    assert TimelineEntry.objects.filter(person=ada.person, kind="event", data__status="attended").exists()
