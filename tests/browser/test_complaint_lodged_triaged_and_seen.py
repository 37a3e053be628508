"""A member lodges a complaint with evidence; a trained handler assigns it and triages it for investigation; the
member sees the status change on their own page. Both sign in through the real login pages on a phone screen."""

from __future__ import annotations

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from groundswell.accounts.models import Role
from groundswell.complaints import services
from groundswell.complaints.models import Case, Evidence
from groundswell.tests.factories import EmailFactory, MembershipFactory, PersonFactory, UnitTreeFactory, user_with_role

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_member_lodges_with_evidence_handler_triages_member_sees_the_change(live_server, browser, tmp_path):
    services.seed_defaults()
    units = UnitTreeFactory.build_tree()
    me = PersonFactory(unit=units.branch_a1, given_name="Rosa")
    MembershipFactory(person=me)
    EmailFactory(person=me, address="rosa@example.org")
    respondent = PersonFactory(unit=units.branch_a2)
    MembershipFactory(person=respondent, number="M0042")
    user_with_role(Role.MEMBER, units.branch_a1, email="rosa@example.org", person=me)
    handler = user_with_role(Role.COMPLAINTS_HANDLER, units.region, email="handler@example.org")
    services.set_training(handler, trained_on=datetime.date(2026, 1, 5))
    TOTP.activate(handler, SECRET)
    evidence = tmp_path / "messages.pdf"
    evidence.write_bytes(PDF)

    member_context = browser.new_context(viewport={"width": 390, "height": 844})
    member = member_context.new_page()
    member.set_default_timeout(15_000)
    member.goto(f"{live_server.url}/accounts/login/")
    member.get_by_label("Email").fill("rosa@example.org")
    member.get_by_label("Password").fill("correct-horse-battery")
    member.get_by_role("button", name="Sign In").click()
    member.get_by_role("link", name="Complaints").first.click()
    member.get_by_role("link", name="Make a complaint").first.click()
    member.get_by_label("Their membership number").fill("M0042")
    member.get_by_label("Kind of complaint").select_option("harassment")
    member.get_by_label("What happened").fill("After the meeting on 3 March they sent me a string of abusive messages.")
    member.get_by_label("Evidence").set_input_files(str(evidence))
    member.get_by_role("button", name="Send my complaint").click()
    expect(member.locator("#acknowledgement")).to_contain_text("reference")
    reference = member.locator("#reference").inner_text()
    case = Case.objects.get(reference=reference)
    assert Evidence.objects.get(case=case).content_type == "application/pdf"
    member.get_by_role("link", name="Follow it on My complaints").click()
    expect(member.locator(f"#case-{reference} .case-stage")).to_have_text("Intake")

    handler_context = browser.new_context(viewport={"width": 390, "height": 844})
    page = handler_context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "handler@example.org", SECRET, next_path="/complaints/cases/")
    page.get_by_role("link", name=reference).click()
    expect(page.locator("#case-summary")).to_contain_text("abusive messages")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Handler assigned")
    expect(page.locator("#case-stage")).to_have_text("Triage")
    triage = page.get_by_role("group", name="Triage")
    triage.get_by_label("Decision").select_option("investigate")
    triage.get_by_label("Reason").fill("Messages supplied; a pattern of conduct to investigate.")
    page.get_by_role("button", name="Record triage decision").click()
    expect(page.locator("#case-stage")).to_have_text("Investigation")

    member.reload()
    expect(member.locator(f"#case-{reference} .case-stage")).to_have_text("Investigation")
    expect(member.locator(f"#case-{reference} .case-history")).to_contain_text("Moved to Investigation")
    member_context.close()
    handler_context.close()


def test_the_public_follow_their_complaint_by_the_personal_link_and_add_evidence(live_server, browser, tmp_path):
    services.seed_defaults()
    units = UnitTreeFactory.build_tree()
    respondent = PersonFactory(unit=units.branch_a2)
    MembershipFactory(person=respondent, number="M0042")
    handler = user_with_role(Role.COMPLAINTS_HANDLER, units.region, email="handler@example.org")
    services.set_training(handler, trained_on=datetime.date(2026, 1, 5))
    evidence = tmp_path / "screenshot.pdf"
    evidence.write_bytes(PDF)

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/complaints/")
    page.get_by_role("link", name="Make a complaint").first.click()
    page.get_by_label("Their membership number").fill("M0042")
    page.get_by_label("Kind of complaint").select_option("harassment")
    page.get_by_label("What happened").fill("At the street stall on 9 May they shouted abuse at me and my children.")
    page.get_by_label("Your name").fill("Pat Public")
    page.get_by_label("Email address for our replies").fill("pat@example.org")
    page.get_by_role("button", name="Send my complaint").click()
    reference = page.locator("#reference").inner_text()
    page.locator("#follow-link").click()
    expect(page.locator(".case-stage")).to_have_text("Intake")
    page.get_by_label("A document or image").set_input_files(str(evidence))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".messages")).to_contain_text("your evidence has been added")

    case = Case.objects.get(reference=reference)
    assert case.evidence.count() == 1 and case.complainant is None
    services.assign_handler(case, handler, actor=handler)
    page.reload()
    expect(page.locator(".case-stage")).to_have_text("Triage")
    page.goto(page.url[:-3] + "xyz/")  # an altered link
    expect(page.locator("body")).not_to_contain_text(reference)
    context.close()
