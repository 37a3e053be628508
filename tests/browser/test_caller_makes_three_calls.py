"""A volunteer joins a phonebank by its link and makes three calls, one through a dropped connection."""

from __future__ import annotations

import datetime

import pytest

from groundswell.phonebank.models import CallAttempt, CallTarget
from groundswell.phonebank.tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _outcome(page, label: str) -> None:
    page.locator("#pb-outcome-buttons").get_by_label(label, exact=True).check()


def test_caller_makes_three_calls(live_server, page):
    # Calling hours all day, so the test passes whenever the suite runs.
    world = build_world(
        people=4, window_start=datetime.time(0, 0), window_end=datetime.time(0, 0), brief="Thank them for their time."
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    join = f"/phonebank/join/{world.session.token}/"
    page.goto(f"{live_server.url}/accounts/login/?next={join}")
    page.get_by_label("Email").fill("caller1@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{join}")
    page.get_by_text("Thank them for their time.").wait_for()
    page.get_by_role("button", name="Start calling").click()

    # Call 1: they answer, will vote for us, will help; the 'when' question appears only after 'yes'.
    page.locator("#pb-name").wait_for()
    first = page.locator("#pb-name").text_content()
    assert page.locator("#pb-dial").get_attribute("href").startswith("tel:+447700900")
    page.get_by_text("Hello, I'm calling from the campaign.").wait_for()
    assert not page.locator('[data-key="when"]').is_visible()
    page.locator('[data-key="intention"]').get_by_label("Yes").check()
    page.locator('[data-key="volunteer"]').get_by_label("Yes").check()
    page.locator('[data-key="when"] textarea').fill("Saturday mornings")
    _outcome(page, "Spoke to them")
    page.get_by_role("button", name="Save and next call").click()
    page.locator("#pb-name", has_text="Callee").filter(has_not_text=first).wait_for()
    page.locator("#pb-tally", has_text="Your calls: 1").wait_for()
    # The next person's name is in view, not off the top of the screen below the saved script.
    top = page.locator("#pb-name").evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] / 2
    # Each radio button sits on the line of its words, to their left.
    label = page.locator('[data-key="intention"] label', has_text="Yes")
    box, radio = label.bounding_box(), label.locator("input").bounding_box()
    assert radio["x"] - box["x"] < 4 and abs((radio["y"] + radio["height"] / 2) - (box["y"] + box["height"] / 2)) < 4

    # Call 2: 'No' ends the script: the later questions disappear.
    second = page.locator("#pb-name").text_content()
    page.locator('[data-key="intention"]').get_by_label("No").check()
    assert not page.locator('[data-key="volunteer"]').is_visible()
    _outcome(page, "Spoke to them")
    # The connection drops as they press save: the page keeps the result and resends it when back online.
    page.context.set_offline(True)
    page.get_by_role("button", name="Save and next call").click()
    page.get_by_text("No connection").wait_for()
    page.context.set_offline(False)
    page.locator("#pb-name").filter(has_not_text=second).wait_for(timeout=30_000)

    # Call 3: no answer.
    _outcome(page, "No answer")
    page.get_by_role("button", name="Save and next call").click()
    page.locator("#pb-tally", has_text="Your calls: 3").wait_for()

    attempts = list(CallAttempt.objects.order_by("id"))
    assert [a.outcome for a in attempts] == ["completed", "completed", "no_answer"]
    assert attempts[0].answers == {"intention": "yes", "volunteer": True, "when": "Saturday mornings"}
    assert attempts[1].answers == {"intention": "against"}
    assert len({a.target_id for a in attempts}) == 3
    # The fourth contact is on screen, leased to this caller and nobody else.
    assert CallTarget.objects.filter(lease_owner=world.caller, state="open").count() == 1
    assert errors == []
