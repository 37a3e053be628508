"""Canvassing in the browser: the doorstep app offline and back, keyboard entry of a paper sheet, and the
organiser's live target count."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.totp import current_code
from groundswell.canvassing.models import Contact
from groundswell.canvassing.tests.builders import build_world
from groundswell.register.models import Elector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Re-sends every item in the browser's queue, exactly as the app would after a lost response.
RESEND_QUEUE = """async (syncUrl) => {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open("groundswell-canvassing");
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  const items = await new Promise((ok) => {
    const req = db.transaction("queue").objectStore("queue").getAll();
    req.onsuccess = () => ok(req.result);
  });
  const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const body = items.map(({ state, error, ...rest }) => rest);
  const response = await fetch(syncUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify({ items: body }),
  });
  return { count: items.length, states: items.map((i) => i.state), results: (await response.json()).results };
}"""


COUNT_WALKS = """() => new Promise((ok, fail) => {
  const req = indexedDB.open("groundswell-canvassing");
  req.onerror = () => fail(req.error);
  req.onsuccess = () => {
    const count = req.result.transaction("walks").objectStore("walks").count();
    count.onsuccess = () => ok(count.result);
  };
})"""


def _answer(page, name: str, code: str, likelihood: int) -> None:
    page.get_by_role("button", name=f"Likelihood {likelihood} for {name}", exact=True).click()
    page.locator(f'button[aria-label^="{code} "][aria-label$=" for {name}"]').click()
    page.get_by_role("button", name=f"Save {name}", exact=True).click()
    page.get_by_role("region", name=name).get_by_text("Saved on this phone").wait_for()


def test_canvasser_records_offline_and_syncs_once(live_server, page):
    world = build_world()
    # What the printed sheet marks shows at the door too: a postal voter and the code recorded last time.
    Elector.objects.filter(forenames="Voter1").update(postal_voter=True, current_support="L")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/?next=/canvassing/doorstep/")
    page.get_by_label("Email").fill("canvasser@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/canvassing/doorstep/**")

    # The walk list loads (and with it, every assigned walk is saved on the phone).
    page.get_by_role("link", name="Walk 1").click()
    page.get_by_role("heading", name="Walk 1").wait_for()
    assert "Walk 2" not in page.content()  # another canvasser's walk is not offered
    page.locator("#ds-sync", has_text="All synced").wait_for()
    # The service worker (scoped to the app) has cached the shell, so a reload works without signal.
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/canvassing/doorstep/"

    page.context.set_offline(True)
    page.get_by_role("link", name="Start / continue").click()
    page.get_by_role("heading", name="1 High Street, Reading").wait_for()
    voter1 = page.get_by_role("region", name="Voter1 Example")
    voter1.get_by_text("Postal voter").wait_for()
    assert voter1.get_by_text("Last time: L").is_visible()
    page.get_by_text("Key to the support codes").click()
    assert page.locator(".ds-key dt", has_text="L").first.is_visible()
    _answer(page, "Voter1 Example", "L", 9)
    _answer(page, "Voter2 Example", "U", 4)
    page.get_by_role("link", name="Next door").click()
    page.get_by_role("heading", name="3 High Street, Reading").wait_for()
    _answer(page, "Voter3 Example", "C", 7)
    page.get_by_role("button", name="Not in: Voter4 Example").click()
    page.get_by_role("region", name="Voter4 Example").get_by_text("Saved on this phone").wait_for()
    page.locator("#ds-sync", has_text="Offline").wait_for()
    assert Contact.objects.count() == 0  # nothing reached the server while offline

    # Reload with no connection: the app shell comes from the service worker, the walk and the queue
    # from IndexedDB.
    page.reload()
    page.get_by_role("heading", name="3 High Street, Reading").wait_for()
    page.get_by_role("region", name="Voter3 Example").get_by_text("Recorded: C (waiting to sync)").wait_for()
    page.get_by_role("link", name="Walk", exact=True).click()
    page.get_by_text("offline copy").wait_for()
    page.locator("#ds-sync", has_text="4 queued").wait_for()
    page.get_by_role("link", name="Start / continue").click()
    page.get_by_role("heading", name="5 High Street, Reading").wait_for()  # the first door not yet done
    page.get_by_role("link", name="Walk", exact=True).click()
    page.get_by_role("heading", name="Walk 1").wait_for()

    page.context.set_offline(False)  # the browser fires "online": the queue is sent
    page.locator("#ds-sync", has_text="All synced").wait_for()
    assert Contact.objects.count() == 4
    by_number = {c.elector.elector_number: c for c in Contact.objects.select_related("elector")}
    assert by_number["AA-1"].support_code == "L" and by_number["AA-1"].likelihood == 9
    assert by_number["AA-2"].support_code == "U"
    assert by_number["AA-3"].support_code == "C"
    assert by_number["AA-4"].outcome == "not_in" and by_number["AA-4"].support_code == ""
    assert all(c.client_id and c.canvasser_id == world.canvasser.pk for c in by_number.values())

    # Offline again: one more door, then the tab is closed before any signal returns.
    page.context.set_offline(True)
    page.get_by_role("link", name="Start / continue").click()
    page.get_by_role("heading", name="5 High Street, Reading").wait_for()
    page.get_by_role("button", name="Nobody in → next").click()
    page.get_by_role("heading", name="Walk 1").wait_for()
    context = page.context
    page.close()
    context.set_offline(False)
    again = context.new_page()
    again.set_default_timeout(15_000)
    again.goto(f"{live_server.url}/canvassing/doorstep/")
    again.locator("#ds-sync", has_text="All synced").wait_for()
    assert Contact.objects.count() == 6
    assert Contact.objects.filter(elector__number__in=[5, 6], outcome="not_in").count() == 2

    # Re-sending the whole queue (a lost response, a second tab) stores nothing twice.
    resent = again.evaluate(RESEND_QUEUE, f"{live_server.url}/canvassing/doorstep/api/sync/")
    assert resent["count"] == 6 and set(resent["states"]) == {"sent"}
    assert again.evaluate(COUNT_WALKS) == 1  # the assigned walk is kept for offline use
    assert {r["status"] for r in resent["results"]} == {"duplicate"}
    assert Contact.objects.count() == 6
    assert Contact.objects.values("client_id").distinct().count() == 6

    # Signing out takes the walk (names, addresses) off the phone.
    again.get_by_role("button", name="Sign out").click()
    again.wait_for_url(f"{live_server.url}/**")
    again.wait_for_function("() => !location.pathname.startsWith('/canvassing/doorstep/')")
    assert again.evaluate(COUNT_WALKS) == 0
    assert not errors


def _login(page, live_server, email: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{next_url}")


def test_keyboard_entry_of_a_paper_sheet(live_server, page):
    world = build_world()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server, "canvasser@example.org", f"/canvassing/paper/{world.walk.pk}/")
    number = page.get_by_label("Elector number")
    # Mouse-free: type, Tab, type, Tab, type, Enter; focus comes back to the number each time.
    for typed, code, likelihood in [("1", "l", "8"), ("AA-2", "U", ""), ("99", "L", "5"), ("3/0", "C", "2")]:
        expect_focus = page.evaluate("document.activeElement.id")
        assert expect_focus == "p-number"
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
        page.keyboard.type(code)
        page.keyboard.press("Tab")
        page.keyboard.type(likelihood)
        page.keyboard.press("Enter")
    rows = page.locator("#paper-rows tbody tr")
    rows.filter(has_text="Unknown number").wait_for()
    assert rows.count() == 4
    page.locator("#sync-status", has_text="all saved").wait_for()
    page.locator("#paper-rows tbody tr", has_text="AA-3").get_by_text("stored").wait_for()
    assert number.input_value() == ""
    stored = {c.elector.elector_number: c for c in Contact.objects.select_related("elector")}
    assert set(stored) == {"AA-1", "AA-2", "AA-3"}
    assert stored["AA-1"].support_code == "L" and stored["AA-1"].likelihood == 8
    assert stored["AA-2"].likelihood is None
    assert {c.method for c in stored.values()} == {"paper"}
    assert "1 flagged" in page.locator("#paper-counts").inner_text()

    # A long sitting: entries typed back to back are all kept, and every row ends up stored.
    for i in range(60):
        page.keyboard.type(str(i % 6 + 1))
        page.keyboard.press("Tab")
        page.keyboard.type("LU"[i % 2])
        page.keyboard.press("Tab")
        page.keyboard.type(str(i % 11))
        page.keyboard.press("Enter")
    page.wait_for_function(
        """() => [...document.querySelectorAll('#paper-rows tbody tr:not(.flag) .status')]
                 .every((td) => td.textContent === 'stored')""",
    )
    assert rows.count() == 64
    assert Contact.objects.count() == 63
    assert Contact.objects.values("client_id").distinct().count() == 63
    assert not errors


def test_target_builder_count_updates_live(live_server, page):
    world = build_world()
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(world.organiser, secret)
    page.goto(f"{live_server.url}/accounts/login/?next=/canvassing/{world.campaign.pk}/")
    page.get_by_label("Email").fill("organiser@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Authenticator code").fill(current_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.locator("#target-count", has_text="8 electors at 5 doors").wait_for()  # the whole constituency, on load
    page.get_by_label("Polling districts").select_option(["AB"])
    page.locator("#target-count", has_text="2 electors at 2 doors").wait_for()
    page.get_by_label("Streets").fill("Nowhere Road")
    page.locator("#target-count", has_text="0 electors at 0 doors").wait_for()
    page.get_by_label("Save as").fill("Nobody")
    page.get_by_role("button", name="Save target").click()
    page.get_by_role("cell", name="Nobody").wait_for()
    assert world.campaign.targets.get().filters == {"polling_districts": ["AB"], "streets": ["Nowhere Road"]}
