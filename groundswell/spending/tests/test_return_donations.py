"""The candidate's return carries their donations from the donations ledger (over £50 listed, smaller totalled)."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.donations import services as donations
from groundswell.donations.models import DonorDetails
from groundswell.spending.returns import _donations_part, build_return, return_pdf

from .world import build_world

pytestmark = pytest.mark.django_db


def test_the_return_lists_the_candidates_donations():
    w = build_world()
    au = donations.register_accounting_unit(w.units.clp_a)
    donor = DonorDetails(donor_type="individual", full_name="Grace Hopper", address_line1="1 Elm Road",
                         postcode="RG1 2BB")  # fmt: skip
    for pence in (2_000_00, 40_00):
        donations.record_donation(accounting_unit=au, amount_pence=pence, received_on=dt.date(2024, 6, 10),
                                  channel="cheque", donor=donor, recipient="candidate", candidate=w.seat_a)  # fmt: skip
    story = _donations_part(w.seat_a)
    table = story[1]
    assert table._cellvalues[1][0].text == "Grace Hopper" and table._cellvalues[1][-1] == "£2,000.00"
    assert "£40.00 in all" in story[-1].text
    assert return_pdf(build_return(w.seat_a)).startswith(b"%PDF")
