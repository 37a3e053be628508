"""Fuzzing the register import (full registers and monthly updates, every layout's shape): any file gives a
report, never an exception, and a refused file changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.audit.models import AuditEntry
from groundswell.register.importing import import_register
from groundswell.register.models import Elector, Property, RegisterImport
from groundswell.tests.hostile import hostile_files, rolled_back

from .layouts import (
    BEDFORD_FULL,
    HALAROSE_FULL,
    IDOX_HEADER,
    SMALL_REGISTER,
    XPRESS_UPDATE,
    idox_full,
    xpress_update,
)

pytestmark = pytest.mark.django_db

HOME = ("12 Abbey Road", "Reading")
FULL = SMALL_REGISTER
UPDATE = (
    "\r\n".join(
        [
            XPRESS_UPDATE,
            xpress_update("AB1-4", "Ada", "Lee", "RG1 1AA", HOME, created="Mar"),
            xpress_update("AB1-2", "Chidi", "Okafor-Ross", "RG1 1AA", HOME, changed="Mar"),
            xpress_update("AB2-1", "Aisha", "Khan", "RG1 2BB", ["1 Elm Road"], deleted="Mar"),
        ]
    )
    + "\r\n"
)
IDOX = "\r\n".join(",".join(r) for r in [IDOX_HEADER, idox_full("AB1", 1, "Okafor", "Adaeze", list(HOME), "RG1 1AA")])
HALAROSE = "\r\n".join(
    [
        HALAROSE_FULL,
        "\t".join(["AB1", "1", "", "Ms", "Adaeze", "A", "Okafor", "0", "", "", *HOME, *[""] * 7, "RG1 1AA", ""]),
    ]
)
BEDFORD = "\r\n".join(
    [
        BEDFORD_FULL,
        ",".join(["AB1", "1.000", "Ms", "Okafor", "Adaeze", "", "", "", *HOME, *[""] * 4, "RG1 1AA", *[""] * 6]),
    ]
)
FILES = st.sampled_from([FULL, UPDATE, IDOX, HALAROSE, BEDFORD]).flatmap(lambda text: hostile_files(text.encode()))


def state() -> tuple:
    live = Elector.objects.filter(deleted_at__isnull=True).count()
    return (
        live,
        Elector.objects.count(),
        Property.objects.count(),
        RegisterImport.objects.count(),
        AuditEntry.objects.count(),
        sorted(Elector.objects.values_list("polling_district", "number", "suffix", "surname", "deleted_at")),
    )


@given(data=FILES, dry_run=st.booleans())
def test_any_register_file_gives_a_report_and_a_refusal_changes_nothing(small_register, data, dry_run):
    with rolled_back():
        before = state()
        report = import_register(io.BytesIO(data), small_register, filename="fuzz.tsv", dry_run=dry_run)
        assert isinstance(report.as_dict(), dict)
        if report.errors or dry_run or report.already_applied:
            assert not report.written
            assert state() == before
        for line, message in report.errors:
            assert message and line >= 0


@settings(max_examples=15)
@given(data=FILES)
def test_the_command_raises_nothing_but_command_error(tmp_path, small_register, data):
    path = tmp_path / "register.tsv"
    path.write_bytes(data)
    with rolled_back():
        before = state()
        try:
            call_command(
                "import_register",
                str(path),
                "--constituency",
                small_register.code,
                "--no-progress",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        except CommandError:
            assert state() == before


def test_a_register_month_too_long_to_store_is_a_row_error(small_register):
    # Found by this fuzzing on PostgreSQL: CurrentRegisterMonth went into a 20-character column mid-COPY.
    row = xpress_update("AB1-9", "Ada", "Lee", "RG1 1AA", HOME, created="Mar", month="=  (--:EHKILNPRYhpttx")
    before = state()
    report = import_register(io.BytesIO(f"{XPRESS_UPDATE}\n{row}\n".encode()), small_register, filename="u.csv")
    assert report.errors == [(2, "register month '=  (--:EHKILNPRYhpttx' is longer than 20 characters")]
    banner = "Accession: " + "A" * 30
    report = import_register(io.BytesIO(f"{banner}\n{SMALL_REGISTER}".encode()), small_register, filename="b.csv")
    assert report.errors and "is not a register month" in report.errors[0][1]
    assert state() == before
