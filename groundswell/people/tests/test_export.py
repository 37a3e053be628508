import csv
import io

import pytest

from groundswell.audit.models import AuditEntry
from groundswell.people.columns import COLUMNS
from groundswell.people.exporting import export_people_csv
from groundswell.people.importing import import_people_csv
from groundswell.people.models import Consent, Person, TimelineEntry

from .factories import PersonFactory, UserFactory, write_csv

pytestmark = pytest.mark.django_db

HEADER = [
    "First name",
    "Surname",
    "Email",
    "Phone",
    "Address 1",
    "Town",
    "Postcode",
    "DOB",
    "Member no",
    "Membership status",
    "Joined",
    "Branch code",
    "Tags",
    "consent_email",
    "consent_sms",
    "Notes",
]
ROWS = [
    ["Siân", "O'Neill", "sian@example.org", "07400 111111", "1 High St", "Reading", "RG1 1AA", "31/03/1980", "M1",
     "active", "2019-01-05", "BR-X", "donor; volunteer", "yes", "no", "=HYPERLINK(\"http://evil\")"],
    ["Bob", "Smith", "", "0118 496 0000", "", "", "RG1 2AA", "", "", "", "", "BR-X", "", "", "", "-3 is fine"],
    ["Cat", "Ng", "cat@example.org", "", "2, The Lane", "Caversham", "", "", "M2", "lapsed", "", "BR-X", "", "", "",
     "line one\nline two"],
]  # fmt: skip


def _export(qs=None, **kwargs) -> str:
    out = io.StringIO()
    export_people_csv(Person.objects.all() if qs is None else qs, out, actor=kwargs.get("actor"), reason="test")
    return out.getvalue()


def test_export_uses_the_import_columns_and_is_audited(tmp_path, branch_unit):
    import_people_csv(write_csv(tmp_path / "in.csv", HEADER, ROWS))
    user = UserFactory()
    out = io.StringIO()
    count = export_people_csv(Person.objects.all(), out, actor=user, reason="phonebank list", query="tag=donor")
    assert count == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0].keys()) == [*COLUMNS, "Notes"]
    sian = next(r for r in rows if r["given_name"] == "Siân")
    assert sian["phone"] == "+447400111111" and sian["date_of_birth"] == "1980-03-31"
    assert sian["tags"] == "donor; volunteer" and sian["consent_email"] == "granted"
    assert sian["consent_sms"] == "withdrawn" and sian["consent_phone"] == ""
    assert sian["unit_code"] == "BR-X" and sian["membership_number"] == "M1"
    assert sian["Notes"].startswith("'=")  # spreadsheet formula defused
    bob = next(r for r in rows if r["given_name"] == "Bob")
    assert bob["Notes"] == "'-3 is fine"  # could be read as a formula; defused too
    audit = AuditEntry.objects.get(action="exported")
    assert audit.reason == "phonebank list" and audit.query == "tag=donor"
    assert audit.detail["rows"] == 3 and audit.actor == user


def test_export_needs_a_reason():
    with pytest.raises(ValueError):
        export_people_csv(Person.objects.all(), io.StringIO(), actor=None, reason="  ")
    assert not AuditEntry.objects.exists()


def test_merged_and_erased_people_are_left_out(branch_unit):
    keep = PersonFactory(unit=branch_unit)
    PersonFactory(unit=branch_unit, merged_into=keep)
    PersonFactory(unit=branch_unit, erased_at="2024-01-01T00:00:00Z")
    assert len(list(csv.reader(io.StringIO(_export())))) == 2


def test_export_then_import_round_trips(tmp_path, branch_unit):
    import_people_csv(write_csv(tmp_path / "in.csv", HEADER, ROWS))
    first = _export()
    exported = tmp_path / "export.csv"
    exported.write_text(first, encoding="utf-8")

    # Re-importing over the same records matches every row and changes nothing.
    consents = Consent.objects.count()
    report = import_people_csv(exported)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 3)
    assert Consent.objects.count() == consents
    assert _export() == first

    # Into an empty database it recreates the same records.
    Person.objects.all().delete()
    report = import_people_csv(exported)
    assert report.ok, report.errors
    assert report.created == 3 and report.unknown_columns == ["Notes"]
    assert _export() == first
    assert Person.objects.get(given_name="Siân").custom_fields["Notes"] == '=HYPERLINK("http://evil")'
    assert TimelineEntry.objects.filter(kind="import").count() == 3
