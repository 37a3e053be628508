"""Organisers' side: campaign settings and the target filter, building the call list, status, sessions."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client, override_settings
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.people.models import Membership, OrganisationUnit, Suppression, Tagging
from groundswell.phonebank import campaigns
from groundswell.phonebank.models import CallCampaign, CallTarget, PhonebankSession
from groundswell.tests.factories import (
    MembershipFactory,
    PersonFactory,
    PhoneFactory,
    TagFactory,
    UnitFactory,
    user_with_role,
)

from .world import build_world

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def login(user) -> Client:
    client = Client()
    TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


@pytest.fixture
def world():
    return build_world(people=4)


@pytest.fixture
def organiser(world):
    return login(world.organiser)


def form_data(world, **overrides) -> dict:
    data = {
        "name": "Saturday members' ring-round",
        "unit": world.clp.pk,
        "brief": "Thank them for being members.",
        "purpose": "member_contact",
        "window_start": "10:00",
        "window_end": "20:00",
        "max_attempts": "3",
        "lease_minutes": "15",
        "priority": "members_first",
        "retry_no_answer": "240",
        "retry_busy": "30",
        "retry_voicemail": "never",
        "retry_call_back": "requested",
    }
    data.update(overrides)
    return data


def test_an_organiser_creates_a_campaign_with_windows_retries_and_a_filter(world, organiser):
    tag = TagFactory(name="hospital-petition")
    Tagging.objects.create(person=world.people[0], tag=tag)
    data = form_data(
        world,
        tags=["hospital-petition"],
        day_sat_mode="custom",
        day_sat_start="11:00",
        day_sat_end="16:00",
        day_sun_mode="off",
    )
    response = organiser.post(reverse("phonebank:campaign_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = CallCampaign.objects.get(name="Saturday members' ring-round")
    assert response["Location"] == reverse("phonebank:campaign", args=[campaign.pk])
    assert campaign.unit == world.clp and campaign.purpose == "member_contact"
    assert campaign.window_by_day == {"sat": ["11:00", "16:00"], "sun": None}
    assert campaign.retry_rules["no_answer"] == 240 and campaign.retry_rules["voicemail"] is None
    assert campaign.retry_rules["call_back"] == "requested" and campaign.retry_rules["refused"] is None
    assert campaign.target_filter == {"tags": ["hospital-petition"], "priority": "members_first"}
    # A campaign starts with its own empty call script.
    assert campaign.question_set.purpose == "call" and not campaign.question_set.questions.exists()
    assert AuditEntry.objects.filter(action="created", object_type="phonebank.callcampaign").exists()


def test_the_edit_form_shows_the_saved_settings(world, organiser):
    campaign = world.campaign
    campaign.window_by_day = {"sun": None}
    campaign.save()
    page = organiser.get(reverse("phonebank:campaign_edit", args=[campaign.pk])).content.decode()
    assert re.search(r'name="day_sun_mode"[^>]*>.*?<option value="off" selected>', page, re.S)
    assert 'name="retry_no_answer" value="240"' in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"day_sat_mode": "custom", "day_sat_start": "08:00", "day_sat_end": "12:00"},
            "day_sat_start",
            "window_by_day[sat]: Calls are made between 09:00 and 21:00",
        ),
        (
            {"day_mon_mode": "custom", "day_mon_start": "15:00", "day_mon_end": "12:00"},
            "day_mon_start",
            "window_by_day[mon]: The calling window must start before it ends",
        ),
        ({"day_tue_mode": "custom", "day_tue_start": "10:00"}, "day_tue_start", "window_by_day[tue]: give both"),
        ({"window_end": "22:30"}, "window_end", "between 09:00 and 21:00"),
        ({"retry_busy": "soon"}, "retry_busy", "'soon' is not a number of minutes, 'never'."),
        ({"retry_busy": "requested"}, "retry_busy", "Only a call-back"),
        ({"retry_no_answer": "0"}, "retry_no_answer", "Retry after 1 to"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(world, organiser, overrides, field, message):
    response = organiser.post(reverse("phonebank:campaign_create"), form_data(world, **overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not CallCampaign.objects.filter(name="Saturday members' ring-round").exists()


def test_window_by_day_validation_names_the_day():
    with pytest.raises(Exception, match=r"window_by_day: unknown day 'funday'"):
        campaigns.clean_window_by_day({"funday": ["10:00", "12:00"]})
    with pytest.raises(Exception, match=r"window_by_day\[wed\]"):
        campaigns.clean_window_by_day({"wed": ["10:00", "25:00"]})


def test_the_unit_picker_offers_only_units_where_the_user_runs_phonebanks(world, organiser):
    elsewhere = UnitFactory(code="CLP-X", name="Elsewhere CLP", kind="constituency")
    page = organiser.get(reverse("phonebank:campaign_create")).content.decode()
    assert "Reading East CLP" in page and "Elsewhere CLP" not in page
    response = organiser.post(reverse("phonebank:campaign_create"), form_data(world, unit=elsewhere.pk))
    assert response.status_code == 400 and "unit" in response.context["form"].errors


def test_the_live_count_shows_matches_and_who_may_be_phoned_for_the_purpose(world, organiser):
    Suppression.objects.create(kind=Suppression.Kind.TPS, phone=world.people[0].phone_numbers.get().number)
    url = reverse("phonebank:filter_count")
    promo = organiser.get(url, {"unit": world.clp.pk, "purpose": "promotion"}).content.decode()
    assert re.search(r"<strong>4</strong> people match", promo)
    assert 'data-contactable="3"' in promo and "TPS-registered" in promo
    # Member contact is not direct marketing: the TPS does not apply.
    service = organiser.get(url, {"unit": world.clp.pk, "purpose": "member_contact"}).content.decode()
    assert 'data-contactable="4"' in service
    MembershipFactory(person=world.people[1], status=Membership.Status.LAPSED)
    lapsed = organiser.get(url, {"unit": world.clp.pk, "purpose": "promotion", "membership": ["lapsed"]})
    assert re.search(r"<strong>1</strong> person matches", lapsed.content.decode())


def test_building_the_call_list_runs_as_a_task_and_applies_the_priority_order(world, organiser):
    campaign = world.campaign
    newcomer = PersonFactory(unit=world.clp, given_name="New", family_name="Member")
    PhoneFactory(person=newcomer, number="+447700999001")
    MembershipFactory(person=newcomer, status=Membership.Status.ACTIVE)
    campaign.target_filter = {"priority": "members_first"}
    campaign.save()
    response = organiser.post(reverse("phonebank:build", args=[campaign.pk]), follow=True)
    assert "Call list built: 1 added" in response.content.decode()
    assert CallTarget.objects.get(campaign=campaign, person=newcomer).priority == 50
    assert set(
        CallTarget.objects.filter(campaign=campaign).exclude(person=newcomer).values_list("priority", flat=True)
    ) == {100}


def test_support_priority_puts_our_supporters_first_then_the_codes_order():
    from groundswell.geography.models import Constituency
    from groundswell.questions.models import SupportCode
    from groundswell.register.models import Elector

    world = build_world(people=3)
    for order, (code, category) in enumerate([("A", "against"), ("U", "undecided"), ("S", "ours")]):
        SupportCode.objects.create(unit=world.clp, code=code, label=code, category=category, order=order)
    con = Constituency.objects.create(code="E14000879", name="Reading East")
    for n, (person, code) in enumerate(zip(world.people, ["A", "S", "U"], strict=True), start=1):
        elector = Elector.objects.create(
            constituency=con, polling_district="AB1", number=n, surname="Smith", person=person, current_support=code
        )
        CallTarget.objects.filter(person=person).update(elector=elector)
    world.campaign.target_filter = {"priority": "support"}
    assert campaigns.apply_priority(world.campaign) == 3
    order = CallTarget.objects.filter(campaign=world.campaign).order_by("priority", "id")
    assert [t.elector.current_support for t in order] == ["S", "A", "U"]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_queued_build_shows_its_progress_until_a_worker_runs_it(world, organiser, monkeypatch):
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker drops "old" connections between tasks; inside the test's transaction that would be ours.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    campaign = world.campaign
    for i in range(3):
        PhoneFactory(person=PersonFactory(unit=world.clp), number=f"+44770098{i:04d}")
    response = organiser.post(reverse("phonebank:build", args=[campaign.pk]))
    assert "?build=" in response["Location"]
    result_id = response["Location"].split("?build=")[1]
    page = organiser.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 1s"' in page
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0)
    response = organiser.get(reverse("phonebank:build_status", args=[campaign.pk, result_id]), HTTP_HX_REQUEST="true")
    done = response.content.decode()
    assert "Call list built" in done and "3 added" in done and "every 1s" not in done
    assert response["HX-Refresh"] == "true"  # the page's counts update without a manual refresh
    page = organiser.get(f"{reverse('phonebank:campaign', args=[campaign.pk])}?build={result_id}").content.decode()
    assert "Call list built" in page and "every 1s" not in page  # the reloaded page does not poll (or reload) again
    assert CallTarget.objects.filter(campaign=campaign).count() == 4 + 3
    # Another campaign cannot read this build's progress.
    other = CallCampaign.objects.create(unit=world.clp, name="Other")
    assert (
        "not known here"
        in organiser.get(reverse("phonebank:build_status", args=[other.pk, result_id])).content.decode()
    )


def test_status_buttons_start_pause_and_finish(world, organiser):
    campaign = world.campaign
    url = reverse("phonebank:campaign_status", args=[campaign.pk])
    for status in ("paused", "active", "finished"):
        organiser.post(url, {"status": status})
        campaign.refresh_from_db()
        assert campaign.status == status
    empty = CallCampaign.objects.create(unit=world.clp, name="Empty")
    response = organiser.post(reverse("phonebank:campaign_status", args=[empty.pk]), {"status": "active"}, follow=True)
    assert "Build the call list before calling starts" in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_sessions_get_an_absolute_join_link_and_can_be_ended(world, organiser):
    campaign = world.campaign
    response = organiser.post(
        reverse("phonebank:session_create", args=[campaign.pk]),
        {
            "title": "Thursday evening",
            "starts_at": "2026-11-26T18:00",
            "ends_at": "2026-11-26T20:30",
            "brief": "Pizza at 7.",
        },
    )
    session = PhonebankSession.objects.get(title="Thursday evening")
    assert response["Location"] == reverse("phonebank:session", args=[session.pk])
    page = organiser.get(response["Location"]).content.decode()
    assert f'value="http://testserver{reverse("phonebank:join", args=[session.token])}"' in page
    assert "Copy link" in page and "Pizza at 7." in page
    organiser.post(reverse("phonebank:session_end", args=[session.pk]))
    session.refresh_from_db()
    assert not session.active
    bad = organiser.post(
        reverse("phonebank:session_create", args=[campaign.pk]),
        {"title": "Backwards", "starts_at": "2026-11-26T18:00", "ends_at": "2026-11-26T17:00"},
        follow=True,
    )
    assert "The session must end after it starts." in bad.content.decode()


def test_the_campaign_list_shows_only_campaigns_in_my_units(world, organiser):
    other = UnitFactory(code="CLP-Y", name="Other CLP", kind=OrganisationUnit.Kind.CONSTITUENCY)
    CallCampaign.objects.create(unit=other, name="Not mine")
    page = organiser.get(reverse("phonebank:campaigns")).content.decode()
    assert world.campaign.name in page and "Not mine" not in page
    assert 'href="/phonebank/campaigns/"' in page  # the nav link for organisers


def test_callers_do_not_see_the_organiser_pages(world):
    client = Client()
    client.force_login(world.caller)
    assert client.get(reverse("phonebank:campaigns")).status_code == 403
    assert client.get(reverse("phonebank:campaign", args=[world.campaign.pk])).status_code == 403


def test_an_organiser_of_a_coordinator_role_below_can_manage_too(world):
    coordinator = user_with_role(Role.COORDINATOR, world.clp, email="coord@example.org")
    assert login(coordinator).get(reverse("phonebank:campaign", args=[world.campaign.pk])).status_code == 200


def test_a_campaign_can_feed_a_voter_id_canvass_campaign_in_my_units(world, organiser):
    from groundswell.canvassing.models import CanvassCampaign
    from groundswell.geography.models import Constituency

    con = Constituency.objects.create(code="E14000879", name="Reading East")
    mine = CanvassCampaign.objects.create(unit=world.clp, name="Voter ID", constituency=con)
    theirs = CanvassCampaign.objects.create(unit=UnitFactory(), name="Elsewhere", constituency=con)
    response = organiser.post(reverse("phonebank:campaign_create"), form_data(world, canvass_campaign=theirs.pk))
    assert response.status_code == 400 and "canvass_campaign" in response.context["form"].errors
    response = organiser.post(reverse("phonebank:campaign_create"), form_data(world, canvass_campaign=mine.pk))
    assert response.status_code == 302
    assert CallCampaign.objects.get(name="Saturday members' ring-round").canvass_campaign == mine


def test_calling_hours_read_as_words(world, organiser):
    campaign = world.campaign
    page = organiser.get(reverse("phonebank:campaign", args=[campaign.pk])).content.decode()
    assert "Calls from 09:00 to 21:00" in page
    campaign.window_start = campaign.window_end = datetime.time(0, 0)
    campaign.save()
    page = organiser.get(reverse("phonebank:campaign", args=[campaign.pk])).content.decode()
    assert "Calls at any hour" in page and "00:00 to 00:00" not in page
