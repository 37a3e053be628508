"""An organiser goes from their home to Tours, starts a tour with a £461 day rate, adds a day from Westminster to
Bristol with three stops (a national rally in Maidenhead, candidate stops in Reading Central and Earley and
Woodley), plans it and sees the route on the map and what it attributes to each seat."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.spending.tests.test_pages import login
from groundswell.tours.models import Attribution, Stop
from groundswell.tours.tests.world import build_world

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STOPS = [
    ("Rally in Maidenhead", "national", "", "Kidwells Park", "51.5246", "-0.7160", "10:00", "12:00"),
    ("Reading meet the candidate", "candidate", "Reading Central", "Town Hall", "51.4564", "-0.9702", "12:00", "15:00"),
    ("Woodley breakfast", "candidate", "Earley and Woodley", "Precinct", "51.4530", "-0.9020", "08:30", "11:00"),
]


def test_organiser_builds_a_one_day_tour_with_three_stops_and_sees_route_and_attributions(live_server, browser):
    w = build_world(with_tour=False)
    cookie = login(w.organiser).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Tours", exact=True).click()
    page.get_by_label("Name").fill("Leader's day in Berkshire")
    page.get_by_label("Election").select_option("parl.2024-07-04")
    page.get_by_label("Day rate entered (£, e.g. 461)").fill("461")
    page.get_by_role("button", name="Start the tour").click()
    page.get_by_role("heading", name="Leader's day in Berkshire").wait_for()

    page.get_by_label("Date").fill("2024-06-20")
    page.get_by_label("Start", exact=True).fill("Westminster")
    page.get_by_label("Start latitude").fill("51.4995")
    page.get_by_label("Start longitude").fill("-0.1248")
    page.get_by_label("End", exact=True).fill("Bristol")
    page.get_by_label("End latitude").fill("51.4491")
    page.get_by_label("End longitude").fill("-2.5813")
    page.get_by_role("button", name="Add day").click()
    expect(page.locator(".messages")).to_contain_text("Day added")

    for title, purpose, seat, venue, lat, lon, start, end in STOPS:
        page.locator("summary", has_text="Add a stop").click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Purpose").select_option(purpose)
        if seat:
            page.get_by_label("Candidate (for a candidate stop)").select_option(
                label=f"{seat}: {seat.split()[0].title()} Candidate"
            )
        page.get_by_label("Venue").fill(venue)
        page.get_by_label("Latitude", exact=True).fill(lat)
        page.get_by_label("Longitude", exact=True).fill(lon)
        page.get_by_label("Arrive no earlier than").fill(start)
        page.get_by_label("and no later than").fill(end)
        page.get_by_role("button", name="Add stop").click()
        expect(page.locator(".messages")).to_contain_text("Stop added")
    assert Stop.objects.count() == 3

    page.get_by_role("button", name="Plan this day").click()
    expect(page.locator(".messages")).to_contain_text("Planned")
    # The route is drawn (network legs and local legs) with the stops the organiser, on the team, may see.
    expect(page.locator(".tour-map[data-ready='1']")).to_have_count(1)
    assert page.locator(".tour-map path.leaflet-interactive").count() >= 4
    assert page.locator(".tour-map .leaflet-marker-icon").count() == 3
    table = page.get_by_role("table", name="Attributions on 2024-06-20")
    expect(table).to_contain_text("Reading Central")
    expect(table).to_contain_text("£461")
    expect(table).to_contain_text("Party (national)")
    expect(page.get_by_role("heading", name="Passed on the network (nothing attributed)")).to_be_visible()
    assert Attribution.objects.filter(candidacy=w.reading, kind="day_rate", amount_pence=461_00).exists()
    assert_accessible(page)
    context.close()
