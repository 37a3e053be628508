"""Absent voters lists, marked registers, person matching, the synthetic register writer and the benchmark."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.audit.models import AuditEntry
from groundswell.people.normalise import normalise_name
from groundswell.register.bench import run as run_bench
from groundswell.register.importing import import_register
from groundswell.register.lists import import_absent_voters, import_marked_register
from groundswell.register.matching import link_elector, match_electors_to_people
from groundswell.register.models import Elector, TurnoutRecord
from groundswell.register.selectors import find_elector, live_electors
from groundswell.register.synthetic import write_synthetic_register
from groundswell.tests.factories import PersonFactory, UnitFactory

from .layouts import XPRESS_14, write, xpress14

REGISTER = "\n".join(
    [
        XPRESS_14,
        xpress14("AB1", 1, 0, "Okafor", "Adaeze Ngozi", "RG1 1AA", "12 Abbey Road", "Reading"),
        xpress14("AB1", 2, 0, "Okafor", "Chidi", "RG1 1AA", "12 Abbey Road", "Reading"),
        xpress14("AB1", 2, 1, "Nowak", "Zoë", "RG1 1AA", "Flat 3", "14 Abbey Road", "Reading"),
        xpress14("AB1", 3, 0, "Hughes", "Dafydd", "RG1 2BB", "1 Elm Road", "Reading"),
    ]
)


@pytest.fixture
def register(tmp_path, constituency, postcodes):
    report = import_register(write(tmp_path, "full.tsv", REGISTER), constituency)
    assert report.written, report.errors
    return constituency


def test_postal_and_proxy_lists(tmp_path, register):
    postal = write(
        tmp_path,
        "postal.csv",
        "Elector Number,Name,Postal Address 1,Postal Address 2\n"
        "AB1-1,Adaeze Okafor,Hall 4 University,Leeds\nAB1-2/1,Zoë Nowak,,\n",
    )
    report = import_absent_voters(postal, register)
    assert report.ok and report.kind == "postal" and report.changed == 2
    adaeze = find_elector(register, "AB1-1")
    assert adaeze.postal_voter and not adaeze.proxy_voter
    assert adaeze.absent_vote_detail["postal"]["postal_address"] == "Hall 4 University, Leeds"
    proxy = write(
        tmp_path, "proxy.csv", "PD,ENO,Suffix,Name,Proxy Name,Proxy Address\nAB1,3,,D Hughes,Gwen Hughes,1 Elm Road\n"
    )
    report = import_absent_voters(proxy, register)
    assert report.kind == "proxy" and report.changed == 1
    dafydd = find_elector(register, "AB1-3")
    assert dafydd.proxy_voter and dafydd.absent_vote_detail["proxy"]["proxy_name"] == "Gwen Hughes"
    # Idempotent, and a proxy postal list marks the elector as voting by proxy.
    assert import_absent_voters(proxy, register).unchanged == 1
    pp = write(tmp_path, "pp.csv", "Elector Number,Proxy Name,Postal Address\nAB1-2,Ann Lee,2 Oak Road\n")
    report = import_absent_voters(pp, register)
    assert report.kind == "proxy-postal" and find_elector(register, "AB1-2").proxy_voter
    assert AuditEntry.objects.filter(action="imported", object_type="register.registerimport").count() == 4 + 1


def test_absent_voters_unknown_numbers_are_reported_by_line_and_nothing_written(tmp_path, register, capsys):
    path = write(tmp_path, "postal.csv", "Elector Number,Name\nAB1-1,A Okafor\nAB1-99,Nobody\nnonsense,X\n")
    with pytest.raises(CommandError):
        call_command("import_absent_voters", str(path), "--constituency", register.code, "--json")
    data = json.loads(capsys.readouterr().out)
    assert [e["line"] for e in data["errors"]] == [3, 4]
    assert "no elector AB1-99" in data["errors"][0]["message"]
    assert not Elector.objects.filter(postal_voter=True).exists()


def test_marked_register_is_idempotent_and_fills_did_not_vote(tmp_path, register):
    path = write(tmp_path, "marked.csv", "Elector Number,Mark\nAB1-1,v\nAB1-2,X\nAB1-2/1,\n")
    report = import_marked_register(path, register, "parl.2024-07-04")
    assert report.ok and report.created == 4 and report.did_not_vote == 1
    marks = dict(TurnoutRecord.objects.values_list("elector__number", "mark").filter(elector__suffix=0))
    assert marks == {1: "v", 2: "x", 3: "0"}
    assert find_elector(register, "AB1-2/1").turnout.get().mark == "0"
    again = import_marked_register(path, register, "parl.2024-07-04")
    assert (again.created, again.changed, again.unchanged) == (0, 0, 4)
    assert TurnoutRecord.objects.count() == 4
    bad = write(tmp_path, "bad.csv", "Elector Number,Mark\nAB1-1,maybe\n")
    assert import_marked_register(bad, register, "parl.2024-07-04").errors[0][0] == 2
    assert import_marked_register(path, register, "2024 general").errors[0][0] == 0


def test_marked_register_command(tmp_path, register, capsys):
    path = write(tmp_path, "marked.csv", "PD\tENO\tMarked\nAB1\t1\tv\n")
    call_command(
        "import_marked_register", str(path), "--constituency", register.code, "--election", "local.2025-05-01", "--json"
    )
    data = json.loads(capsys.readouterr().out)
    assert data["created"] == 4 and data["errors"] == []


def test_matching_links_same_name_at_same_address_and_respects_hand_links(register):
    unit = UnitFactory()

    def person(given, family, line1, postcode="RG1 1AA", line2=""):
        return PersonFactory(
            unit=unit,
            given_name=given,
            family_name=family,
            normalised_name=normalise_name(given, family),
            address_line1=line1,
            address_line2=line2,
            postcode=postcode,
        )

    adaeze = person("Adaeze", "Okafor", "12 Abbey Rd")  # "Rd" is not "Road": no address match
    adaeze_exact = person("Adaeze", "Okafor", "12, Abbey Road")
    zoe = person("Zoe", "Nowak", "Flat 3", line2="14 Abbey Road")
    elsewhere = person("Dafydd", "Hughes", "99 Elm Road", postcode="RG1 2BB")
    chidi_a = person("Chidi", "Okafor", "12 Abbey Road")
    chidi_b = person("Chidi", "Okafor", "12 ABBEY ROAD")  # a duplicate record: ambiguous, so not linked
    result = match_electors_to_people(register)
    assert result["linked"] == 2 and result["ambiguous"] == 1
    assert find_elector(register, "AB1-1").person == adaeze_exact
    assert find_elector(register, "AB1-2/1").person == zoe
    assert find_elector(register, "AB1-2").person is None and find_elector(register, "AB1-3").person is None
    assert adaeze.electors.count() == 0 and elsewhere.electors.count() == 0
    # A hand-made link wins and is never overwritten.
    chidi = find_elector(register, "AB1-2")
    link_elector(chidi, chidi_b, actor=None)
    adaeze_elector = find_elector(register, "AB1-1")
    link_elector(adaeze_elector, None, actor=None)
    match_electors_to_people(register)
    chidi.refresh_from_db()
    adaeze_elector.refresh_from_db()
    assert chidi.person == chidi_b and chidi.person_link == Elector.Link.HAND and chidi_a.electors.count() == 0
    assert adaeze_elector.person is None
    assert AuditEntry.objects.filter(action="linked", object_type="register.elector").count() == 1


def test_write_synthetic_register_for_given_properties(tmp_path, constituency):
    properties = [
        {"address_lines": ["1 Demo Street", "Reading"], "postcode": "RG1 1AA", "polling_district": "DA1"},
        {"address_lines": ["2 Demo Street", "Reading"], "postcode": "RG1 1AA", "polling_district": "DA1"},
        {"address_lines": ["Flat 1", "3 Demo Street", "Reading"], "postcode": "RG1 2BB", "polling_district": "DA2"},
    ]
    path = tmp_path / "demo.tsv"
    written = write_synthetic_register(path, constituency, properties, n_electors=7, seed=3)
    assert written["electors"] == 7 and written["households"] == 3
    report = import_register(path, constituency, synthetic=True)
    assert report.ok and report.created == 7 and report.households == 3
    assert live_electors(constituency).filter(synthetic=True).count() == 7
    assert set(live_electors(constituency).values_list("polling_district", flat=True)) == {"DA1", "DA2"}


def test_bench_runs_small(db):
    figures = run_bench(size=400, progress=False)
    assert figures["electors"] == 400 and figures["update_changes"] == 10
    assert figures["register_import_s"] > 0 and figures["update_amended"] + figures["update_deleted"] > 0


def test_match_command(register, capsys):
    PersonFactory(
        unit=UnitFactory(),
        given_name="Dafydd",
        family_name="Hughes",
        normalised_name="dafydd hughes",
        address_line1="1 Elm Road",
        postcode="RG1 2BB",
    )
    call_command("match_electors", "--constituency", register.code, "--json")
    assert json.loads(capsys.readouterr().out) == {"linked": 1, "ambiguous": 0, "checked": 4}
    with pytest.raises(CommandError, match="no constituency"):
        call_command("match_electors", "--constituency", "E00000000")
