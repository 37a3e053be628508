"""Poll import (the one-row-per-poll layout) and the house-effect-corrected tracker."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.targeting.models import Poll
from groundswell.targeting.polls import PollImportError, import_polls, tracker

pytestmark = pytest.mark.django_db

CSV = """pollster,fieldwork_start,fieldwork_end,sample_size,area,Con,Lab,Lib Dem,Reform,Green,Notes
YouGov,2026-10-01,2026-10-02,1650,GB,24%,30%,12%,22%,9%,
Opinium,01/10/2026,03/10/2026,"2,000",GB,26,29,11,21,8,online
Ipsos,2026-10-02,2026-10-04,1000,Scotland,0.15,0.3,0.08,0.15,0.05,
"""


def test_polls_import_with_percentages_fractions_and_party_names():
    assert import_polls(CSV) == (3, 0)
    yougov = Poll.objects.get(pollster="YouGov")
    assert yougov.shares == pytest.approx({"CON": 0.24, "LAB": 0.30, "LD": 0.12, "UKIP": 0.22, "GRN": 0.09})
    opinium = Poll.objects.get(pollster="Opinium")
    assert opinium.sample_size == 2000 and opinium.fieldwork_start == dt.date(2026, 10, 1)
    assert Poll.objects.get(pollster="Ipsos").area == "Scotland"


def test_importing_the_same_polls_again_replaces_them():
    import_polls(CSV)
    assert import_polls(CSV) == (0, 3)
    assert Poll.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Kantar,2026-10-05,2026-10-04,1000,GB,30,30,10,20,10,", "row 5: fieldwork starts"),
        ("Kantar,2026-10-05,soon,1000,GB,30,30,10,20,10,", "row 5: fieldwork end 'soon' is not a date"),
        ("Kantar,2026-10-05,2026-10-06,1000,GB,30,lots,10,20,10,", "row 5: Lab share 'lots' is not a number"),
        ("Kantar,2026-10-05,2026-10-06,1000,Ulster,30,30,10,20,10,", "row 5: area 'Ulster'"),
        ("Kantar,2026-10-05,2026-10-06,1000,GB,60,60,10,20,10,", "row 5: shares add up to 160%"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_imported(row, message):
    with pytest.raises(PollImportError, match=message):
        import_polls(CSV + row + "\n")
    assert Poll.objects.count() == 0


def test_a_file_without_party_columns_is_refused():
    with pytest.raises(PollImportError, match="no party columns"):
        import_polls("pollster,fieldwork_end,notes\nYouGov,2026-10-01,x\n")


def test_the_tracker_removes_a_pollsters_house_effect():
    # Two pollsters poll the same steady 40% Labour share on alternate days; one always reads 4 points high.
    start = dt.date(2026, 9, 1)
    polls = []
    for day in range(40):
        high = day % 2 == 0
        polls.append(
            Poll(
                pollster="Highball" if high else "Level",
                fieldwork_start=start + dt.timedelta(days=day),
                fieldwork_end=start + dt.timedelta(days=day),
                sample_size=1000,
                shares={"LAB": 0.42 if high else 0.38, "CON": 0.30 if high else 0.34},
            )
        )
    t = tracker("GB", polls=polls)
    assert t.house_effects["Highball"]["LAB"] - t.house_effects["Level"]["LAB"] == pytest.approx(0.04, abs=0.005)
    assert t.latest["LAB"] == pytest.approx(0.40, abs=0.005)
    assert all(lo <= avg <= hi for lo, avg, hi in zip(t.low["LAB"], t.average["LAB"], t.high["LAB"], strict=True))


def test_the_tracker_is_empty_without_polls():
    assert tracker("Wales").dates == []
