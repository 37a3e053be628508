import datetime
import io

import pytest

from groundswell.audit.models import AuditEntry
from groundswell.geography.models import Postcode
from groundswell.people.columns import COLUMNS, field_for_header
from groundswell.people.importing import import_people_csv
from groundswell.people.models import (
    Consent,
    EmailAddress,
    Membership,
    Person,
    PhoneNumber,
    Tagging,
    TimelineEntry,
)
from groundswell.people.selectors import current_consents

from .factories import EmailFactory, MembershipFactory, PersonFactory, Role, UnitFactory, user_with_role, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["First name", "Surname", "Email", "Phone", "Postcode"]


def _nothing_written():
    assert Person.objects.count() == 0
    assert not EmailAddress.objects.exists() and not PhoneNumber.objects.exists()
    assert not Consent.objects.exists() and not TimelineEntry.objects.exists() and not Membership.objects.exists()
    assert not AuditEntry.objects.filter(action="imported").exists()


def test_happy_path_with_aliased_headers(tmp_path, branch_unit):
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.4, longitude=-0.9, constituency_code="E1", ward_code="W1")
    header = [
        "Forename",
        "Last Name",
        "E-mail Address",
        "Mobile",
        "Street",
        "Town/City",
        "Post code",
        "D.O.B.",
        "Member No",
        "Membership_Status",
        "Joined",
        "Lapsed",
        "Branch Code",
        "Tags",
        "Consent Email",
        "consent_sms",
        "CONSENT PHONE",
        "consent post",
        "Shirt size",
    ]
    rows = [
        [
            "Siân",
            "O'Neill",
            "Sian@Example.ORG",
            "07400 123456",
            "1 High St",
            "Reading",
            "rg11aa",
            "31/03/1980",
            "M001",
            "In arrears",
            "2019-01-05",
            "",
            "br-x",
            "volunteer; donor, volunteer",
            "yes",
            "no",
            "granted",
            "",
            "L",
        ],
        ["Bob", "Smith", "", "+44 118 496 0000", "", "", "RG1 1AA", "", "", "", "", "", "BR-X", "", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "members.csv", header, rows)
    report = import_people_csv(path)
    assert report.errors == []
    assert report.ok and report.written
    assert (report.rows, report.created, report.updated, report.skipped) == (2, 2, 0, 0)
    assert report.unknown_columns == ["Shirt size"]
    assert report.columns["D.O.B."] == "date_of_birth"

    sian = Person.objects.get(family_name="O'Neill")
    assert sian.unit == branch_unit
    assert sian.normalised_name == "sian oneill"
    assert sian.postcode == "RG1 1AA" and sian.constituency_code == "E1" and sian.latitude == 51.4
    assert sian.date_of_birth == datetime.date(1980, 3, 31)
    assert sian.custom_fields == {"Shirt size": "L"}
    assert sian.primary_email == "sian@example.org"
    phone = sian.phone_numbers.get()
    assert (phone.number, phone.kind, phone.primary) == ("+447400123456", "mobile", True)
    membership = sian.memberships.get()
    assert (membership.number, membership.status, membership.joined_on) == (
        "M001",
        "arrears",
        datetime.date(2019, 1, 5),
    )
    assert membership.branch == branch_unit and membership.constituency_party == branch_unit.parent
    assert sorted(t.tag.name for t in Tagging.objects.filter(person=sian)) == ["donor", "volunteer"]
    consents = current_consents(sian)
    assert consents["email"].status == "granted" and consents["sms"].status == "withdrawn"
    assert consents["phone"].status == "granted" and consents["post"] is None
    assert consents["email"].source == "import: members.csv"
    entry = sian.timeline.get()
    assert entry.kind == "import" and entry.data["line"] == 2
    bob = Person.objects.get(family_name="Smith")
    assert bob.phone_numbers.get().kind == "other" and not bob.email_addresses.exists()
    audit = AuditEntry.objects.get(action="imported")
    assert audit.detail["created"] == 2 and audit.detail["file"] == "members.csv"
    assert "Siân" not in str(audit.detail)


@pytest.mark.parametrize(
    "header,field",
    [
        ("First name", "given_name"),
        ("firstname", "given_name"),
        ("given_name", "given_name"),
        ("FORENAME", "given_name"),
        ("Surname", "family_name"),
        ("last name", "family_name"),
        ("family_name", "family_name"),
        ("email", "email"),
        ("Email Address", "email"),
        ("phone", "phone"),
        ("Mobile", "phone"),
        ("Telephone", "phone"),
        ("address1", "address_line1"),
        ("Address Line 1", "address_line1"),
        ("street", "address_line1"),
        ("town", "locality"),
        ("City", "locality"),
        ("locality", "locality"),
        ("postcode", "postcode"),
        ("Post Code", "postcode"),
        ("zip", "postcode"),
        ("Date of birth", "date_of_birth"),
        ("dob", "date_of_birth"),
        ("Membership number", "membership_number"),
        ("member no", "membership_number"),
        ("Membership status", "membership_status"),
        ("joined", "joined_on"),
        ("lapsed", "lapsed_on"),
        ("Branch code", "branch_code"),
        ("tags", "tags"),
        ("consent_email", "consent_email"),
        ("Consent SMS", "consent_sms"),
        ("consent_phone", "consent_phone"),
        ("consent_post", "consent_post"),
        ("Unit code", "unit_code"),
        ("\ufeffFirst Name ", "given_name"),
        ("Favourite colour", None),
    ],
)
def test_header_aliases(header, field):
    assert field_for_header(header) == field


def test_every_export_column_maps_to_itself():
    assert all(field_for_header(c) == c for c in COLUMNS)


def test_utf8_with_bom_and_semicolons(tmp_path, branch_unit):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffFirst name;Surname;Email\nZoë;Brontë;zoe@example.org\n".encode())
    report = import_people_csv(path, unit="BR-X")
    assert report.ok, report.errors
    assert Person.objects.get().given_name == "Zoë"


def test_windows_1252_is_refused_with_the_line_and_a_suggestion(tmp_path, branch_unit):
    path = write_csv(
        tmp_path / "excel.csv",
        HEADER,
        [["Ann", "Lee", "ann@example.org", "", ""], ["Zoë", "Brontë", "zoe@example.org", "", ""]],
        encoding="cp1252",
    )
    report = import_people_csv(path, unit=branch_unit)
    assert not report.ok
    message = report.file_error
    assert "Line 3" in message and "UTF-8" in message and "Windows-1252" in message
    # The flag is command-line advice: kept apart so the upload page never tells anyone to pass --encoding.
    assert "--encoding" not in message and report.cli_hint == "or import it as it is with --encoding cp1252"
    _nothing_written()
    report = import_people_csv(path, unit=branch_unit, encoding="cp1252")
    assert report.ok and Person.objects.get(family_name="Brontë").given_name == "Zoë"


def test_utf16_gets_its_own_message(tmp_path, branch_unit):
    path = tmp_path / "u16.csv"
    path.write_bytes("First name,Email\nAnn,ann@example.org\n".encode("utf-16"))
    assert "UTF-16" in import_people_csv(path, unit=branch_unit).file_error


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "The file is empty (0 bytes)"),
        (b"\n\n  \n", "The file is empty"),
        (b"First name,Surname,Email\n", "header row but no data rows"),
        (b"First name,Surname,Email\n,,\n\n", "header row but no data rows"),
        (b"Email,Phone\na@example.org,07400123456\n", "needs a name column"),
        (b"First name,Surname,Shirt\nAnn,Lee,L\n", "at least one of Email, Phone or Postcode"),
        (b"First name,Email,E-mail address\nAnn,a@example.org,b@example.org\n", "both mean email"),
    ],
)
def test_file_level_problems_get_clear_messages(tmp_path, branch_unit, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    report = import_people_csv(path, unit=branch_unit)
    assert not report.ok and expected in report.file_error
    _nothing_written()


def test_a_unit_is_required_from_the_caller_or_the_file(tmp_path, branch_unit):
    path = write_csv(tmp_path / "p.csv", HEADER, [["Ann", "Lee", "ann@example.org", "", ""]])
    assert "No unit to import into" in import_people_csv(path).file_error
    assert "no unit with code" in import_people_csv(path, unit="NOPE").file_error
    _nothing_written()


def test_every_row_problem_is_reported_and_nothing_is_written(tmp_path, branch_unit):
    MembershipFactory(number="TAKEN", person=PersonFactory(unit=branch_unit))
    before = Person.objects.count()
    header = [
        "First name",
        "Surname",
        "Email",
        "Phone",
        "Postcode",
        "DOB",
        "Member no",
        "Membership status",
        "Unit code",
    ]
    rows = [
        ["Good", "Row", "good@example.org", "07400 000001", "RG1 1AA", "01/02/1990", "A1", "active", "BR-X"],  # 2
        ["Bad", "Email", "not-an-email", "", "", "", "", "", "BR-X"],  # 3
        ["Bad", "Phone", "", "12345", "", "", "", "", "BR-X"],  # 4
        ["Bad", "Postcode", "", "", "XX1 1XX", "", "", "", "BR-X"],  # 5
        ["Bad", "Date", "", "", "RG1 1AA", "31/02/1990", "", "", "BR-X"],  # 6
        ["Bad", "Status", "", "", "RG1 1AA", "", "A2", "emeritus", "BR-X"],  # 7
        ["Bad", "Unit", "", "", "RG1 1AA", "", "", "", "NOWHERE"],  # 8
        ["Dup", "Number", "", "", "RG1 2AA", "", "A1", "active", "BR-X"],  # 9
        ["Taken", "Number", "", "", "RG1 3AA", "", "TAKEN", "active", "BR-X"],  # 10
        ["Good", "Row", "good@example.org", "07400 000001", "RG1 1AA", "01/02/1990", "A1", "active", "BR-X"],  # 11
        ["", "", "noname@example.org", "", "", "", "", "", "BR-X"],  # 12
        ["Future", "Born", "", "", "RG1 1AA", "01/01/2999", "", "", "BR-X"],  # 13
    ]
    path = write_csv(tmp_path / "bad.csv", header, rows)
    report = import_people_csv(path)
    assert not report.ok and not report.written
    by_line = {}
    for line, column, message in report.errors:
        by_line.setdefault(line, []).append((column, message))
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert by_line[3][0][0] == "Email" and "not a valid email" in by_line[3][0][1]
    assert by_line[4][0][0] == "Phone" and "not a valid phone number" in by_line[4][0][1]
    assert by_line[5][0][0] == "Postcode" and "not a UK postcode" in by_line[5][0][1]
    assert by_line[6][0][0] == "DOB" and "not a real date" in by_line[6][0][1]
    assert by_line[7][0][0] == "Membership status" and "unknown membership status" in by_line[7][0][1]
    assert by_line[8][0][0] == "Unit code" and "NOWHERE" in by_line[8][0][1]
    assert "also on line 2" in by_line[9][0][1]
    assert "already belongs to another person" in by_line[10][0][1]
    assert "duplicate of line 2" in by_line[11][0][1]
    assert "no name" in by_line[12][0][1]
    assert "in the future" in by_line[13][0][1]
    assert Person.objects.count() == before
    assert not AuditEntry.objects.filter(action="imported").exists()
    assert not EmailAddress.objects.filter(address="good@example.org").exists()


def test_skip_invalid_writes_the_good_rows_and_lists_the_rest(tmp_path, branch_unit):
    rows = [
        ["Ann", "Lee", "ann@example.org", "", ""],
        ["Bad", "Phone", "", "999", ""],
        ["Cat", "Ng", "", "", "RG1 1AA"],
        ["Bad", "Postcode", "", "", "nonsense"],
    ]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    report = import_people_csv(path, unit=branch_unit, skip_invalid=True)
    assert report.ok and report.written
    assert (report.created, report.skipped, report.skipped_lines) == (2, 2, [3, 5])
    assert [e[0] for e in report.errors] == [3, 5]
    assert sorted(Person.objects.values_list("given_name", flat=True)) == ["Ann", "Cat"]
    assert AuditEntry.objects.get(action="imported").detail["skipped_lines"] == [3, 5]


def test_skip_invalid_with_no_valid_rows_is_not_ok(tmp_path, branch_unit):
    path = write_csv(tmp_path / "p.csv", HEADER, [["Bad", "Phone", "", "999", ""]])
    report = import_people_csv(path, unit=branch_unit, skip_invalid=True)
    assert not report.ok and report.skipped == 1
    _nothing_written()


def test_dry_run_counts_but_writes_nothing(tmp_path, branch_unit):
    existing = PersonFactory(unit=branch_unit, given_name="Ann")
    EmailFactory(person=existing, address="ann@example.org")
    rows = [["Ann", "Lee", "ann@example.org", "", ""], ["Bob", "Ray", "bob@example.org", "", ""]]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    report = import_people_csv(path, unit=branch_unit, dry_run=True)
    assert report.ok and not report.written
    assert (report.created, report.updated) == (1, 1)
    assert Person.objects.count() == 1 and EmailAddress.objects.count() == 1
    assert not TimelineEntry.objects.exists() and not AuditEntry.objects.filter(action="imported").exists()


def test_matching_by_email_updates_instead_of_duplicating(tmp_path, branch_unit):
    other_unit = UnitFactory(code="OTHER")
    ann = PersonFactory(unit=other_unit, given_name="Ann", family_name="Lee", locality="Reading")
    EmailFactory(person=ann, address="ann@example.org")
    bob = PersonFactory(unit=other_unit, given_name="Bob", family_name="Ray")
    bob.phone_numbers.create(number="+447400000009", kind="mobile", primary=True)
    Consent.objects.create(person=ann, channel="email", status="granted", source="form")
    header = ["First name", "Surname", "Email", "Phone", "Town", "consent_email", "consent_sms", "Tags"]
    rows = [
        ["Ann", "Lee-Smith", "ANN@example.org", "07400 000008", "", "yes", "yes", "donor"],
        ["Bob", "Ray", "bob@example.org", "07400000009", "Caversham", "", "", ""],
    ]
    path = write_csv(tmp_path / "p.csv", header, rows)
    report = import_people_csv(path, unit=branch_unit)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 2)
    assert Person.objects.count() == 2
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert ann.family_name == "Lee-Smith" and ann.locality == "Reading"  # blank cells leave values alone
    assert ann.normalised_name == "ann lee smith"
    assert ann.unit == other_unit  # matched people stay in their unit
    assert list(ann.email_addresses.values_list("address", flat=True)) == ["ann@example.org"]
    assert list(ann.phone_numbers.values_list("number", "primary")) == [("+447400000008", True)]
    # The email consent repeated what we held: no new row. SMS is new.
    assert ann.consents.filter(channel="email").count() == 1
    assert ann.consents.get(channel="sms").source == "import: p.csv"
    assert ann.tags.get().name == "donor"
    assert bob.locality == "Caversham"
    assert sorted(bob.email_addresses.values_list("address", "primary")) == [("bob@example.org", True)]
    assert bob.phone_numbers.count() == 1
    assert {e.summary for e in TimelineEntry.objects.all()} == {"Updated from p.csv"}
    # Importing the same file again changes nothing more.
    again = import_people_csv(path, unit=branch_unit)
    assert (again.created, again.updated) == (0, 2)
    assert Consent.objects.count() == 2 and EmailAddress.objects.count() == 2 and PhoneNumber.objects.count() == 2


