"""Fuzzing the people import: any file gives a report (never an exception), and a refused file writes nothing.

Also through the upload page (never a 500) and the command (only CommandError). Bounded by the root conftest's
hypothesis profile.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings

from groundswell.audit.models import AuditEntry
from groundswell.people.importing import import_people_csv
from groundswell.people.models import Consent, EmailAddress, Membership, Person, PhoneNumber, TimelineEntry
from groundswell.tests.hostile import hostile_files, rolled_back

from .factories import PersonFactory

pytestmark = pytest.mark.django_db

VALID = (
    b"First name,Surname,Email,Mobile,Postcode,Membership number,Status,Joined,Tags,Consent email,Shirt\r\n"
    b"Ada,Lovelace,ada@example.org,07400 123456,RG1 1AA,M1,Active,01/02/2020,volunteer;donor,yes,M\r\n"
    b"Kerry,Williams,,07400 900123,RG2 2BB,,,,,,\r\n"
    b'"Babbage, Charles",Babbage,charles@example.org,,RG1 1AB,M2,lapsed,2019-05-01,,no,"L, tall"\r\n'
)


def counts() -> tuple[int, ...]:
    models = (Person, EmailAddress, PhoneNumber, Membership, Consent, TimelineEntry)
    return (*(m.objects.count() for m in models), AuditEntry.objects.filter(action="imported").count())


@pytest.fixture
def existing(branch_unit):
    kerry = PersonFactory(unit=branch_unit, given_name="Kerry", family_name="Williams")
    kerry.phone_numbers.create(number="+447400900123", kind="mobile", primary=True)
    return kerry


@given(data=hostile_files(VALID))
def test_any_file_gives_a_report_and_a_refusal_writes_nothing(branch_unit, existing, data):
    with rolled_back():
        before = counts()
        report = import_people_csv(io.BytesIO(data), unit=branch_unit)
        assert isinstance(report.errors, list)
        if not report.written:
            assert counts() == before
        if report.file_error:
            assert report.errors == [(0, "", report.file_error)]
        for line, _column, message in report.errors:
            assert message and (line == 0 or line >= 2)


@settings(max_examples=15)
@given(data=hostile_files(VALID))
def test_the_upload_page_never_fails(client, organiser, branch_unit, existing, data):
    with rolled_back():
        before = counts()
        upload = SimpleUploadedFile("members.csv", data, content_type="text/csv")
        response = client.post("/people/import/", {"unit": branch_unit.code, "file": upload})
        assert response.status_code == 200
        assert "--encoding" not in response.content.decode()
        assert counts() == before  # a preview writes nothing


@settings(max_examples=15)
@given(data=hostile_files(VALID))
def test_the_command_raises_nothing_but_command_error(tmp_path, branch_unit, existing, data):
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    with rolled_back():
        before = counts()
        try:
            call_command(
                "import_people",
                str(path),
                "--unit",
                branch_unit.code,
                "--no-progress",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        except CommandError:
            assert counts() == before
