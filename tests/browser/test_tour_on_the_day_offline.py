"""On the day: a driver taps Arrived at a stop with no signal; it is kept on the phone and sent once back online."""

from __future__ import annotations

import pytest
from django.conf import settings

from groundswell.spending.tests.test_pages import login
from groundswell.tours import services
from groundswell.tours.models import OnTheDay
from groundswell.tours.tests.world import build_world, reading_stop, seat_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_driver_records_an_arrival_offline_and_it_syncs_once(live_server, browser):
    w = build_world()
    stop = reading_stop(w)
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    cookie = login(w.driver).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/tours/days/{w.day.pk}/on-the-day/")
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/tours/days/"

    context.set_offline(True)
    page.locator(f'button[data-stop="{stop.pk}"][data-kind="arrived"]').click()
    page.get_by_text("arrived saved on this phone").wait_for()
    assert not OnTheDay.objects.exists()

    context.set_offline(False)
    page.get_by_text("All sent.").wait_for(timeout=30_000)
    assert OnTheDay.objects.filter(stop=stop, kind="arrived").count() == 1
    assert not errors
    context.close()
