"""Each role's journey from sign-in to their main job and back home, by clicking only (no typed URLs after the
sign-in page), with an accessibility check (axe-core: 0 serious or critical violations) on every page visited.
Field roles on a phone-sized screen, organisers on a desktop one."""

from __future__ import annotations

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.canvassing.tests.builders import build_world as canvass_world
from groundswell.gotv.tests.test_telling import build_telling_world
from groundswell.phonebank.models import CallCampaign
from groundswell.phonebank.tests.world import build_world as phonebank_world
from groundswell.tests.factories import PersonFactory, user_with_role

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _volunteer_sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Hello").wait_for()


def _home(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Hello").wait_for()
    assert_accessible(page)


def test_organiser_adds_a_person_and_finds_the_walk_sheets(live_server, desktop):
    page = desktop
    world = canvass_world()
    organiser = user_with_role(Role.ORGANISER, world.clp, email="organiser-j@example.org")
    TOTP.activate(organiser, SECRET)
    PersonFactory(unit=world.clp, given_name="Ada", family_name="Byron")
    sign_in(page, live_server.url, "organiser-j@example.org", SECRET)
    page.get_by_role("heading", name="Hello").wait_for()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a person").click()
    assert_accessible(page)
    page.get_by_label("Unit").select_option(label=world.clp.name)
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Add this person").click()
    page.get_by_text("is not a valid email address").wait_for()  # beside the field, after submit
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_role("button", name="Add this person").click()
    page.get_by_role("heading", name="Grace Hopper").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Town").fill("Reading")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Record edited: town").wait_for()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Canvassing").click()
    assert_accessible(page)
    page.get_by_role("link", name=world.campaign.name).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Walks, map and sheets").click()
    assert_accessible(page)
    page.get_by_role("link", name=world.walk.name).first.click()
    assert_accessible(page)
    _home(page)


def test_canvasser_goes_from_home_to_their_walk(live_server, page):
    world = canvass_world()
    _volunteer_sign_in(page, live_server.url, "canvasser@example.org")
    assert_accessible(page)
    page.get_by_role("link", name=f"Knock on doors: {world.walk.name}").click()
    page.get_by_role("heading", name=world.walk.name).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Start / continue").click()
    page.get_by_text("Key to the support codes").wait_for()
    assert_accessible(page)


def test_caller_goes_from_home_to_calling(live_server, page):
    world = phonebank_world(people=2, window_start=datetime.time(0, 0), window_end=datetime.time(0, 0))
    CallCampaign.objects.filter(pk=world.campaign.pk).update(status=CallCampaign.Status.ACTIVE)
    _volunteer_sign_in(page, live_server.url, "caller1@example.org")
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calling").click()
    assert_accessible(page)
    page.get_by_role("link", name=world.session.title).click()
    assert_accessible(page)
    page.get_by_role("button", name="Start calling").click()
    page.locator("#pb-name", has_text="Callee").wait_for()
    assert_accessible(page)
    _home(page)


def test_teller_goes_from_home_to_their_station(live_server, page):
    build_telling_world()
    _volunteer_sign_in(page, live_server.url, "teller@example.org")
    assert_accessible(page)
    page.get_by_role("link", name="Tell at").first.click()
    page.get_by_label("Polling station").wait_for()
    assert_accessible(page)


def test_member_corrects_their_own_record(live_server, page):
    world = canvass_world()
    person = PersonFactory(unit=world.clp, given_name="Mo", family_name="Member")
    member = user_with_role(Role.MEMBER, world.clp, email="member-j@example.org")
    member.person = person
    member.save()
    _volunteer_sign_in(page, live_server.url, "member-j@example.org")
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My record").click()
    assert_accessible(page)
    page.get_by_label("Town").fill("Reading")
    page.get_by_role("button", name="Save my record").click()
    page.get_by_text("Your record has been updated.").wait_for()
    assert_accessible(page)
    _home(page)


def test_coordinator_goes_from_home_to_the_polling_day_board(live_server, desktop):
    page = desktop
    world = build_telling_world()
    coordinator = user_with_role(Role.COORDINATOR, world.day.unit, email="coordinator-j@example.org")
    TOTP.activate(coordinator, SECRET)
    sign_in(page, live_server.url, "coordinator-j@example.org", SECRET)
    page.get_by_role("heading", name="Hello").wait_for()
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Polling day").click()
    assert_accessible(page)
    page.get_by_role("link", name=world.day.name).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Board").first.click()
    assert_accessible(page)
    _home(page)


def test_data_protection_officer_finds_a_person_and_their_subject_access_export(live_server, desktop):
    page = desktop
    world = canvass_world()
    dpo = user_with_role(Role.DATA_PROTECTION_OFFICER, world.clp, email="dpo-j@example.org")
    TOTP.activate(dpo, SECRET)
    PersonFactory(unit=world.clp, given_name="Sam", family_name="Subject")
    sign_in(page, live_server.url, "dpo-j@example.org", SECRET)
    page.get_by_role("heading", name="Hello").wait_for()
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Sam Subject").click()
    page.get_by_role("heading", name="Sam Subject").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Subject access export").click()
    assert_accessible(page)
    _home(page)
