"""UKIP (to 2017) → Brexit Party (2019, BRX) → Reform UK (2024, RUK) is one line wherever swing is measured."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.targeting.models import Poll
from groundswell.targeting.parties import (
    code_for_year,
    label_for_year,
    lineage,
    normalise_party,
    parse_shares,
)
from groundswell.targeting.services import parse_inputs


def test_the_lineage_map_joins_ukip_brexit_and_reform():
    assert lineage("RUK") == lineage("BRX") == lineage("UKIP") == "UKIP"
    assert lineage("CON") == "CON" and lineage("DUP") == "OTH"
    assert [code_for_year("UKIP", y) for y in (2015, 2017, 2019, 2024)] == ["UKIP", "UKIP", "BRX", "RUK"]
    assert [label_for_year("UKIP", y) for y in (2015, 2019, 2024)] == ["UKIP", "Brexit Party", "Reform UK"]
    assert label_for_year("RUK", 2024) == "Reform UK" and label_for_year("LAB", 2024) == "Labour"


def test_ruk_and_brx_are_accepted_as_names():
    assert normalise_party("RUK") == normalise_party("BRX") == normalise_party("Reform UK") == "UKIP"


def test_shares_given_as_ruk_project_exactly_as_ukip():
    assert parse_shares("CON=0.25,LAB=0.35,RUK=0.15") == parse_shares("CON=0.25,LAB=0.35,UKIP=0.15")
    ruk = parse_inputs("CON=24,LAB=34,LD=12,RUK=16", "Scotland:SNP=30,RUK=7")
    ukip = parse_inputs("CON=24,LAB=34,LD=12,UKIP=16", "Scotland:SNP=30,UKIP=7")
    assert ruk == ukip


@pytest.mark.django_db
def test_the_polls_command_names_a_row_with_text_in_a_number_column(tmp_path):
    polls = tmp_path / "polls.csv"
    header = "pollster,fieldwork_end,sample_size,Con,Lab,RUK\n"
    polls.write_text(header + "YouGov,2026-10-01,1000,24,30,20\nSavanta,2026-10-02,about 2k,25,31,19\n")
    with pytest.raises(CommandError, match="row 3: sample size 'about 2k' is not a number"):
        call_command("targeting", "import_polls", str(polls))
    polls.write_text(header + "YouGov,2026-10-01,1000,24,30,20\nSavanta,2026-10-02,2000,25,thirty,19\n")
    with pytest.raises(CommandError, match="row 3: Lab share 'thirty' is not a number"):
        call_command("targeting", "import_polls", str(polls))
    assert not Poll.objects.exists()
    polls.write_text(header + "YouGov,2026-10-01,1000,24,30,20\n")
    call_command("targeting", "import_polls", str(polls))
    assert Poll.objects.get().shares["UKIP"] == pytest.approx(0.2)  # a Reform UK column is UKIP's line