def test_two_rows_matching_one_person_is_an_error(tmp_path, branch_unit):
    ann = PersonFactory(unit=branch_unit, given_name="Ann", family_name="Lee")
    EmailFactory(person=ann, address="ann@example.org")
    ann.phone_numbers.create(number="+447400000007", kind="mobile")
    rows = [["Ann", "Lee", "ann@example.org", "", ""], ["Ann", "Lee", "", "07400000007", ""]]
    report = import_people_csv(write_csv(tmp_path / "p.csv", HEADER, rows), unit=branch_unit)
    assert report.errors == [(3, "", "matches the same existing person as line 2")]


def test_membership_number_of_the_matched_person_updates_it(tmp_path, branch_unit):
    ann = PersonFactory(unit=branch_unit)
    EmailFactory(person=ann, address="ann@example.org")
    MembershipFactory(person=ann, number="M9", status="active")
    header = ["Name", "Email", "Membership number", "Membership status", "Lapsed"]
    path = write_csv(tmp_path / "p.csv", header, [["Ann Lee", "ann@example.org", "M9", "lapsed", "2024-01-31"]])
    report = import_people_csv(path, unit=branch_unit)
    assert report.ok, report.errors
    membership = Membership.objects.get(number="M9")
    assert (membership.status, membership.lapsed_on) == ("lapsed", datetime.date(2024, 1, 31))
    ann.refresh_from_db()
    assert ann.given_name == "Ann" and ann.family_name == "Lee"  # split from the single Name column


