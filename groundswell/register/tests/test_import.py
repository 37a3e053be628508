"""Applying register files to the database: households, deletions, updates, idempotency, refusals, the command."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.audit.models import AuditEntry
from groundswell.register.importing import import_register
from groundswell.register.models import Elector, Property, RegisterImport
from groundswell.register.selectors import find_elector, live_electors

from .layouts import (
    BEDFORD_FULL,
    HALAROSE_FULL,
    HALAROSE_UPDATE,
    IDOX_HEADER,
    XPRESS_14,
    XPRESS_UPDATE,
    idox_full,
    write,
    xpress14,
    xpress_update,
)

HOME = ("12 Abbey Road", "Reading")
FLAT = ("Flat 3, 12 Abbey Road", "Reading")
COTTAGE = ("Rose Cottage", "Mill Lane", "Reading")


def full_register(*extra: str) -> str:
    return "\n".join(
        [
            XPRESS_14,
            xpress14("AB1", 1, 0, "Okafor", "Adaeze", "RG1 1AA", *HOME),
            xpress14("AB1", 2, 0, "(z) Okafor", "Chidi", "RG1 1AA", *HOME, markers="G"),
            xpress14("AB1", 3, 0, "Nowak", "Zoë", "RG1 1AA", *FLAT),
            xpress14("AB1", 4, 0, "Hughes", "Dafydd", "RG9 9ZZ", *COTTAGE),
            xpress14("AB2", 1, 0, "Khan", "Aisha", "RG1 2BB", "1 Elm Road", "Reading"),
            *extra,
        ]
    )


@pytest.fixture
def loaded(tmp_path, constituency, postcodes):
    report = import_register(write(tmp_path, "full.tsv", full_register()), constituency)
    assert report.ok and report.written, report.errors
    return report


def test_full_import_creates_electors_and_households(loaded, constituency):
    assert loaded.format == "xpress-full-14"
    assert (loaded.created, loaded.electors, loaded.households) == (5, 5, 4)
    assert live_electors(constituency).count() == 5
    home = Property.objects.get(street="Abbey Road", house_number=12, house_label="12")
    assert home.latitude == 51.45 and home.register_order < Property.objects.get(house_label="Flat 3").register_order
    assert sorted(e.forenames for e in home.electors.all()) == ["Adaeze", "Chidi"]
    chidi = find_elector(constituency, "AB1-2")
    assert chidi.open_register_opt_out and chidi.surname == "Okafor" and chidi.markers == "G"
    cottage = Property.objects.get(house_label="Rose Cottage")
    assert cottage.house_number is None and cottage.street == "Mill Lane" and cottage.latitude is None
    # An unknown postcode is a warning, not an error.
    assert any("RG9 9ZZ" in message for _line, message in loaded.warnings)
    entry = AuditEntry.objects.filter(action="imported", object_type="register.registerimport").get()
    assert entry.object_id == str(loaded.import_id)


def test_full_reimport_is_idempotent_and_marks_missing_electors_deleted(tmp_path, loaded, constituency):
    again = import_register(write(tmp_path, "same.tsv", full_register() + "\n"), constituency)
    assert (again.created, again.amended, again.deleted, again.unchanged) == (0, 0, 0, 5)
    shorter = "\n".join(full_register().splitlines()[:-1])  # AB2-1 has left
    # One of five electors leaving is 20%, over the shrink guard's 10%: this small register says it is meant.
    report = import_register(write(tmp_path, "short.tsv", shorter), constituency, allow_shrink=True)
    assert report.deleted == 1 and report.unchanged == 4
    aisha = Elector.objects.get(forenames="Aisha")
    assert aisha.deleted_at is not None and aisha not in live_electors(constituency)
    # Re-added later: the same row comes back.
    back = import_register(write(tmp_path, "back.tsv", full_register()), constituency)
    assert back.reactivated == 1 and back.created == 0
    assert Elector.objects.filter(forenames="Aisha").get().pk == aisha.pk
    assert live_electors(constituency).filter(pk=aisha.pk).exists()


def test_number_given_to_someone_else_keeps_the_old_entry(tmp_path, loaded, constituency):
    text = full_register().replace("Khan\tAisha\tRG1 2BB\t1 Elm Road", "Ali\tOmar\tRG1 2BB\t9 Elm Road")
    report = import_register(write(tmp_path, "renumbered.tsv", text), constituency, allow_shrink=True)
    assert report.deleted == 1 and report.created == 1
    assert Elector.objects.get(forenames="Aisha").deleted_at is not None
    assert find_elector(constituency, "AB2-1").forenames == "Omar"


def update(*rows: str) -> str:
    return "\n".join([XPRESS_UPDATE, *rows])


def test_update_applies_each_operation_and_is_idempotent(tmp_path, loaded, constituency):
    text = update(
        xpress_update("AB1-2/1", "Ngozi", "Okafor", "RG1 1AA", HOME, created="Mar", month="March 2025"),
        xpress_update("AB1-3", "Zoë", "Nowak-Kelly", "RG1 1AA", FLAT, changed="Mar"),
        xpress_update("AB1-4", "Dafydd", "Hughes", "RG9 9ZZ", COTTAGE, deleted="Mar"),
        xpress_update("AB1-9", "Temp", "Visitor", "RG1 1AA", HOME, created="Mar", deleted="Mar"),
    )
    path = write(tmp_path, "update.csv", text, encoding="cp1252")
    report = import_register(path, constituency)
    assert report.format == "xpress-update" and report.encoding == "windows-1252"
    assert (report.created, report.amended, report.deleted, report.dropped) == (1, 1, 1, 1)
    assert report.month == "March 2025"
    ngozi = find_elector(constituency, "AB1-2/1")
    assert ngozi.household.house_label == "12" and ngozi.registered_month == "March 2025"
    assert find_elector(constituency, "AB1-3").surname == "Nowak-Kelly"
    assert find_elector(constituency, "AB1-4") is None and find_elector(constituency, "AB1-9") is None
    before = list(Elector.objects.order_by("pk").values_list("pk", "surname", "deleted_at", "updated_at"))
    again = import_register(path, constituency)
    assert again.already_applied and again.ok and RegisterImport.objects.filter(kind="update").count() == 1
    # The same changes in a different file (different bytes) change nothing either.
    copy = import_register(write(tmp_path, "copy.csv", text + "\n"), constituency)
    assert not copy.already_applied
    assert (copy.created, copy.amended, copy.deleted, copy.reactivated) == (0, 0, 0, 0)
    assert copy.unchanged == 3 and copy.dropped == 1
    assert list(Elector.objects.order_by("pk").values_list("pk", "surname", "deleted_at", "updated_at")) == before


def test_update_re_adds_a_deleted_elector(tmp_path, loaded, constituency):
    import_register(
        write(
            tmp_path, "d.csv", update(xpress_update("AB2-1", "Aisha", "Khan", "RG1 2BB", ["1 Elm Road"], deleted="Feb"))
        ),
        constituency,
    )
    aisha = Elector.objects.get(forenames="Aisha")
    assert aisha.deleted_at is not None
    report = import_register(
        write(
            tmp_path, "c.csv", update(xpress_update("AB2-1", "Aisha", "Khan", "RG1 2BB", ["1 Elm Road"], created="Mar"))
        ),
        constituency,
    )
    assert report.reactivated == 1 and report.created == 0
    aisha.refresh_from_db()
    assert aisha.deleted_at is None


def test_update_for_another_constituency_is_refused(tmp_path, loaded, constituency, other_constituency):
    elsewhere = update(xpress_update("ZZ9-1", "Ann", "Lee", "RG30 1AA", ["1 Oak Road"], created="Mar"))
    report = import_register(write(tmp_path, "other.csv", elsewhere), constituency)
    assert not report.ok and "another area" in report.errors[0][1] and "ZZ9" in report.errors[0][1]
    gss = update(xpress_update("AB1-5", "Ann", "Lee", "RG1 1AA", HOME, created="Mar", district="E14000890"))
    report = import_register(write(tmp_path, "gss.csv", gss), constituency)
    assert not report.ok and "E14000890" in report.errors[0][1]
    council = update(xpress_update("AB1-5", "Ann", "Lee", "RG1 1AA", HOME, created="Mar", opcs="E06000037"))
    report = import_register(write(tmp_path, "council.csv", council), constituency)
    assert not report.ok and "E06000037" in report.errors[0][1]
    # An update before any full register has nothing to amend.
    report = import_register(write(tmp_path, "first.csv", gss), other_constituency)
    assert not report.ok and "full register" in report.errors[0][1]
    assert live_electors(constituency).count() == 5 and not live_electors(other_constituency).exists()


def test_a_bad_row_means_nothing_is_written(tmp_path, constituency, postcodes):
    text = full_register(xpress14("AB2", 2, 0, "Lee", "Sam", "RG1 2BB", "3 Elm Road", dob="99/99/2027"))
    report = import_register(write(tmp_path, "bad.tsv", text), constituency)
    assert [line for line, _m in report.errors] == [7]
    assert not Elector.objects.exists() and not Property.objects.exists() and not RegisterImport.objects.exists()


def test_dry_run_counts_without_writing(tmp_path, constituency, postcodes):
    report = import_register(write(tmp_path, "full.tsv", full_register()), constituency, dry_run=True)
    assert report.created == 5 and report.households == 4 and not report.written
    assert not Elector.objects.exists() and not AuditEntry.objects.filter(action="imported").exists()


def test_other_layouts_import(tmp_path, constituency, postcodes):
    idox = "\n".join(
        ",".join(r)
        for r in [
            IDOX_HEADER,
            idox_full("KA1", 1, "(z) Patel", "Priya", ["Flat 3", "12 Abbey Road", "Reading"], "RG1 1AA"),
            idox_full("KA1", 2, "Patel", "Ravi", ["Flat 3", "12 Abbey Road", "Reading"], "RG1 1AA"),
        ]
    )
    report = import_register(write(tmp_path, "idox.csv", idox), constituency)
    assert report.format == "idox-full" and report.created == 2 and report.households == 1
    flat = Property.objects.get()
    assert (flat.street, flat.house_number, flat.house_label) == ("Abbey Road", 12, "Flat 3")

    def halarose(status, eno, first, tail):
        address = ["4 Oak Road", "Reading"] + [""] * 7
        return "\t".join(
            ["KA1", str(eno), status, "Mx", first, first[0], "Evans", "0", "", "", *address, "RG1 2BB", *tail]
        )

    text = "\n".join([HALAROSE_FULL, halarose("", 1, "Priya", [""]), halarose("", 3, "Rhys", [""])])
    # These tiny registers replace each other wholesale: past the shrink guard on purpose.
    report = import_register(write(tmp_path, "hal.tsv", text), constituency, allow_shrink=True)
    # KA1-1 is now a different person (other name, other address): the old Priya Patel entry is kept, deleted.
    assert report.format == "halarose-full" and report.deleted == 2 and report.created == 2
    assert find_elector(constituency, "KA1-1").surname == "Evans"
    assert Elector.objects.get(surname="Patel", forenames="Priya").deleted_at is not None
    upd = "\n".join(
        [
            "Ref: X1",
            "Monthly Additions April",
            HALAROSE_UPDATE,
            halarose("A", 4, "Gwen", ["", "", ""]),
            halarose("D", 3, "Rhys", ["", "", ""]),
        ]
    )
    report = import_register(write(tmp_path, "halupd.tsv", upd), constituency)
    assert report.format == "halarose-update" and report.month == "April"
    assert (report.created, report.deleted) == (1, 1)
    bedford_row = ",".join(
        ["KA1", "4.000", "Ms", "Evans", "Gwen", "Mair", "", "", "4 Oak Road", "Reading", "", "", "", "", "RG1 2BB"]
        + [""] * 6
    )
    report = import_register(
        write(tmp_path, "bed.csv", f"{BEDFORD_FULL}\n{bedford_row}"), constituency, allow_shrink=True
    )
    assert report.format == "bedford-full" and report.amended == 1 and report.deleted == 1
    assert find_elector(constituency, "KA1-4").forenames == "Gwen Mair"


def test_command_json_shape_and_exit_codes(tmp_path, constituency, postcodes, capsys):
    good = write(tmp_path, "full.tsv", full_register())
    call_command("import_register", str(good), "--constituency", "E14000889", "--json")
    out = capsys.readouterr().out.strip()
    data = json.loads(out)
    assert {"format", "electors", "households", "errors", "warnings", "created", "encoding"} <= set(data)
    assert (data["format"], data["electors"], data["households"], data["errors"]) == ("xpress-full-14", 5, 4, [])
    bad = write(tmp_path, "bad.tsv", full_register(xpress14("AB2", 1, 0, "Lee", "Sam", "RG1 2BB", "3 Elm Road")))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_register", str(bad), "--constituency", "E14000889", "--json")
    data = json.loads(capsys.readouterr().out.strip())
    assert data["errors"] == [{"line": 7, "message": "elector number AB2-1 is repeated (first on line 6)"}]
    members = write(tmp_path, "members.csv", "First name,Email\nAnn,ann@example.org\n")
    with pytest.raises(CommandError):
        call_command("import_register", str(members), "--constituency", "E14000889", "--json")
    data = json.loads(capsys.readouterr().out.strip())
    assert data["errors"][0]["line"] == 0 and "not an electoral register" in data["errors"][0]["message"]
    with pytest.raises(CommandError):
        call_command("import_register", str(good), "--constituency", "E99999999", "--no-progress")


def test_full_register_whose_postcodes_are_elsewhere_is_refused(tmp_path, constituency):
    from groundswell.geography.models import Postcode

    Postcode.objects.bulk_create(
        Postcode(
            postcode=f"RG30 {i % 10}A{'BD'[i // 10]}", latitude=51.4, longitude=-1.0, constituency_code="E14000890"
        )
        for i in range(12)
    )
    rows = [
        xpress14("WW1", i + 1, 0, "Lee", "Sam", f"RG30 {i % 10}A{'BD'[i // 10]}", f"{i + 1} Oak Road", "Reading")
        for i in range(12)
    ]
    report = import_register(write(tmp_path, "west.tsv", "\n".join([XPRESS_14, *rows])), constituency)
    assert not report.ok and "outside E14000889, most in E14000890" in report.errors[0][1]
    assert not Elector.objects.exists() and not Property.objects.exists()


def test_a_2010_register_is_checked_against_its_postcodes_2010_seat_not_the_current_one(tmp_path, constituency):
    """Reading East is a 2010-set seat; its postcodes' plain code is now their 2024 seat (Reading Central), but
    their 2010 column says Reading East, so the register is at home."""
    from groundswell.geography.models import Postcode

    Postcode.objects.bulk_create(
        Postcode(
            postcode=f"RG1 {i % 10}A{'BD'[i // 10]}",
            latitude=51.45,
            longitude=-0.97,
            constituency_code="E14001438",
            constituency_code_2010="E14000889",
            constituency_code_2024="E14001438",
        )
        for i in range(12)
    )
    rows = [
        xpress14("AB1", i + 1, 0, "Lee", "Sam", f"RG1 {i % 10}A{'BD'[i // 10]}", f"{i + 1} Oak Road", "Reading")
        for i in range(12)
    ]
    report = import_register(write(tmp_path, "east.tsv", "\n".join([XPRESS_14, *rows])), constituency)
    assert report.ok, report.errors
    assert Elector.objects.count() == 12


def test_renumbered_full_register_keeps_the_same_rows(tmp_path, loaded, constituency):
    before = dict(Elector.objects.values_list("forenames", "pk"))
    # Next year's register: a newcomer at 10 Abbey Road takes AB1-1 and everyone in AB1 moves down one;
    # Aisha Khan, keeping her number and address, is now Aisha Begum.
    text = "\n".join(
        [
            XPRESS_14,
            xpress14("AB1", 1, 0, "Ade", "Kemi", "RG1 1AA", "10 Abbey Road", "Reading"),
            xpress14("AB1", 2, 0, "Okafor", "Adaeze", "RG1 1AA", *HOME),
            xpress14("AB1", 3, 0, "(z) Okafor", "Chidi", "RG1 1AA", *HOME, markers="G"),
            xpress14("AB1", 4, 0, "Nowak", "Zoë", "RG1 1AA", *FLAT),
            xpress14("AB1", 5, 0, "Hughes", "Dafydd", "RG9 9ZZ", *COTTAGE),
            xpress14("AB2", 1, 0, "Begum", "Aisha", "RG1 2BB", "1 Elm Road", "Reading"),
        ]
    )
    report = import_register(write(tmp_path, "next-year.tsv", text), constituency)
    assert report.ok, report.errors
    assert (report.created, report.renumbered, report.amended, report.deleted, report.unchanged) == (1, 4, 1, 0, 0)
    after = {e.forenames: (e.pk, e.elector_number, e.surname) for e in live_electors(constituency)}
    assert after["Adaeze"] == (before["Adaeze"], "AB1-2", "Okafor")
    assert after["Dafydd"][:2] == (before["Dafydd"], "AB1-5")
    assert after["Chidi"] == (before["Chidi"], "AB1-3", "Okafor")
    assert after["Aisha"] == (before["Aisha"], "AB2-1", "Begum")
    assert not Elector.objects.filter(deleted_at__isnull=False).exists()
