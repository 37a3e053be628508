"""Fuzzing the absent voters lists import: any file gives a report, never an exception; a refusal changes nothing."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.register.lists import LIST_KINDS, import_absent_voters
from groundswell.register.models import Elector, RegisterImport
from groundswell.tests.hostile import hostile_files, rolled_back

pytestmark = pytest.mark.django_db

POSTAL = (
    "Elector Number,Name,Postal Address 1,Postal Address 2,Postcode\r\n"
    "AB1-1,Adaeze Okafor,Flat 2,1 Sea Road,BN1 1AA\r\n"
    '"AB1-2","Chidi Okafor","c/o ""The Lodge""",Mill Lane,RG1 1AA\r\n'
)
PROXY = (
    "PD\tENO\tSuffix\tName\tProxy Name\tProxy Address\tList\r\n"
    "AB1\t3\t0\tZoë Nowak\tSam Lee\t4 Oak Road\tproxy postal\r\n"
)
FILES = st.sampled_from([POSTAL, PROXY]).flatmap(lambda text: hostile_files(text.encode()))


def state() -> tuple:
    return (
        RegisterImport.objects.count(),
        sorted(Elector.objects.values_list("id", "postal_voter", "proxy_voter", "absent_vote_detail")),
    )


@given(data=FILES, kind=st.sampled_from([None, *LIST_KINDS]))
def test_any_absent_voters_file_gives_a_report_and_a_refusal_changes_nothing(small_register, data, kind):
    with rolled_back():
        before = state()
        report = import_absent_voters(io.BytesIO(data), small_register, list_kind=kind, filename="postal.csv")
        assert isinstance(report.as_dict(), dict)
        if report.errors:
            assert not report.written and state() == before
