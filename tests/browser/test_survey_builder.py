"""An organiser builds a survey in the browser (sections, a conditional question), opens it and makes a personal
link; the invitee answers through the link without logging in (the follow-up appears only after the answer it
depends on); the organiser sees the response in the results chart."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from groundswell.accounts.models import Role
from groundswell.surveys.models import Invitation, Response, Survey
from groundswell.surveys.tests.world import login
from groundswell.tests.factories import PersonFactory, UnitTreeFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_survey_answer_it_by_personal_link_and_see_the_chart(live_server, browser):
    units = UnitTreeFactory.build_tree()
    organiser = user_with_role(Role.ORGANISER, units.clp_a)
    invitee = PersonFactory(unit=units.branch_a1)
    cookie = login(organiser).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").click()
    page.get_by_label("Title").fill("Care consultation")
    page.get_by_label("Organisation unit").select_option(label="Reading East CLP")
    page.get_by_role("button", name="Create survey").click()
    page.get_by_role("heading", name="Care consultation").wait_for()

    page.get_by_label("Question", exact=True).fill("Do you use social care?")
    page.get_by_label("Kind of answer").select_option("single")
    page.get_by_label("Choices").fill("Yes\nNo")
    page.get_by_label("Section").fill("About you")
    page.get_by_role("button", name="Add question").click()
    expect(page.locator(".messages")).to_contain_text("Do you use social care?")
    page.get_by_label("Question", exact=True).fill("How good was it?")
    page.get_by_label("Kind of answer").select_option("scale")
    page.get_by_label("Show only if").select_option("do_you_use_social_care")
    page.get_by_label("is one of").fill("Yes")
    page.get_by_role("button", name="Add question").click()
    expect(page.locator("#q-" + str(Survey.objects.get().question_set.questions.last().pk))).to_contain_text(
        "shown only if"
    )
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator("#survey-status")).to_have_text("Open")

    page.get_by_role("link", name=re.compile("Personal links")).click()
    page.get_by_label("Or these person ids").fill(str(invitee.pk))
    page.get_by_role("button", name="Create personal links").click()
    expect(page.locator("#invited")).to_have_text("1")
    link = page.get_by_label(f"Link for {invitee.display_name}").input_value()
    assert link.endswith(f"/surveys/i/{Invitation.objects.get().token}/")

    # The invitee: no login, their own link.
    respondent = browser.new_context(viewport={"width": 390, "height": 844})
    answer = respondent.new_page()
    answer.set_default_timeout(15_000)
    answer.goto(link)
    follow_up = answer.locator('[data-key="how_good_was_it"]')
    expect(follow_up).to_be_hidden()
    answer.get_by_label("Yes", exact=True).check()
    expect(follow_up).to_be_visible()
    follow_up.get_by_label("4", exact=True).check()
    answer.get_by_role("button", name="Send my answers").click()
    expect(answer.locator("#thank-you")).to_contain_text("your answers have been recorded")
    stored = Response.objects.get()
    assert stored.person == invitee and stored.answers == {"do_you_use_social_care": "yes", "how_good_was_it": 4}
    answer.goto(link)
    expect(answer.locator("#already")).to_be_visible()
    respondent.close()

    page.goto(f"{live_server.url}/surveys/{stored.survey_id}/results/")
    expect(page.locator("#total-responses")).to_have_text("1")
    chart = page.locator("#result-do_you_use_social_care svg.sv-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("text.sv-count").first).to_have_text("1 (100%)")
    context.close()