def test_line_numbers_count_physical_lines(tmp_path, branch_unit):
    text = 'First name,Surname,Email,Address\nAnn,Lee,ann@example.org,"Flat 1\nHigh St"\n\nBob,Ray,bad-email,x\n'
    path = tmp_path / "p.csv"
    path.write_text(text)
    report = import_people_csv(path, unit=branch_unit)
    assert [e[0] for e in report.errors] == [5]


def test_too_many_cells_is_a_row_error(tmp_path, branch_unit):
    path = tmp_path / "p.csv"
    path.write_text("First name,Email\nAnn,ann@example.org,surplus\n")
    report = import_people_csv(path, unit=branch_unit)
    assert report.errors and "header has 2 columns" in report.errors[0][2]


def test_actor_may_only_import_into_their_units(tmp_path, units):
    organiser = user_with_role(Role.ORGANISER, units.clp_a)
    outsider = PersonFactory(unit=units.branch_b1)
    EmailFactory(person=outsider, address="out@example.org")
    rows = [["In", "Side", "in@example.org", "BR-A1"], ["Out", "Side", "new@example.org", "BR-B1"]]
    rows.append(["Existing", "Elsewhere", "out@example.org", "BR-A1"])
    path = write_csv(tmp_path / "p.csv", ["First name", "Surname", "Email", "Unit code"], rows)
    report = import_people_csv(path, actor=organiser)
    assert [e[0] for e in report.errors] == [3, 4]
    assert "may not import people into BR-B1" in report.errors[0][2]
    assert "outside the units you may import into" in report.errors[1][2]
    assert "You may not import people into" in import_people_csv(path, actor=organiser, unit=units.clp_b).file_error
    report = import_people_csv(path, actor=organiser, skip_invalid=True)
    assert report.created == 1 and AuditEntry.objects.get(action="imported").actor == organiser


