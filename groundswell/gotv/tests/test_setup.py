"""Setting up a polling day: validation in the services, and the set-up pages (access, forms, audit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import CanvassCampaign
from groundswell.gotv import services
from groundswell.gotv.models import CommitteeRoom, PollingDay, PollingStation
from groundswell.tests.factories import UserFactory, user_with_role

from .test_board_world import DAY, build, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build()


# ---------------------------------------------------------------- services


def test_a_district_votes_at_one_station(world):
    with pytest.raises(ValidationError, match="AA"):
        services.add_station(world.day, name="Second hall", polling_districts=["AA"], actor=world.organiser)
    assert PollingStation.objects.filter(polling_day=world.day).count() == 2
    # Moving a district needs it taken off the first station; a station keeps its own districts when edited.
    with pytest.raises(ValidationError):
        services.update_station(world.station_b, polling_districts=["AA", "AB"])
    services.update_station(world.station_a, name="Abbey Hall (main door)", polling_districts=["AA"])
    world.station_a.refresh_from_db()
    assert world.station_a.name == "Abbey Hall (main door)"


def test_station_districts_must_be_the_constituencys(world):
    with pytest.raises(ValidationError, match="ZZ9"):
        services.update_station(world.station_a, polling_districts=["AA", "zz9"])
    with pytest.raises(ValidationError):
        services.add_station(world.day, name="Empty", polling_districts=[])


def test_room_coordinator_must_hold_a_role_in_the_unit(world):
    outsider = user_with_role(Role.COORDINATOR, world.west)  # Reading West: not this unit
    nobody = UserFactory()  # no role anywhere
    for user in (outsider, nobody):
        with pytest.raises(ValidationError, match="coordinator"):
            services.update_committee_room(world.room_b, coordinator=user)
    inactive = user_with_role(Role.VOLUNTEER, world.branch, is_active=False)
    with pytest.raises(ValidationError, match="coordinator"):
        services.update_committee_room(world.room_b, coordinator=inactive)
    volunteer = user_with_role(Role.VOLUNTEER, world.branch)  # any role under the unit will do
    room = services.update_committee_room(world.room_b, coordinator=volunteer)
    assert room.coordinator == volunteer
    assert volunteer in services.eligible_coordinators(world.clp)
    assert outsider not in services.eligible_coordinators(world.clp)


def test_a_district_is_run_from_one_room(world):
    with pytest.raises(ValidationError, match="AB"):
        services.add_committee_room(world.day, name="Room C", polling_districts=["AB"])
    with pytest.raises(ValidationError):
        services.update_committee_room(world.room_a, polling_districts=["AA", "AB"])


def test_polling_day_needs_a_constituency_party_and_its_own_campaign(world):
    with pytest.raises(ValidationError, match="constituency"):
        services.create_polling_day(unit=world.national, name="National", election="parl.x", date=DAY)
    west_campaign = CanvassCampaign.objects.create(
        unit=world.west, constituency=world.west.constituency, name="West canvass"
    )
    with pytest.raises(ValidationError, match="another constituency"):
        services.create_polling_day(
            unit=world.clp, name="Day 2", election="local.2030", date=DAY, campaign=west_campaign
        )
    with pytest.raises(ValidationError, match="already has"):
        services.create_polling_day(unit=world.clp, name="Again", election="parl.2029-05-03", date=DAY)
    with pytest.raises(ValidationError, match="Unknown support codes"):
        services.create_polling_day(
            unit=world.clp, name="Day 3", election="local.2031", date=DAY, promise_rule={"support_codes": ["Q"]}
        )
    with pytest.raises(ValidationError, match="not a polling district"):
        services.update_polling_day(world.day, targets={"ZZ": 10})
    with pytest.raises(ValidationError, match="open before"):
        services.update_polling_day(world.day, polls_open=world.day.polls_close)
    assert PollingDay.objects.count() == 1


def test_changes_are_audited(world):
    created = AuditEntry.objects.filter(action=AuditEntry.Action.CREATED, object_type__startswith="gotv.")
    assert {e.object_type for e in created} == {"gotv.pollingday", "gotv.pollingstation", "gotv.committeeroom"}
    services.update_polling_day(world.day, targets={"AA": 7, "AB": ""}, actor=world.organiser)
    world.day.refresh_from_db()
    assert world.day.targets == {"AA": 7}
    last = AuditEntry.objects.order_by("-sequence").first()
    assert last.action == AuditEntry.Action.CHANGED and last.object_type == "gotv.pollingday"
    assert last.unit_path == world.clp.path


# ---------------------------------------------------------------- pages


def test_organiser_sets_up_a_day_through_the_pages(client, world):
    signed_in(client, world.organiser)
    response = client.post(
        reverse("gotv:day_create"),
        {
            "unit": world.clp.pk,
            "name": "By-election day",
            "election": "parl.by.2030-02-01",
            "date": "2030-02-01",
            "polls_open": "07:00",
            "polls_close": "22:00",
            "campaign": world.campaign.pk,
            "support_codes": ["L"],
            "min_likelihood": "6",
        },
    )
    day = PollingDay.objects.get(election="parl.by.2030-02-01")
    assert response.status_code == 302 and response["Location"] == reverse("gotv:day", args=[day.pk])
    assert day.promise_rule == {"support_codes": ["L"], "min_likelihood": 6}

    response = client.post(
        reverse("gotv:station_create", args=[day.pk]),
        {"name": "Abbey Hall", "address": "1 Abbey Street", "postcode": "rg1 1aa", "polling_districts": ["AA", "AB"]},
    )
    assert response.status_code == 302
    station = day.stations.get()
    assert station.polling_districts == ["AA", "AB"] and station.postcode == "RG1 1AA"

    # A second station for AB is refused with the reason on the form, and nothing is saved.
    response = client.post(
        reverse("gotv:station_create", args=[day.pk]), {"name": "Second", "polling_districts": ["AB"]}
    )
    assert response.status_code == 200
    assert "votes at one station" in response.content.decode()
    assert day.stations.count() == 1

    response = client.post(
        reverse("gotv:room_create", args=[day.pk]),
        {"name": "Front room", "coordinator": world.coordinator.pk, "polling_districts": ["AA"]},
    )
    assert response.status_code == 302
    room = day.committee_rooms.get()
    assert room.coordinator == world.coordinator

    response = client.post(
        reverse("gotv:room_edit", args=[room.pk]),
        {"name": "Front room", "coordinator": world.coordinator.pk, "polling_districts": ["AA", "AB"]},
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.polling_districts == ["AA", "AB"]

    page = client.get(reverse("gotv:day", args=[day.pk])).content.decode()
    assert "Abbey Hall" in page and "Front room" in page
    assert reverse("gotv:board", args=[day.pk]) in page
    assert reverse("gotv:telling", args=[day.pk]) in page  # the telling engineer's page, linked when present
    assert AuditEntry.objects.filter(action="viewed", object_type="gotv.pollingday", object_id=str(day.pk)).exists()


def test_day_edit_saves_targets(client, world):
    signed_in(client, world.organiser)
    url = reverse("gotv:day_edit", args=[world.day.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": world.day.name,
            "election": world.day.election,
            "date": DAY.isoformat(),
            "polls_open": "07:00",
            "polls_close": "22:00",
            "support_codes": ["L"],
            "min_likelihood": "5",
            "target_AA": "40",
            "target_AB": "",
        },
    )
    assert response.status_code == 302
    world.day.refresh_from_db()
    assert world.day.targets == {"AA": 40}


def test_set_up_pages_refuse_those_who_do_not_run_the_day(client, world):
    teller = user_with_role(Role.TELLER, world.clp)
    west_coordinator = user_with_role(Role.COORDINATOR, world.west)
    urls = [
        reverse("gotv:day", args=[world.day.pk]),
        reverse("gotv:day_edit", args=[world.day.pk]),
        reverse("gotv:station_create", args=[world.day.pk]),
        reverse("gotv:station_edit", args=[world.station_a.pk]),
        reverse("gotv:room_create", args=[world.day.pk]),
        reverse("gotv:room_edit", args=[world.room_a.pk]),
    ]
    for user in (teller, west_coordinator, world.coordinator):  # a branch coordinator does not run the CLP's day
        client.logout()
        signed_in(client, user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        response = client.post(
            reverse("gotv:station_create", args=[world.day.pk]), {"name": "X", "polling_districts": ["AA"]}
        )
        assert response.status_code == 403
    assert PollingStation.objects.filter(name="X").count() == 0
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_polling_day_list_for_each_kind_of_user(client, world):
    signed_in(client, world.organiser)
    page = client.get(reverse("gotv:days")).content.decode()
    assert f'href="{reverse("gotv:day", args=[world.day.pk])}"' in page
    assert reverse("gotv:day_create") in page

    client.logout()
    teller = user_with_role(Role.TELLER, world.clp)
    client.force_login(teller)
    page = client.get(reverse("gotv:days")).content.decode()
    assert f'href="{reverse("gotv:day", args=[world.day.pk])}"' not in page  # no set-up for tellers
    assert reverse("gotv:telling", args=[world.day.pk]) in page
    assert reverse("gotv:day_create") not in page

    client.logout()
    signed_in(client, world.coordinator)
    page = client.get(reverse("gotv:days")).content.decode()
    assert reverse("gotv:room_board", args=[world.room_a.pk]) in page
    assert reverse("gotv:room_board", args=[world.room_b.pk]) not in page
    assert AuditEntry.objects.filter(action="viewed", detail__page="polling day list").count() == 3


def test_rooms_coordinated_by_drops_a_coordinator_who_lost_their_role(world):
    assert list(services.rooms_coordinated_by(world.coordinator)) == [world.room_a]
    world.coordinator.roles.all().delete()
    assert not services.rooms_coordinated_by(world.coordinator).exists()
    assert CommitteeRoom.objects.get(pk=world.room_a.pk).coordinator == world.coordinator
