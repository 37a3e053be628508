"""People imports that cannot quietly damage records (issue 13): a shared phone never renames anyone, the preview
says what changes, NUL characters and non-text files are refused clearly, and the documented Status column counts.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.people.dedupe import find_duplicate_candidates
from groundswell.people.importing import import_people_csv
from groundswell.people.models import EmailAddress, Membership, Person, PhoneNumber, TimelineEntry

from .factories import PersonFactory, write_csv
from .test_pages import upload

pytestmark = pytest.mark.django_db

HEADER = ["First name", "Surname", "Email", "Phone", "Postcode"]


@pytest.fixture
def kerry(branch_unit) -> Person:
    person = PersonFactory(
        unit=branch_unit, given_name="Kerry", family_name="Williams", address_line1="4 Oak Road", postcode="RG1 1AA"
    )
    person.email_addresses.create(address="kerry@example.org", primary=True)
    person.phone_numbers.create(number="+447400900123", kind="mobile", primary=True)
    return person


def _unchanged(person: Person) -> None:
    before = (person.given_name, person.family_name, person.address_line1, person.postcode)
    person.refresh_from_db()
    assert (person.given_name, person.family_name, person.address_line1, person.postcode) == before


def test_a_phone_shared_with_someone_of_another_name_never_renames_them(tmp_path, branch_unit, kerry):
    rows = [["Ada", "Newcomer", "ada@example.org", "07400 900123", "RG2 2BB"]]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    preview = import_people_csv(path, unit=branch_unit, dry_run=True)
    assert (preview.created, preview.updated, preview.changes) == (1, 0, [])
    [dup] = preview.possible_duplicates
    assert (dup.line, dup.person_id, dup.existing_name, dup.name) == (2, kerry.pk, "Kerry Williams", "Ada Newcomer")

    report = import_people_csv(path, unit=branch_unit)
    assert report.ok and (report.created, report.updated) == (1, 0)
    _unchanged(kerry)
    assert list(kerry.email_addresses.values_list("address", flat=True)) == ["kerry@example.org"]
    ada = Person.objects.get(given_name="Ada")
    assert (ada.family_name, ada.postcode) == ("Newcomer", "RG2 2BB")
    assert list(ada.phone_numbers.values_list("number", flat=True)) == ["+447400900123"]
    # The pair is waiting on the existing duplicates screen, for a person to merge or leave.
    pairs = find_duplicate_candidates(Person.objects.all())
    assert [(c.person_a_id, c.person_b_id, c.reasons) for c in pairs] == [(kerry.pk, ada.pk, ["phone"])]


def test_a_phone_match_with_the_same_name_still_updates(tmp_path, branch_unit, kerry):
    path = write_csv(
        tmp_path / "p.csv",
        ["First name", "Surname", "Phone", "Town"],
        [["kerry", "WILLIAMS", "07400900123", "Reading"]],
    )
    report = import_people_csv(path, unit=branch_unit)
    assert (report.created, report.updated, report.possible_duplicates) == (0, 1, [])
    kerry.refresh_from_db()
    assert kerry.locality == "Reading"


def test_the_preview_lists_each_update_field_by_field(tmp_path, branch_unit, kerry, capsys):
    header = ["First name", "Surname", "Email", "Mobile", "Postcode", "Shirt"]
    path = write_csv(
        tmp_path / "p.csv", header, [["Kerry", "Williams", "kerry@example.org", "07400 111222", "RG2 2BB", "L"]]
    )
    report = import_people_csv(path, unit=branch_unit, dry_run=True)
    [change] = report.changes
    assert (change.line, change.person_id, change.name, change.matched_by) == (2, kerry.pk, "Kerry Williams", "email")
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("Postcode", "RG1 1AA", "RG2 2BB"),
        ("Shirt", "", "L"),
        ("Phone", "", "+447400111222 (added)"),
    ]
    assert change.notes == ["the postcode changes but the street address does not: check the address"]
    _unchanged(kerry)

    call_command("import_people", str(path), "--unit", "BR-X", "--dry-run", "--no-progress")
    out = capsys.readouterr().out
    assert "Would update 1 existing people (old → new):" in out
    assert (
        f"line 2: Kerry Williams (#{kerry.pk}, matched by email): Postcode RG1 1AA → RG2 2BB; Shirt (blank) → L" in out
    )


def test_the_upload_page_shows_who_would_change_and_possible_duplicates(client, organiser, branch_unit, kerry):
    text = (
        "First name,Surname,Email,Phone,Postcode\n"
        "Kerry,Williams,kerry@example.org,,RG2 2BB\n"
        "Ada,Newcomer,ada@example.org,07400 900123,RG2 2BB\n"
    )
    response = upload(client, branch_unit.code, text)
    body = response.content.decode().replace("\n", "")
    assert "<td>Postcode</td><td>RG1 1AA</td><td>RG2 2BB</td>" in body
    assert f"Kerry Williams (#{kerry.pk})" in body and "Possible duplicates" in body
    assert "<td>3</td><td>Ada Newcomer</td>" in body
    _unchanged(kerry)


def test_nul_characters_are_refused_naming_row_and_column(tmp_path, branch_unit):
    header = ["First name", "Surname", "Email", "Shirt"]
    rows = [["Ann", "Lee", "ann@example.org", "M"], ["Bob", "Ra\x00y", "bob@example.org", "L\x00"]]
    report = import_people_csv(write_csv(tmp_path / "p.csv", header, rows), unit=branch_unit)
    assert not report.ok
    assert sorted(report.errors) == [
        (3, "Shirt", "contains a NUL character (byte 0): the file is damaged here; remove it"),
        (3, "Surname", "contains a NUL character (byte 0): the file is damaged here; remove it"),
    ]
    assert not Person.objects.exists()
    report = import_people_csv(
        write_csv(tmp_path / "h.csv", ["First name", "Em\x00ail"], [["Ann", "a@example.org"]]), unit=branch_unit
    )
    assert "column 2 of the header contains a NUL character" in report.file_error


def test_the_documented_status_column_sets_the_membership_status(tmp_path, branch_unit):
    header = ["First name", "Email", "Membership number", "Status"]
    rows = [["Ann", "ann@example.org", "M1", "Lapsed"], ["Bob", "bob@example.org", "M2", "in arrears"]]
    report = import_people_csv(write_csv(tmp_path / "p.csv", header, rows), unit=branch_unit)
    assert report.ok and report.columns["Status"] == "membership_status" and not report.unknown_columns
    assert dict(Membership.objects.values_list("number", "status")) == {"M1": "lapsed", "M2": "arrears"}


def test_an_invalid_status_is_refused_naming_the_row(tmp_path, branch_unit):
    header = ["First name", "Email", "Membership number", "Status"]
    rows = [["Ann", "ann@example.org", "M1", "Active"], ["Bob", "bob@example.org", "M2", "Supporter"]]
    report = import_people_csv(write_csv(tmp_path / "p.csv", header, rows), unit=branch_unit)
    assert [(line, column) for line, column, _m in report.errors] == [(3, "Status")]
    assert "unknown membership status 'Supporter'" in report.errors[0][2]
    assert not Person.objects.exists() and not Membership.objects.exists()


def _counts():
    return (
        Person.objects.count(),
        EmailAddress.objects.count(),
        PhoneNumber.objects.count(),
        TimelineEntry.objects.count(),
    )


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 12,
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40,
        b"\x89PNG\r\n\x1a\n" + bytes(range(200)),
    ],
)
def test_a_binary_file_is_not_a_csv_file(tmp_path, branch_unit, capsys, content):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    report = import_people_csv(path, unit=branch_unit)
    assert report.file_error.startswith("This is not a CSV file")
    assert "Windows-1252" not in report.file_error and "--encoding" not in report.file_error and not report.cli_hint
    with pytest.raises(CommandError) as excinfo:
        call_command("import_people", str(path), "--unit", "BR-X", "--no-progress")
    out = capsys.readouterr()
    said = str(excinfo.value) + out.out + out.err
    assert said.count("This is not a CSV file") == 1 and "--encoding" not in said
    assert _counts() == (0, 0, 0, 0)


def test_random_bytes_on_the_upload_page_say_so_once(client, organiser, branch_unit):
    data = bytes((i * 37 + 11) % 256 for i in range(3000))
    response = client.post(
        "/people/import/", {"unit": branch_unit.code, "file": SimpleUploadedFile("members.csv", data)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("This is not a CSV file") == 1
    assert "--encoding" not in body and "Windows-1252" not in body


def test_a_windows_1252_file_gets_the_flag_only_on_the_command_line(tmp_path, branch_unit, client, organiser):
    path = write_csv(tmp_path / "p.csv", HEADER, [["Zoë", "Brontë", "zoe@example.org", "", ""]], encoding="cp1252")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_people", str(path), "--unit", "BR-X", "--no-progress")
    assert "Windows-1252" in str(excinfo.value) and "--encoding cp1252" in str(excinfo.value)
    upload = SimpleUploadedFile("members.csv", path.read_bytes())
    response = client.post("/people/import/", {"unit": branch_unit.code, "file": upload})
    assert "Windows-1252" in response.content.decode() and "--encoding" not in response.content.decode()
