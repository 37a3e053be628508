"""Property tests of the donations CSV parser and import: any text gives an answer per row and never an exception;
amounts are exact pence or refused; a good row is recorded whatever its neighbours hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.donations.imports import import_donations, parse_rows
from groundswell.donations.models import Donation
from groundswell.donations.rules import parse_pence
from groundswell.people.models import OrganisationUnit
from groundswell.tests.factories import UnitTreeFactory

HEADER = "accounting_unit,donor_type,full_name,address_line1,postcode,amount,received_on,channel,reference"
GOOD = "NAT,individual,Ada Lovelace,12 Abbey Road,RG1 1AA,{amount},2024-05-01,cheque,{ref}"
cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_text_parses_to_rows_or_file_errors_without_raising(text):
    rows, problems = parse_rows(text)
    assert isinstance(problems, list)
    for row in rows:
        assert row.line >= 1
        assert row.errors or (row.amount_pence > 0 and row.received_on is not None)


@given(st.lists(st.lists(cells, min_size=1, max_size=12), max_size=8))
@settings(max_examples=150, deadline=None)
def test_rows_under_a_good_header_each_get_an_answer(table):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER.split(","), *table])
    rows, problems = parse_rows(out.getvalue())
    assert not problems
    assert len(rows) <= len(table)


@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), allow_nan=False, places=3))
@settings(max_examples=200, deadline=None)
def test_amounts_are_exact_pence_or_refused(value):
    try:
        pence = parse_pence(str(value))
    except ValidationError:
        assert value <= 0 or (value * 100) % 1 != 0
    else:
        assert Decimal(pence) == value * 100 and pence > 0


@pytest.mark.django_db
@given(st.lists(st.sampled_from(["good", "bad_amount", "no_address", "junk"]), min_size=1, max_size=6))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_bad_row_never_loses_a_good_one(kinds):
    Donation.objects.all().delete()
    if not OrganisationUnit.objects.filter(code="NAT").exists():
        UnitTreeFactory.build_tree()
    lines = [HEADER]
    for i, kind in enumerate(kinds):
        if kind == "good":
            lines.append(GOOD.format(amount="600.00", ref=f"R{i}"))
        elif kind == "bad_amount":
            lines.append(GOOD.format(amount="6.001", ref=f"R{i}"))
        elif kind == "no_address":
            lines.append(f"NAT,individual,Ada,,,900,2024-05-01,cash,R{i}")
        else:
            lines.append("garbage;;row,,,,")
    results, _ = import_donations("\n".join(lines), actor=None, allowed_units=[_national()])
    recorded = [r for r in results if r.outcome == "recorded"]
    assert len(recorded) == Donation.objects.count() == kinds.count("good")
    assert len(results) == len(kinds)
    assert set(Donation.objects.values_list("received_on", flat=True)) <= {dt.date(2024, 5, 1)}


def _national() -> OrganisationUnit:
    return OrganisationUnit.objects.get(code="NAT")