def test_allowed_units_restrict_a_page_upload(tmp_path, units):
    path = write_csv(tmp_path / "upload-123.csv", HEADER, [["Ann", "Lee", "ann@example.org", "", ""]])
    report = import_people_csv(
        path, unit=units.branch_b1, allowed_units=[units.clp_a, units.branch_a1], source_name="members.csv"
    )
    assert "may not import" in report.file_error
    report = import_people_csv(path, unit=units.branch_a1, allowed_units=[units.branch_a1], source_name="members.csv")
    assert report.ok and report.filename == "members.csv"


def test_file_objects_work_too(branch_unit):
    upload = io.BytesIO(b"First name,Email\nAnn,ann@example.org\n")
    upload.name = "upload.csv"
    report = import_people_csv(upload, unit=branch_unit)
    assert report.ok and report.filename == "upload.csv" and Person.objects.count() == 1


def test_import_query_count_does_not_grow_with_rows(tmp_path, branch_unit, django_assert_max_num_queries):
    header = ["First name", "Surname", "Email", "Phone", "Postcode", "Member no", "Tags", "consent_email"]
    rows = [
        [f"P{i}", "Test", f"p{i}@example.org", f"07400 {i:06d}", "RG1 1AA", f"N{i}", "a;b", "yes"]
        for i in range(1, 301)
    ]
    path = write_csv(tmp_path / "p.csv", header, rows)
    with django_assert_max_num_queries(40):
        report = import_people_csv(path, unit=branch_unit)
    assert report.created == 300
    assert Person.objects.count() == 300 and PhoneNumber.objects.count() == 300 and Tagging.objects.count() == 600
    assert TimelineEntry.objects.count() == 300 and Consent.objects.count() == 300
    # Reserved primary keys do not collide with later ordinary inserts.
    later = PersonFactory(unit=branch_unit)
    assert later.pk > max(Person.objects.exclude(pk=later.pk).values_list("pk", flat=True))


