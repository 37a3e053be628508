"""Test data for canvassing: a constituency, its register, a campaign and walks written directly as rows.

(Walks are written as Walk/WalkStop rows so these tests do not depend on the walk-cutting engine.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.canvassing import services
from groundswell.canvassing.models import CanvassCampaign, Walk, WalkAssignment, WalkStop
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.questions.support_codes import ensure_default_support_codes
from groundswell.register.models import Elector, Property
from groundswell.tests.factories import UnitFactory, user_with_role


@dataclass
class World:
    constituency: Constituency
    national: OrganisationUnit
    clp: OrganisationUnit
    campaign: CanvassCampaign
    organiser: Any
    canvasser: Any
    other_canvasser: Any
    walk: Walk
    other_walk: Walk
    electors: list[Elector] = field(default_factory=list)  # on `walk`
    other_electors: list[Elector] = field(default_factory=list)  # on `other_walk`


def make_household(constituency: Constituency, pd: str, n: int, street: str = "High Street", **kw: Any) -> Property:
    return Property.objects.create(
        constituency=constituency,
        polling_district=pd,
        address_key=f"{n} {street.upper()} {pd}",
        address_lines=[f"{n} {street}", "Reading"],
        street=street,
        house_number=n,
        postcode="RG1 1AA",
        register_order=n,
        latitude=kw.pop("latitude", 51.45 + n / 10000),
        longitude=kw.pop("longitude", -0.97 + n / 10000),
        **kw,
    )


def make_elector(household: Property, number: int, suffix: int = 0, **kw: Any) -> Elector:
    return Elector.objects.create(
        constituency=household.constituency,
        polling_district=household.polling_district,
        number=number,
        suffix=suffix,
        forenames=kw.pop("forenames", f"Voter{number}"),
        surname=kw.pop("surname", "Example"),
        household=household,
        **kw,
    )


def make_walk(campaign: CanvassCampaign, name: str, households: list[Property], pd: str = "") -> Walk:
    walk = Walk.objects.create(campaign=campaign, name=name, polling_district=pd)
    WalkStop.objects.bulk_create(
        [WalkStop(walk=walk, household=h, campaign=campaign, order=i + 1) for i, h in enumerate(households)]
    )
    return walk


def build_world(ends_on: datetime.date | None = None) -> World:
    constituency = Constituency.objects.create(code="E14000888", name="Reading East")
    national = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    clp = UnitFactory(code="CLP-RE", name="Reading East CLP", kind=OrganisationUnit.Kind.CONSTITUENCY, parent=national)
    clp.constituency = constituency
    clp.save()
    ensure_default_support_codes(national, ours="L")
    organiser = user_with_role(Role.ORGANISER, clp, email="organiser@example.org")
    canvasser = user_with_role(Role.CANVASSER, clp, email="canvasser@example.org")
    other = user_with_role(Role.CANVASSER, clp, email="other@example.org")
    campaign = services.create_campaign(
        unit=clp,
        constituency=constituency,
        name="Spring canvass",
        starts_on=timezone.localdate() - datetime.timedelta(days=7),
        ends_on=ends_on,
    )
    homes = [make_household(constituency, "AA", n) for n in (1, 3, 5)]
    electors = []
    number = 1
    for h in homes:
        for _ in range(2):
            electors.append(make_elector(h, number))
            number += 1
    other_homes = [make_household(constituency, "AB", n, street="Mill Lane") for n in (2, 4)]
    other_electors = [make_elector(h, i + 1) for i, h in enumerate(other_homes)]
    walk = make_walk(campaign, "Walk 1", homes, pd="AA")
    other_walk = make_walk(campaign, "Walk 2", other_homes, pd="AB")
    WalkAssignment.objects.create(walk=walk, user=canvasser)
    WalkAssignment.objects.create(walk=other_walk, user=other)
    return World(
        constituency=constituency,
        national=national,
        clp=clp,
        campaign=campaign,
        organiser=organiser,
        canvasser=canvasser,
        other_canvasser=other,
        walk=walk,
        other_walk=other_walk,
        electors=electors,
        other_electors=other_electors,
    )
