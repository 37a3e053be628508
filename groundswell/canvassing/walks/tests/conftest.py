"""A small register laid out as streets (with a block of flats), a campaign, and the people who work it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.canvassing.models import CanvassCampaign
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Elector, Property
from groundswell.tests.factories import UnitFactory, user_with_role

M_LAT = 1 / 111_320


@dataclass
class Register:
    constituency: Constituency
    national: OrganisationUnit
    clp: OrganisationUnit
    sibling: OrganisationUnit
    campaign: CanvassCampaign
    households: list[Property]


def build_register(constituency: Constituency, streets: int = 6, houses_per_side: int = 12) -> list[Property]:
    """`streets` east-west streets 150 m apart, odd numbers north, even south; No. 1 of the first
    street is a block of 8 flats. Each household has two electors (the flats one each)."""
    households: list[Property] = []
    next_number: dict[str, int] = {}
    for s in range(streets):
        pd = "AA" if s < streets // 2 else "AB"
        lat = 51.45 + s * 150 * M_LAT
        m_lon = M_LAT / math.cos(math.radians(lat))
        for i in range(houses_per_side):
            for odd in (True, False):
                number = 2 * i + (1 if odd else 2)
                flats = [f"Flat {f}" for f in range(1, 9)] if (s == 0 and number == 1) else [""]
                for label in flats:
                    households.append(
                        Property(
                            constituency=constituency,
                            polling_district=pd,
                            address_key=f"{label}|{number}|street {s}",
                            address_lines=[", ".join(x for x in (label, f"{number} Street {s}") if x), "Reading"],
                            street=f"Street {s}",
                            house_number=number,
                            house_label=label,
                            latitude=lat + (10 if odd else -10) * M_LAT,
                            longitude=-0.97 + i * 12 * m_lon,
                            register_order=len(households),
                        )
                    )
    Property.objects.bulk_create(households)
    households = list(Property.objects.filter(constituency=constituency).order_by("register_order"))
    electors = []
    for h in households:
        for k in range(1 if h.house_label else 2):
            n = next_number.get(h.polling_district, 0) + 1
            next_number[h.polling_district] = n
            electors.append(
                Elector(
                    constituency=constituency,
                    polling_district=h.polling_district,
                    number=n,
                    forenames=f"Voter{n}",
                    surname="Example" if k == 0 else "Sample",
                    household=h,
                )
            )
    Elector.objects.bulk_create(electors)
    return households


@pytest.fixture
def register(db) -> Register:
    constituency = Constituency.objects.create(code="E14000888", name="Reading East")
    national = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    clp = UnitFactory(code="CLP-RE", name="Reading East CLP", kind="constituency", parent=national)
    sibling = UnitFactory(code="CLP-RW", name="Reading West CLP", kind="constituency", parent=national)
    campaign = CanvassCampaign.objects.create(unit=clp, constituency=constituency, name="Spring canvass")
    return Register(constituency, national, clp, sibling, campaign, build_register(constituency))


def signed_in(client, role: str, unit: OrganisationUnit):
    """A logged-in user with `role` at `unit` (with two-factor set up, as privileged roles must)."""
    user = user_with_role(role, unit)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return user


@pytest.fixture
def organiser(client, register):
    return signed_in(client, Role.ORGANISER, register.clp)
