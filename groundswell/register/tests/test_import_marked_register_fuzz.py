"""Fuzzing the marked register import: any file gives a report, never an exception; a refusal changes nothing."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.register.lists import import_marked_register
from groundswell.register.models import RegisterImport, TurnoutRecord
from groundswell.tests.hostile import hostile_files, rolled_back

pytestmark = pytest.mark.django_db

MARKED = "Elector Number,Mark\r\nAB1-1,v\r\nAB1-2,x\r\nAB1-3,\r\n"
TABBED = "PD\tENO\tSuffix\tVoted\r\nAB1\t1\t0\tyes\r\nAB2\t1\t0\tpostal\r\n"
FILES = st.sampled_from([MARKED, TABBED]).flatmap(lambda text: hostile_files(text.encode()))


def state() -> tuple:
    return RegisterImport.objects.count(), sorted(TurnoutRecord.objects.values_list("elector_id", "election", "mark"))


@given(data=FILES, election=st.sampled_from(["parl.2024-07-04", "local.reading.2024-05-02", "parl.2024-02-30", ""]))
def test_any_marked_register_gives_a_report_and_a_refusal_changes_nothing(small_register, data, election):
    with rolled_back():
        before = state()
        report = import_marked_register(io.BytesIO(data), small_register, election, filename="marked.csv")
        assert isinstance(report.as_dict(), dict)
        if report.errors:
            assert not report.written and state() == before
