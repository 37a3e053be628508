"""Knocking up in the browser: a volunteer's round on the phone, results tapped offline, synced once back online."""

from __future__ import annotations

import pytest

from groundswell.gotv import assignments, knockup
from groundswell.gotv.models import KnockUpResult, Lift, TellingEntry
from groundswell.gotv.tests.test_promises import build_day, promise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_ROUNDS = """() => new Promise((ok, fail) => {
  const req = indexedDB.open("groundswell-knockup");
  req.onerror = () => fail(req.error);
  req.onsuccess = () => {
    const count = req.result.transaction("rounds").objectStore("rounds").count();
    count.onsuccess = () => ok(count.result);
  };
})"""


def _tap(page, elector, outcome: str) -> None:
    page.locator(f'[data-elector="{elector.pk}"] button[data-outcome="{outcome}"]').click()
    page.locator(f'[data-elector="{elector.pk}"] button[data-outcome="{outcome}"][aria-pressed="true"]').wait_for()


def test_volunteer_knocks_up_offline_and_results_sync_once(live_server, page):
    d = build_day()
    for e in d.world.electors:
        promise(e)
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    assignments.set_room_volunteers(d.room, [d.world.canvasser])  # volunteers open their own room's rounds only
    aa = d.world.electors
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sheet = f"/polling-day/knock-up/rounds/{knock_round.pk}/"
    page.goto(f"{live_server.url}/accounts/login/?next={sheet}")
    page.get_by_label("Email").fill("canvasser@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{sheet}")
    page.get_by_text("Round 1 · 6 promises in walk order").wait_for()
    page.locator("#ku-sync", has_text="all sent").wait_for()
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/polling-day/knock-up/"

    _tap(page, aa[0], "voted")
    page.locator("#ku-sync", has_text="all sent").wait_for()
    assert TellingEntry.objects.get(elector=aa[0]).source == "knock_up"

    page.context.set_offline(True)
    _tap(page, aa[1], "lift")
    _tap(page, aa[2], "not_in")
    page.locator("#ku-sync", has_text="offline · 2 kept").wait_for()
    assert KnockUpResult.objects.count() == 1

    # Reload with no signal: the shell from the service worker, the round and the taps from IndexedDB.
    page.reload()
    page.get_by_text("offline: showing the copy on this phone").wait_for()
    page.locator(f'[data-elector="{aa[1].pk}"] button[data-outcome="lift"][aria-pressed="true"]').wait_for()
    assert page.evaluate(COUNT_ROUNDS) == 1

    page.context.set_offline(False)  # "online": the queue is sent
    page.locator("#ku-sync", has_text="all sent").wait_for()
    assert KnockUpResult.objects.count() == 3
    assert Lift.objects.get().elector_id == aa[1].pk
    assert KnockUpResult.objects.get(elector=aa[2]).outcome == "not_in"
    assert aa[0].pk not in [e.pk for e in knockup.knock_up_list(d.room)]

    # Signing out takes the round (names, addresses) off the phone.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_function(f"() => !location.pathname.startsWith('{sheet}')")
    assert page.evaluate(COUNT_ROUNDS) == 0
    assert not errors
