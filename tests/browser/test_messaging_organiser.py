"""An organiser emails a segment in the browser: the live count follows the filters (htmx), the template
preview follows the typing, the send is confirmed, and the send page shows progress and its statistics."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from groundswell.messaging.models import EmailSend
from groundswell.messaging.tests.helpers import contact
from groundswell.people.services import add_tags
from groundswell.phonebank.tests.test_organiser_campaigns import login
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organiser_emails_a_segment(live_server, browser):
    tree = UnitTreeFactory.build_tree()
    for i in range(4):
        person = contact(tree.branch_a1, email_consent="granted" if i else None, given_name=f"Vol{i}")
        add_tags(person, ["volunteer"])
    contact(tree.branch_a1)  # not a volunteer
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    cookie = login(organiser).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    mail.outbox = []

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Messaging").click()
    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name", exact=True).fill("Volunteers")
    page.locator("#id_unit").select_option(str(tree.clp_a.pk))
    expect(page.locator("#segment-people")).to_have_text("5")
    page.get_by_label("Tagged with any of").fill("volunteer")
    page.get_by_label("Tagged with any of").blur()
    expect(page.locator("#segment-people")).to_have_text("4")
    expect(page.locator("#segment-email")).to_have_text("3")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator(".messages")).to_contain_text("Segment “Volunteers” saved")

    page.get_by_role("link", name="New email template").click()
    page.get_by_label("Name", exact=True).fill("Saturday")
    page.locator("#id_unit").select_option(str(tree.clp_a.pk))
    page.get_by_label("Subject").fill("See you Saturday, {{ given_name }}")
    page.get_by_label("Plain-text part").fill("Hi {{ given_name }}, we meet at 10.")
    expect(page.locator("#preview-subject")).to_have_text("See you Saturday, Sam")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".messages")).to_contain_text("Template “Saturday” saved")
    page.get_by_role("link", name="Send an email from this template").click()

    page.get_by_label("Segment").select_option(label="Volunteers")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send to 3 people").click()
    expect(page.locator("#send-progress")).to_contain_text("Finished: 3 of 3 sent.")
    expect(page.get_by_role("table", name="Send statistics")).to_be_visible()
    send = EmailSend.objects.get()
    assert sorted(m.subject for m in mail.outbox) == [
        "See you Saturday, Vol1",
        "See you Saturday, Vol2",
        "See you Saturday, Vol3",
    ]
    assert send.status == "done"
