"""The deadline rules: statutory dates from uk-election-timetables and the ones Groundswell adds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from groundswell.spending.models import ReturnReminder
from groundswell.spending.services import send_return_reminders, submit_return
from groundswell.spending.timetable import (
    UnknownElection,
    add_working_days,
    campaign_dates,
    candidate_return_due,
    long_campaign_percent,
    long_campaign_start,
    month_of_parliament,
    next_working_day,
    parse_election_id,
    party_return_due,
    regulated_period,
)

from .world import build_world

D = dt.date


def test_2024_return_due_friday_9_august():
    due = candidate_return_due(D(2024, 7, 5))
    assert due == D(2024, 8, 9) and due.weekday() == 4


def test_local_example_result_friday_6_may_due_friday_10_june():
    assert candidate_return_due(D(2022, 5, 6)) == D(2022, 6, 10)


def test_return_due_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day():
    # 35 days after Fri 22 Jul 2022 is Fri 26 Aug; after Sat 23 Jul it is Sat 27 Aug → Tue 30 Aug (bank holiday 29th).
    assert candidate_return_due(D(2022, 7, 23)) == D(2022, 8, 30)
    # Scotland's calendar differs: the August bank holiday is the first Monday (1 Aug 2022).
    assert candidate_return_due(D(2022, 6, 25), "scotland") == D(2022, 8, 2)
    assert candidate_return_due(D(2022, 6, 25)) == D(2022, 8, 1)


def test_christmas_eve_is_not_a_working_day():
    assert next_working_day(D(2025, 12, 24)) == D(2025, 12, 29)


def test_working_days_skip_weekends():
    assert add_working_days(D(2024, 8, 9), 7) == D(2024, 8, 20)


def test_long_campaign_start_2024_and_2015():
    assert long_campaign_start(D(2019, 12, 17)) == D(2024, 7, 18)
    assert long_campaign_start(D(2010, 5, 18)) == D(2014, 12, 19)


def test_month_of_parliament_and_scaling():
    assert month_of_parliament(D(2019, 12, 17), D(2019, 12, 17)) == 1
    assert month_of_parliament(D(2019, 12, 17), D(2024, 5, 30)) == 54
    assert long_campaign_percent(D(2019, 12, 17), D(2024, 5, 30)) == 0
    assert [long_campaign_percent(D(2019, 12, 17), d) for d in
            (D(2024, 7, 17), D(2024, 7, 18), D(2024, 8, 18), D(2024, 9, 18), D(2024, 10, 18), D(2024, 11, 18))] == [
        0, 60, 70, 80, 90, 100]  # fmt: skip
    assert long_campaign_percent(D(2019, 12, 17), None) == 100


def test_regulated_period_is_365_days_ending_on_polling_day():
    start, end = regulated_period(D(2024, 7, 4))
    assert end == D(2024, 7, 4) and (end - start).days + 1 == 365 and start == D(2023, 7, 6)


def test_party_return_three_or_six_months_by_total():
    assert party_return_due(D(2024, 7, 4), 250_000_00) == (D(2024, 10, 4), False)
    assert party_return_due(D(2024, 7, 4), 250_000_01) == (D(2025, 1, 4), True)


def test_2024_campaign_dates():
    d = campaign_dates("parl.2024-07-04", dissolved=D(2024, 5, 30), first_met=D(2019, 12, 17))
    assert d.notice_of_election == D(2024, 6, 4)  # fixes the electorate (Mole Valley RO)
    assert d.close_of_nominations == D(2024, 6, 7)
    assert d.long_start is None and d.long_percent == 0  # dissolved before the long campaign began
    assert (d.short_start, d.short_end) == (D(2024, 5, 30), D(2024, 7, 4))
    assert d.declared == D(2024, 7, 5)
    assert d.return_due == D(2024, 8, 9)
    assert d.candidate_declaration_due == D(2024, 8, 20)
    assert d.claims_due == D(2024, 7, 26) and d.payments_due == D(2024, 8, 2)
    assert d.period_of(D(2024, 6, 1)) == "short" and d.period_of(D(2024, 5, 1)) is None


def test_2015_long_campaign_runs_to_the_day_before_candidacy():
    d = campaign_dates("parl.2015-05-07", dissolved=D(2015, 3, 30), long_start_override=D(2014, 12, 19))
    assert (d.long_start, d.long_end, d.long_percent) == (D(2014, 12, 19), D(2015, 3, 29), 100)
    assert d.period_of(D(2015, 1, 10)) == "long" and d.period_of(D(2015, 4, 1)) == "short"


def test_local_dates_from_the_package():
    d = campaign_dates("local.reading.2026-05-07")
    assert d.notice_of_election == D(2026, 3, 30) and d.close_of_nominations == D(2026, 4, 9)
    assert d.short_start == D(2026, 3, 30)


@pytest.mark.parametrize(
    ("eid", "etype"),
    [("parl.2024-07-04", "parl"), ("parl.runcorn-and-helsby.by.2025-05-01", "parl_by"),
     ("local.reading.2026-05-07", "local"), ("local.reading.abbey.2026-05-07", "local")],
)  # fmt: skip
def test_election_ids(eid, etype):
    assert parse_election_id(eid).election_type == etype


@pytest.mark.parametrize("bad", ["", "parl", "parl.2024-13-04", "mayor.london.2024-05-02", "local.2026-05-07", "x"])
def test_bad_election_ids_are_refused(bad):
    with pytest.raises(UnknownElection, match="election"):
        parse_election_id(bad)


@pytest.mark.django_db
def test_return_reminders_reach_the_agent_once_each_until_submitted():
    w = build_world()
    assert send_return_reminders(D(2024, 7, 20)) == 0  # 20 days before: too early
    assert send_return_reminders(D(2024, 7, 26)) == 2  # 14 days before: both seats' agents
    assert send_return_reminders(D(2024, 7, 27)) == 0  # already reminded for this step
    assert all("due Fri 09 Aug 2024" in m.subject for m in mail.outbox)
    # Through messaging, each send kept on its reminder.
    assert all(r.email_send and r.email_send.purpose == "service" for r in ReturnReminder.objects.all())
    submit_return(actor=w.agent, candidacy=w.seat_a)
    assert send_return_reminders(D(2024, 8, 9)) == 1  # on the day: seat B only
