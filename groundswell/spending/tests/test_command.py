"""`groundswell spending limit` as the issue specifies it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from groundswell.geography.models import Constituency
from groundswell.spending.models import Candidacy
from groundswell.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict:
    out = StringIO()
    call_command("spending", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_county_worked_example_json():
    data = run("limit", "--election", "parl.2024-07-04", "--constituency", "E14001201", "--electorate", "69943",
               "--json")  # fmt: skip
    assert data["limit"] == "19783.16"
    assert data["fixed"] == "11390.00" and data["per_elector"] == "0.12"
    assert data["electorate"] == 69943 and data["constituency_type"] == "county"


def test_borough_worked_example_json():
    data = run("limit", "--election", "parl.2024-07-04", "--constituency", "E14001124", "--electorate", "77874",
               "--json")  # fmt: skip
    assert data["limit"] == "17619.92" and data["constituency_type"] == "borough"


def test_long_period_with_dissolution():
    data = run("limit", "--election", "parl.2024-07-04", "--constituency", "E14001124", "--electorate", "77874",
               "--period", "long", "--dissolved", "2024-08-01", "--json")  # fmt: skip
    assert data["scaled_percent"] == 60
    assert data["limit"] == "27869.95"  # (40,220.00 + 0.08 × 77,874) × 60%, rounded down


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--election", "parl.2024-13-40", "--constituency", "E14001124", "--electorate", "1"], "election"),
        (["--election", "nonsense", "--constituency", "E14001124", "--electorate", "1"], "election"),
        (["--election", "parl.2024-07-04", "--constituency", "E99999999", "--electorate", "1"], "constituency"),
        (["--election", "parl.2024-07-04", "--constituency", "E14001124", "--electorate", "-4"], "electorate"),
        (["--election", "parl.2024-07-04", "--constituency", "E14001124"], "electorate"),
        (["--election", "parl.2024-07-04", "--constituency", "E14001124", "--electorate", "1", "--period", "long"],
         "no long campaign"),
        (["--election", "parl.2024-07-04", "--constituency", "E14001124", "--electorate", "1", "--dissolved", "x"],
         "dissolved"),
    ],
)  # fmt: skip
def test_bad_input_exits_non_zero_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("spending", "limit", *args, "--json", stdout=StringIO())


def test_dates_command():
    out = StringIO()
    call_command("spending", "dates", "--election", "parl.2024-07-04", "--json", stdout=out)
    rows = {r["label"]: r["date"] for r in json.loads(out.getvalue())["dates"]}
    assert rows["Spending return and invoices to the returning officer"] == "2024-08-09"


def test_open_a_ledger_from_the_command_line():
    Constituency.objects.create(code="E14001124", name="Brentford and Isleworth", boundary_set_id="2024")
    UnitFactory(code="CLP-BI", kind="constituency", name="B&I CLP")
    with pytest.raises(CommandError, match="--electorate_source"):
        call_command("spending", "open", "--election", "parl.2024-07-04", "--constituency", "E14001124",
                     "--unit", "CLP-BI", "--electorate", "77874", stdout=StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="--constituency"):
        call_command("spending", "open", "--election", "parl.2024-07-04", "--constituency", "E14009999",
                     "--unit", "CLP-BI", "--electorate", "1", "--source", "x", stdout=StringIO())  # fmt: skip
    call_command("spending", "open", "--election", "parl.2024-07-04", "--constituency", "E14001124", "--unit",
                 "CLP-BI", "--electorate", "77874", "--source", "RO notice", "--class", "marginal",
                 stdout=StringIO())  # fmt: skip
    c = Candidacy.objects.get()
    assert (c.area_type, c.electorate, c.seat_class) == ("borough", 77874, "marginal")