def test_dry_run_preview_shows_counts_next_to_problems(tmp_path, branch_unit):
    rows = [["Ann", "Lee", "ann@example.org", "", ""], ["Bob", "Ray", "bob@", "", ""]]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    report = import_people_csv(path, unit=branch_unit, dry_run=True)
    assert not report.ok and report.created == 1 and [e[0] for e in report.errors] == [3]
    report = import_people_csv(path, unit=branch_unit)
    assert not report.ok and report.created == 0 and not report.written
    _nothing_written()


def test_mobile_and_telephone_columns_are_both_kept(tmp_path, branch_unit):
    header = ["First name", "Mobile", "Telephone"]
    rows = [["Ann", "07400 000021", "0118 496 0001"], ["Bob", "", "0118 496 0002"], ["Cat", "07400 000023", "12"]]
    path = write_csv(tmp_path / "p.csv", header, rows)
    report = import_people_csv(path, unit=branch_unit)
    assert report.errors == [(4, "Telephone", report.errors[0][2])] and "not a valid phone" in report.errors[0][2]
    report = import_people_csv(path, unit=branch_unit, skip_invalid=True)
    ann = Person.objects.get(given_name="Ann")
    assert list(ann.phone_numbers.values_list("number", "kind", "primary")) == [
        ("+447400000021", "mobile", True),
        ("+441184960001", "other", False),
    ]
    assert Person.objects.get(given_name="Bob").phone_numbers.get().primary
    # A later file matching on the landline alone finds Ann.
    path = write_csv(tmp_path / "q.csv", ["First name", "Telephone", "Town"], [["Ann", "01184960001", "Reading"]])
    report = import_people_csv(path, unit=branch_unit)
    assert (report.created, report.updated) == (0, 1)
    ann.refresh_from_db()
    assert ann.locality == "Reading"


