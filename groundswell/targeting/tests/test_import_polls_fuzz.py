"""Fuzzing the polls import: any file imports or raises PollImportError (never a database error or traceback),
and a refused file changes nothing; the command raises nothing but CommandError."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings

from groundswell.targeting.models import Poll
from groundswell.targeting.polls import PollImportError, import_polls
from groundswell.tests.hostile import hostile_files, rolled_back

pytestmark = pytest.mark.django_db

VALID = (
    b"pollster,fieldwork_start,fieldwork_end,sample_size,area,Con,Lab,Lib Dem,Reform,Green,Notes\r\n"
    b"YouGov,2026-10-01,2026-10-02,1650,GB,24%,30%,12%,22%,9%,\r\n"
    b'Opinium,01/10/2026,03/10/2026,"2,000",GB,26,29,11,21,8,"online, weighted"\r\n'
    b"Ipsos,2026-10-02,2026-10-04,1000,Scotland,0.15,0.3,0.08,0.15,0.05,\r\n"
)


def state() -> list:
    return sorted(Poll.objects.values_list("pollster", "fieldwork_end", "area", "sample_size"))


@given(data=hostile_files(VALID))
def test_any_polls_file_imports_or_is_refused_cleanly(data):
    Poll.objects.get_or_create(
        pollster="YouGov", fieldwork_start="2026-09-01", fieldwork_end="2026-09-02", area="GB", shares={"CON": 0.3}
    )
    with rolled_back():
        before = state()
        try:
            import_polls(data.decode("utf-8", errors="replace"), source="fuzz.csv")
        except PollImportError as exc:
            assert str(exc)
            assert state() == before


@settings(max_examples=15)
@given(data=hostile_files(VALID))
def test_the_command_raises_nothing_but_command_error(tmp_path, data):
    path = tmp_path / "polls.csv"
    path.write_bytes(data)
    with rolled_back():
        before = state()
        try:
            call_command("targeting", "import_polls", str(path), stdout=io.StringIO())
        except CommandError:
            assert state() == before


def test_hostile_values_are_refused_by_row():
    header = "pollster,fieldwork_end,sample_size,Con,Lab\n"
    for row, expected in [
        ("X" * 101 + ",2026-10-02,1000,40,60", "row 2: the pollster's name is longer than 100 characters"),
        ("YouGov,2026-10-02,-5,40,60", "row 2: sample size -5 is not a positive number"),
        ("YouGov,2026-10-02,99999999999,40,60", "row 2: sample size 99999999999 is not a positive number"),
        ("You\x00Gov,2026-10-02,1000,40,60", "row 2: contains a NUL character"),
        ("YouGov,2026-10-02,1000,40," + "6" * 140_000, "cannot be read as CSV"),
    ]:
        with pytest.raises(PollImportError, match=expected.replace("(", r"\(")):
            import_polls(header + row + "\n")
    assert not Poll.objects.exists()
