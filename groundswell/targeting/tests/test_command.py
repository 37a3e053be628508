"""`groundswell targeting …`: one command, subcommands, clear errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from groundswell.targeting.models import Covariate, Poll, Projection, Result
from groundswell.targeting.parties import PARTIES

pytestmark = pytest.mark.django_db

SHARES = "CON=0.38,LAB=0.32,LD=0.1,UKIP=0.1,GRN=0.04"
NATIONS = "Scotland:SNP=0.369,CON=0.286,LAB=0.271,LD=0.068;Wales:LAB=0.489,CON=0.336,PC=0.104,LD=0.045"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("targeting", *args, stdout=out)
    return out.getvalue()


def test_project_loads_results_on_first_use_and_writes_the_seat_table(tmp_path):
    assert not Result.objects.exists()
    out_file = tmp_path / "seats.csv"
    payload = json.loads(
        run(
            "project",
            "--base",
            "2015",
            "--shares",
            SHARES,
            "--nation-shares",
            NATIONS,
            "--sims",
            "500",
            "--seed",
            "4",
            "--out",
            str(out_file),
            "--json",
        )
    )
    assert Result.objects.exists()
    assert payload["seats"] == 632 and payload["sims"] == 500
    totals = payload["totals"]
    assert sum(t["point"] for t in totals.values()) == 632
    assert all(t["p5"] <= t["median"] <= t["p95"] for t in totals.values())
    rows = list(csv.DictReader(out_file.open()))
    assert len(rows) == 632
    assert list(rows[0])[:3] == ["ons_code", "name", "winner"]
    assert [c for c in rows[0] if c.startswith("share_")] == [f"share_{p}" for p in PARTIES]
    assert [c for c in rows[0] if c.startswith("p_win_")] == [f"p_win_{p}" for p in PARTIES]
    assert all(abs(sum(float(r[f"share_{p}"]) for p in PARTIES) - 1) < 1e-3 for r in rows)
    buckingham = next(r for r in rows if r["ons_code"] == "E14000608")
    assert buckingham["winner"] == "SPK"


def test_project_is_reproducible_with_a_seed(results):
    first = json.loads(run("project", "--base", "2017", "--shares", SHARES, "--sims", "300", "--seed", "9", "--json"))
    again = json.loads(run("project", "--base", "2017", "--shares", SHARES, "--sims", "300", "--seed", "9", "--json"))
    assert first["totals"] == again["totals"]


def test_project_can_save_for_the_pages(results):
    text = run("project", "--base", "2019", "--shares", SHARES, "--sims", "200", "--save", "--label", "autumn")
    assert "Saved as projection" in text and "90% interval" in text
    assert Projection.objects.get().label == "autumn"


def test_bad_shares_are_a_clear_error(results):
    with pytest.raises(CommandError, match="unknown party 'WHIG'"):
        run("project", "--base", "2019", "--shares", "CON=0.4,WHIG=0.1")
    with pytest.raises(CommandError, match="Ulster"):
        run("project", "--base", "2019", "--shares", SHARES, "--nation-shares", "Ulster:DUP=0.3")


def test_backtest_refuses_elections_on_older_boundaries(results):
    with pytest.raises(CommandError, match="2010"):
        run("backtest", "--base", "2005", "--target", "2010")


def test_import_polls_and_covariates(tmp_path):
    polls = tmp_path / "polls.csv"
    polls.write_text("pollster,fieldwork_start,fieldwork_end,sample_size,CON,LAB\nX,2026-10-01,2026-10-02,900,30,40\n")
    assert "Imported 1 polls" in run("import_polls", str(polls))
    assert Poll.objects.count() == 1
    cov = tmp_path / "cov.csv"
    cov.write_text("ons_code,name,leave,graduates\nE14000889,Reading East,38.5,45%\nE14000890,Reading West,50.1,30\n")
    assert "leave" in run("import_covariates", str(cov))
    assert Covariate.objects.get(ons_code="E14000889", name="graduates").value == 45
    bad = tmp_path / "bad.csv"
    bad.write_text("ons_code,leave\nE14000889,38\nnowhere,40\n")
    with pytest.raises(CommandError, match="row 3: 'NOWHERE' is not a Great Britain constituency code"):
        run("import_covariates", str(bad))
    assert Covariate.objects.count() == 4  # the earlier import is untouched


def test_a_missing_file_is_named():
    with pytest.raises(CommandError, match="nope.csv: no such file"):
        run("import_polls", "nope.csv")


def test_covariates_are_used_by_the_model_when_present(results):
    from groundswell.targeting.covariates import covariate_values
    from groundswell.targeting.engine import fit_model
    from groundswell.targeting.results import election_table

    # A made-up covariate that tracks where UKIP was strong in 2015: the model learns a coefficient for it.
    t = election_table(2015)
    ukip = t.shares[:, PARTIES.index("UKIP")]
    Covariate.objects.bulk_create(
        Covariate(ons_code=code, name="ukip_2015", value=float(v)) for code, v in zip(t.codes, ukip, strict=True)
    )
    model = fit_model(2017, covariate_values())
    assert "ukip_2015" in model.covariates
    assert model.covariates["ukip_2015"]["CON"] != 0
    assert not fit_model(2017).covariates  # and works without them


def test_the_demo_loads_results_and_a_projection_once():
    from groundswell.targeting.demo import DEMO_LABEL, build_targeting

    messages: list[str] = []
    build_targeting(messages.append, sims=200)
    build_targeting(messages.append, sims=200)
    assert Result.objects.filter(year=2019).exists()
    assert Projection.objects.filter(label=DEMO_LABEL).count() == 1
    assert len(messages) == 2  # the second run had nothing to do