def test_phones_matching_two_different_people_is_an_error(tmp_path, branch_unit):
    a, b = PersonFactory(unit=branch_unit), PersonFactory(unit=branch_unit)
    a.phone_numbers.create(number="+447400000031", kind="mobile")
    b.phone_numbers.create(number="+441184960031", kind="other")
    header = ["First name", "Mobile", "Telephone"]
    path = write_csv(tmp_path / "p.csv", header, [["Ann", "07400000031", "01184960031"]])
    report = import_people_csv(path, unit=branch_unit)
    assert "match 2 different existing people" in report.errors[0][2]


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("31/03/1980", datetime.date(1980, 3, 31)),
        ("31-03-1980", datetime.date(1980, 3, 31)),
        ("31.03.1980", datetime.date(1980, 3, 31)),
        ("1/2/1980", datetime.date(1980, 2, 1)),  # day first, never US month first
        ("1980-03-31", datetime.date(1980, 3, 31)),
        ("1980-03-31 00:00:00", datetime.date(1980, 3, 31)),
        ("1980-03-31T00:00:00Z", datetime.date(1980, 3, 31)),
    ],
)
def test_dates_are_read_day_first(raw, expected):
    from groundswell.people.importing import _parse_date

    assert _parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["03/31/1980", "31/03/80", "March 1980", "1980-03-31 14:30", "29/02/1981"])
def test_ambiguous_or_impossible_dates_are_refused(raw):
    from groundswell.people.importing import _parse_date
    from groundswell.people.normalise import InvalidValue

    with pytest.raises(InvalidValue):
        _parse_date(raw)
