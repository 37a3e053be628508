"""Projections on either boundary set, the shipped polls and covariates, and the final polls before polling day."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from groundswell.targeting.covariates import KNOWN_FROM, covariates_known_before, shipped_covariates
from groundswell.targeting.models import Poll, Projection
from groundswell.targeting.polls import PollImportError, final_polls, import_polls, import_shipped_polls, tracker

pytestmark = pytest.mark.django_db

SHARES = "CON=0.20,LAB=0.28,LD=0.12,RUK=0.27,GRN=0.09,SNP=0.025,PC=0.008"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("targeting", *args, stdout=out)
    return out.getvalue()


def test_project_from_2024_on_the_2024_set_and_save(tmp_path):
    out_file = tmp_path / "seats.csv"
    payload = json.loads(
        run(
            "project",
            "--base",
            "2024",
            "--shares",
            SHARES,
            "--sims",
            "200",
            "--seed",
            "1",
            "--out",
            str(out_file),
            "--save",
            "--json",
        )
    )
    assert payload["boundary_set"] == "2024" and payload["seats"] == 632
    rows = list(csv.DictReader(out_file.open()))
    # Keyed by the 2024 set's codes (the new seats are E14001…, S14000060+, W07000081+).
    assert all(r["ons_code"][:3] in ("E14", "S14", "W07") for r in rows)
    assert any(r["name"] == "Reading Central" for r in rows)
    assert all(not r["ons_code"].startswith("E140006") for r in rows)  # no 2010-set English codes
    saved = Projection.objects.get()
    assert saved.inputs["boundary_set"] == "2024" and saved.inputs["base_notional"] is False
    assert set(saved.seats) == {r["ons_code"] for r in rows}
    # RUK on --shares is Reform UK, the UKIP line's column.
    assert saved.inputs["gb"]["UKIP"] == pytest.approx(0.27)


def test_project_2019_notionals_on_the_2024_set(tmp_path):
    payload = json.loads(
        run("project", "--base", "2019", "--set", "2024", "--shares", SHARES, "--sims", "100", "--seed", "1", "--json")
    )
    assert payload["boundary_set"] == "2024" and payload["seats"] == 632
    on_2010 = json.loads(run("project", "--base", "2019", "--shares", SHARES, "--sims", "100", "--json"))
    assert on_2010["boundary_set"] == "2010"
    with pytest.raises(CommandError, match="2024 set"):
        run("project", "--base", "2024", "--set", "2010", "--shares", SHARES, "--sims", "10")


def test_shipped_polls_import_and_final_polls_use_nothing_from_polling_day():
    created, replaced, parsed = import_shipped_polls()
    assert created > 6000 and replaced == 0
    assert any("General Election" in s for s in parsed.skipped)  # results rows are not polls
    assert not Poll.objects.filter(pollster="General Election").exists()
    day = dt.date(2024, 7, 4)
    final = final_polls(day)
    assert final["LAB"] == pytest.approx(0.389, abs=0.01) and final["UKIP"] == pytest.approx(0.163, abs=0.01)
    # A poll published on polling day (or after) changes nothing.
    Poll.objects.create(
        pollster="Late", fieldwork_start=day, fieldwork_end=day, area="GB", shares={"CON": 0.9, "LAB": 0.1}
    )
    assert final_polls(day) == final
    # The tracker estimates house effects across 2010–2024.
    found = tracker("GB", window=14, since=dt.date(2023, 7, 1), before=day)
    assert "YouGov" in found.house_effects and abs(found.house_effects["YouGov"]["LAB"]) < 0.05


def test_text_in_a_numeric_column_names_the_row_and_writes_nothing():
    header = "date_started,date_concluded,pollster,area,sample_size,labour,conservative,reform_uk\n"
    good = "2024-06-01,2024-06-02,YouGov,GB,2000,40,20,15\n"
    for bad, expected in [
        ("2024-06-03,2024-06-04,Ipsos,GB,2000,forty,20,15\n", r"row 3: labour share 'forty' is not a number"),
        ("2024-06-03,2024-06-04,Ipsos,GB,lots,40,20,15\n", r"row 3: sample size 'lots' is not a number"),
        ("2024-06-03,notadate,Ipsos,GB,2000,40,20,15\n", r"row 3: fieldwork end 'notadate' is not a date"),
    ]:
        with pytest.raises(PollImportError, match=expected):
            import_polls(header + good + bad)
        assert not Poll.objects.exists()
    # Placeholders and a thousands separator written as a point are not errors.
    more = "2024-06-03,2024-06-04,Ipsos,UK,2.076,40,20,15\n2024-06-05,2024-06-06,X,GB,TBC,40,20,15\n"
    import_polls(header + good + more)
    assert sorted(Poll.objects.values_list("sample_size", flat=True), key=lambda v: v or 0) == [None, 2000, 2076]


def test_shipped_covariates_for_both_sets_and_their_dates():
    values = shipped_covariates()
    leave = values["leave"]
    assert leave["E14000582"] == pytest.approx(0.756)  # Boston and Skegness, 2010 set
    assert leave["W07000081"] == pytest.approx(0.614, abs=0.001)  # Aberafan Maesteg, 2024 set
    assert 0.1 < values["degree"]["E14000582"] < values["degree"]["E14000720"]  # Hackney North has more graduates
    assert all(name in KNOWN_FROM for name in values)
    assert "leave" not in covariates_known_before(dt.date(2015, 5, 7), values)  # the referendum came after 2015
    assert "leave" in covariates_known_before(dt.date(2017, 6, 8), values)
    assert "over_65" not in covariates_known_before(dt.date(2019, 12, 12), values)  # 2021 census
