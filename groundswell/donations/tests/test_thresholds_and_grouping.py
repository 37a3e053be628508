"""The thresholds as rows and the grouping rule, with worked examples (uk-rules.md §4; EC "grouping benefits")."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.donations.models import Donation, Threshold
from groundswell.donations.reports import impermissible_report, quarterly_report, report_csv, year_aggregation
from groundswell.donations.rules import pre_poll_weeks, quarter_dates, threshold_pence
from groundswell.donations.services import record_check, return_donation

from .world import build_world, give, individual

pytestmark = pytest.mark.django_db
D = dt.date


def test_every_threshold_is_a_row_with_its_source():
    assert threshold_pence("donation_party", D(2024, 5, 1)) == 500_00
    assert threshold_pence("donation_candidate", D(2024, 5, 1)) == 50_00
    assert threshold_pence("report_central", D(2024, 1, 1)) == 11_180_00
    assert threshold_pence("report_central", D(2023, 12, 31)) == 7_500_00
    assert threshold_pence("report_unit", D(2024, 1, 1)) == 2_230_00
    assert threshold_pence("report_unit", D(2023, 6, 1)) == 1_500_00
    assert all(t.source for t in Threshold.objects.all())


def test_five_hundred_pounds_exactly_is_not_a_donation_but_is_recorded():
    w = build_world()
    at_threshold = give(w, 500, D(2024, 3, 1))
    over = give(w, 500.01, D(2024, 3, 1))
    assert (at_threshold.is_donation, at_threshold.status) == (False, Donation.Status.BELOW_THRESHOLD)
    assert (over.is_donation, over.status) == (True, Donation.Status.PENDING)
    assert over.check_due_on == D(2024, 3, 31)


def test_central_party_worked_example_groups_then_reports_further_gifts_at_the_lower_figure():
    w = build_world()
    feb = give(w, 5_000, D(2024, 2, 10))
    may = give(w, 4_000, D(2024, 5, 10))
    small = give(w, 400, D(2024, 6, 1))  # £500 or less: not a donation, never added in
    aug = give(w, 3_000, D(2024, 8, 10))  # 12,000 > 11,180: reportable in Q3, all three listed
    oct_ = give(w, 1_500, D(2024, 10, 1))
    nov = give(w, 1_000, D(2024, 11, 1))  # 2,500 > 2,230 after a report this year: Q4
    agg = year_aggregation(2024)
    assert [(g.quarter, g.donation_ids, g.total_pence, g.further) for g in agg.groups] == [
        (3, [feb.pk, may.pk, aug.pk], 12_000_00, False),
        (4, [oct_.pk, nov.pk], 2_500_00, True),
    ]
    assert small.pk not in {pk for g in agg.groups for pk in g.donation_ids}


def test_accounting_unit_reports_over_2230_and_single_gifts_over_the_figure_on_their_own():
    w = build_world()
    a = give(w, 1_200, D(2024, 1, 5), au=w.clp_a)
    b = give(w, 1_100, D(2024, 4, 5), au=w.clp_a)  # 2,300 > 2,230: Q2
    c = give(w, 2_231, D(2024, 7, 5), au=w.clp_a)  # on its own over the figure: Q3, not aggregated
    groups = year_aggregation(2024).groups
    assert [(g.quarter, g.donation_ids, g.aggregated) for g in groups] == [(2, [a.pk, b.pk], True), (3, [c.pk], False)]


def test_before_2024_the_old_figures_apply():
    w = build_world()
    give(w, 7_400, D(2023, 3, 1))
    assert year_aggregation(2023).groups == []
    give(w, 200, D(2023, 4, 1))  # not a donation
    assert year_aggregation(2023).groups == []
    give(w, 600, D(2023, 5, 1))  # 8,000 > 7,500
    assert [g.quarter for g in year_aggregation(2023).groups] == [2]
    give(w, 1_600, D(2023, 6, 1), au=w.clp_a)  # over £1,500 at an accounting unit
    assert len(year_aggregation(2023).groups) == 2


def test_sources_units_and_years_are_grouped_apart_and_returned_gifts_do_not_count():
    w = build_world()
    give(w, 1_200, D(2024, 1, 5), au=w.clp_a)
    give(w, 1_200, D(2024, 1, 6), au=w.clp_a, donor=individual("Mary Somerville"))  # another source
    give(w, 1_200, D(2024, 1, 7))  # the same source, but to the central party
    give(w, 1_200, D(2025, 1, 5), au=w.clp_a)  # next year
    assert year_aggregation(2024).groups == []
    returned = give(w, 1_200, D(2024, 2, 5), au=w.clp_a)
    record_check(returned, actor=w.treasurer, outcome="impermissible", on=D(2024, 2, 20), note="not on any register")
    return_donation(returned, actor=w.treasurer, to="donor", method="cheque 100001", on=D(2024, 2, 21))
    assert year_aggregation(2024).groups == []


def test_quarters_and_the_2024_pre_poll_weeks():
    assert quarter_dates(2024, 1) == (D(2024, 1, 1), D(2024, 3, 31))
    assert quarter_dates(2024, 4) == (D(2024, 10, 1), D(2024, 12, 31))
    weeks = pre_poll_weeks(D(2024, 5, 30), D(2024, 7, 4))
    assert weeks[0] == (D(2024, 5, 30), D(2024, 6, 5)) and weeks[3] == (D(2024, 6, 20), D(2024, 6, 26))
    assert weeks[4:] == [(D(2024, 6, 27), D(2024, 7, 3)), (D(2024, 7, 4), D(2024, 7, 4))]


def test_the_quarterly_report_lists_the_group_in_the_quarter_it_crossed_and_the_returned_gifts():
    w = build_world()
    feb = give(w, 5_000, D(2024, 2, 10))
    give(w, 4_000, D(2024, 5, 10))
    aug = give(w, 3_000, D(2024, 8, 10))
    bad = give(w, 900, D(2024, 8, 11), donor=individual("Not Registered"))
    record_check(bad, actor=w.treasurer, outcome="impermissible", on=D(2024, 8, 20), note="on no register")
    return_donation(bad, actor=w.treasurer, to="donor", method="cheque 7", on=D(2024, 8, 21))
    assert [r.donation_id for r in quarterly_report(2024, 1)] == []
    q3 = quarterly_report(2024, 3)
    assert [r.donation_id for r in q3][:3] == [feb.pk, q3[1].donation_id, aug.pk]
    assert [r.aggregated for r in q3] == [True, True, True, False]
    text = report_csv(q3)
    assert text.count("Yes,No,No,No") >= 3 and "Returned" in text and "21/08/2024" in text
    assert [r.donation_id for r in impermissible_report()] == [bad.pk]
