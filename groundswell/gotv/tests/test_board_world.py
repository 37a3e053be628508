"""A small hand-made polling day shared by the set-up and board tests (and a check that it is what they assume).

Reading East CLP (with a branch) runs a day for polling districts AA and AB: two stations, two committee rooms.
Reading West CLP is a sibling. Promises are L with likelihood 5 or more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.canvassing.models import CanvassCampaign
from groundswell.canvassing.tests.builders import make_elector, make_household
from groundswell.geography.models import Constituency
from groundswell.gotv import services
from groundswell.gotv.models import CommitteeRoom, PollingDay, PollingStation, TellingEntry
from groundswell.people.models import OrganisationUnit
from groundswell.questions.support_codes import ensure_default_support_codes
from groundswell.register.models import Elector
from groundswell.tests.factories import UnitFactory, user_with_role

DAY = datetime.date(2029, 5, 3)
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class World:
    constituency: Constituency
    national: OrganisationUnit
    clp: OrganisationUnit
    branch: OrganisationUnit
    west: OrganisationUnit
    campaign: CanvassCampaign
    organiser: Any
    coordinator: Any  # a branch coordinator: coordinates room_a
    day: PollingDay
    station_a: PollingStation
    station_b: PollingStation
    room_a: CommitteeRoom
    room_b: CommitteeRoom
    electors: dict[str, Elector] = field(default_factory=dict)  # "AA-1" → elector


def make_promise(elector: Elector, code: str = "L", likelihood: int | None = 8, **kw: Any) -> Elector:
    Elector.objects.filter(pk=elector.pk).update(
        current_support=code,
        current_likelihood=likelihood,
        current_support_at=timezone.now() - datetime.timedelta(days=20),
        last_contacted_at=timezone.now() - datetime.timedelta(days=20),
        **kw,
    )
    elector.refresh_from_db()
    return elector


def build(electors_per_district: int = 10) -> World:
    constituency = Constituency.objects.create(code="E14000889", name="Reading East")
    west_constituency = Constituency.objects.create(code="E14000890", name="Reading West")
    national = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    clp = UnitFactory(code="CLP-RE", name="Reading East CLP", kind="constituency", parent=national)
    clp.constituency = constituency
    clp.save()
    branch = UnitFactory(code="BR-RE1", name="Abbey branch", kind="branch", parent=clp)
    branch.constituency = constituency
    branch.save()
    west = UnitFactory(code="CLP-RW", name="Reading West CLP", kind="constituency", parent=national)
    west.constituency = west_constituency
    west.save()
    ensure_default_support_codes(clp, ours="L")
    campaign = CanvassCampaign.objects.create(unit=clp, constituency=constituency, name="Spring canvass")
    electors: dict[str, Elector] = {}
    for pd in ("AA", "AB"):
        for n in range(1, electors_per_district + 1):
            home = make_household(constituency, pd, n, street=f"{pd} Road")
            e = make_elector(home, n)
            electors[e.elector_number] = e
    organiser = user_with_role(Role.ORGANISER, clp)
    coordinator = user_with_role(Role.COORDINATOR, branch)
    day = services.create_polling_day(
        unit=clp,
        name="Test polling day",
        election="parl.2029-05-03",
        date=DAY,
        campaign=campaign,
        promise_rule={"support_codes": ["L"], "min_likelihood": 5},
        targets={"AA": 5},
        actor=organiser,
    )
    station_a = services.add_station(day, name="Abbey Hall", polling_districts=["AA"], actor=organiser)
    station_b = services.add_station(day, name="Baker Street School", polling_districts=["AB"], actor=organiser)
    room_a = services.add_committee_room(
        day, name="Room A", polling_districts=["AA"], coordinator=coordinator, actor=organiser
    )
    room_b = services.add_committee_room(day, name="Room B", polling_districts=["AB"], actor=organiser)
    return World(
        constituency, national, clp, branch, west, campaign, organiser, coordinator, day,
        station_a, station_b, room_a, room_b, electors,
    )  # fmt: skip


def entry(world: World, number: str, when: datetime.datetime, **kw: Any) -> TellingEntry:
    elector = kw.pop("elector", None) or world.electors.get(number)
    kw.setdefault("source", TellingEntry.Source.TELLER)
    return TellingEntry.objects.create(
        polling_day=world.day,
        elector=elector,
        raw_number=number,
        client_id=f"test-{number}-{when.isoformat()}-{TellingEntry.objects.count()}",
        entered_at=when,
        **kw,
    )


def signed_in(client: Any, user: Any) -> Any:
    TOTP.activate(user, TOTP_SECRET)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_world_is_what_the_tests_assume():
    world = build()
    assert world.day.constituency_id == world.constituency.pk
    assert world.day.promise_rule == {"support_codes": ["L"], "min_likelihood": 5}
    assert world.day.targets == {"AA": 5}
    assert sorted(services.day_districts(world.day)) == ["AA", "AB"]
