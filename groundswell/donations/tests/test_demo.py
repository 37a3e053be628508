"""The demo's donations: one impermissible returned to the donor, one above the reporting figure; built once."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.accounts.models import Role
from groundswell.donations.demo import build_donations_demo
from groundswell.donations.models import Donation
from groundswell.donations.reports import year_aggregation
from groundswell.geography.models import Constituency
from groundswell.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_ledger_has_an_impermissible_and_a_reportable_donation_and_is_built_once():
    seat = Constituency.objects.create(code="E14000889", name="Reading East", boundary_set_id="2010")
    national = UnitFactory(code="NATIONAL", kind="national", name="National")
    UnitFactory(code="CLP-E14000889", kind="constituency", name="Reading East CLP", parent=national,
                constituency=seat)  # fmt: skip
    user_with_role(Role.TREASURER, national, email="treasurer@example.org")
    local = build_donations_demo()
    returned = Donation.objects.get(status=Donation.Status.RETURNED)
    assert returned.returned_on and returned.checks.get().outcome == "impermissible"
    big = Donation.objects.get(reference="demo-company")
    assert big.status == "accepted" and big.amount_pence > 11_180_00
    year = big.received_on.year
    assert any(big.pk in g.donation_ids for g in year_aggregation(year).groups)
    assert Donation.objects.filter(is_donation=False).count() == 5
    assert any(d.overdue(dt.date.today()) for d in Donation.objects.filter(status="pending"))
    count = Donation.objects.count()
    assert build_donations_demo() == local and Donation.objects.count() == count
