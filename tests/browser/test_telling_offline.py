"""Telling in the browser: pick a station, type and paste numbers, an offline spell, undo, and sync."""

from __future__ import annotations

import pytest

from groundswell.gotv.models import TellingEntry
from groundswell.gotv.tests.test_telling import build_telling_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.getElementById("t-number").dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


def _row(page, number: str):
    return page.locator("#t-rows tbody tr", has=page.locator("td:first-child", has_text=number))


def _type(page, text: str) -> None:
    assert page.evaluate("document.activeElement.id") == "t-number"  # focus never leaves the field
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_teller_works_through_an_offline_spell(live_server, page):
    world = build_telling_world()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = f"/polling-day/{world.day.pk}/telling/"
    page.goto(f"{live_server.url}/accounts/login/?next={url}")
    page.get_by_label("Email").fill("teller@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{url}")

    page.get_by_label("Polling station").select_option(label="St Mary's Hall (AB1)")
    page.get_by_role("button", name="Start telling here").click()
    page.locator("#t-tally", has_text="Voted here: 0 of 11").wait_for()
    _type(page, "3")
    _row(page, "AB1-3").get_by_text("recorded").wait_for()
    page.locator("#t-tally", has_text="Voted here: 1 of 11").wait_for()

    page.context.set_offline(True)
    for text in ["4", "AB2-1", "99", "5 6,7"]:  # the last is three numbers in one go
        _type(page, text)
    page.evaluate(PASTE, "8\n9")
    _row(page, "AB1-9").wait_for()
    # Checked on the phone at once, with no connection: on the register, another station's, unknown.
    _row(page, "AB1-4").get_by_text("queued (offline): on the register").wait_for()
    _row(page, "AB2-1").get_by_text("wrong station (queued): belongs to Park School").wait_for()
    _row(page, "99").get_by_text("unknown (queued): no 99 at this station").wait_for()
    page.get_by_role("button", name="Undo AB1-6").click()
    _row(page, "AB1-6").get_by_text("undone").wait_for()
    page.locator("#t-sync", has_text="8 queued · 1 synced").wait_for()
    assert page.locator("#t-rows tbody tr").count() == 9
    assert TellingEntry.objects.count() == 1  # nothing reached the server while offline

    page.context.set_offline(False)  # the browser fires "online": the queue is sent, in order
    page.locator("#t-sync", has_text="0 queued · 9 synced").wait_for()
    _row(page, "AB1-4").get_by_text("recorded").wait_for()
    _row(page, "AB2-1").get_by_text("wrong station: AB2-1 belongs to station Park School, not here").wait_for()
    page.locator("#t-tally", has_text="Voted here: 6 of 11 (54.5%) · 2 flagged").wait_for()

    live = TellingEntry.objects.filter(undone_at__isnull=True, elector__isnull=False)
    numbers = sorted(live.values_list("elector__number", flat=True))
    assert numbers == [3, 4, 5, 7, 8, 9]  # each exactly once
    undone = TellingEntry.objects.get(undone_at__isnull=False)
    assert undone.elector.number == 6 and undone.undone_by == world.teller
    assert set(TellingEntry.objects.filter(elector__isnull=True).values_list("raw_number", flat=True)) == {
        "AB2-1",
        "99",
    }
    assert TellingEntry.objects.values("client_id").distinct().count() == TellingEntry.objects.count() == 9

    # 3 was taken already: the server says so, and stores no second vote.
    _type(page, "AB1-3")
    page.locator("#t-rows tbody tr").first.get_by_text("already voted").wait_for()
    assert TellingEntry.objects.filter(elector__number=3).count() == 1

    # The station is remembered on this device, and the list comes back after a reload.
    page.reload()
    page.locator("#t-station-name", has_text="St Mary's Hall").wait_for()
    _row(page, "AB1-4").get_by_text("recorded").wait_for()
    _row(page, "AB1-6").get_by_text("undone").wait_for()

    # No signal at all, and the teller reloads: the page opens from the service worker's cache, the station's
    # numbers from the phone, and a number taken now waits in the queue.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.locator("#t-station-name", has_text="St Mary's Hall").wait_for()
    _type(page, "10")
    _row(page, "AB1-10").get_by_text("queued (offline): on the register").wait_for()
    assert not TellingEntry.objects.filter(elector__number=10).exists()
    page.context.set_offline(False)
    _row(page, "AB1-10").get_by_text("recorded").wait_for()
    assert TellingEntry.objects.filter(elector__number=10, undone_at__isnull=True).count() == 1
    assert not errors
