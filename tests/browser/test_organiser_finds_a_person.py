"""An organiser signs in (password + TOTP), searches for a person and opens their record, on a phone-sized screen."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.people.models import OrganisationUnit
from groundswell.tests.factories import EmailFactory, PersonFactory, UnitFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code() -> str:
    from groundswell.accounts.totp import current_code as code_for

    return code_for(SECRET)


def test_organiser_logs_in_and_finds_a_person(live_server, page):
    clp = UnitFactory(code="CLP-RE", name="Reading East CLP", kind=OrganisationUnit.Kind.CONSTITUENCY)
    other_clp = UnitFactory(code="CLP-RW", name="Reading West CLP", kind=OrganisationUnit.Kind.CONSTITUENCY)
    organiser = user_with_role(Role.ORGANISER, clp, email="organiser@example.org")
    TOTP.activate(organiser, SECRET)
    wanted = PersonFactory(unit=clp, given_name="Ada", family_name="Lovelace", postcode="RG1 1AA")
    EmailFactory(person=wanted, address="ada@example.org")
    PersonFactory(unit=clp, given_name="Charles", family_name="Babbage")
    PersonFactory(unit=other_clp, given_name="Ada", family_name="Outsider")  # another constituency: hidden

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("organiser@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Authenticator code").fill(current_code())
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name="People").click()
    page.get_by_label("Search").fill("ada")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results")
    results.get_by_role("link", name="Ada Lovelace").wait_for()
    assert "Outsider" not in results.inner_text()
    assert "Babbage" not in results.inner_text()
    results.get_by_role("link", name="Ada Lovelace").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    assert "ada@example.org" in page.content()
