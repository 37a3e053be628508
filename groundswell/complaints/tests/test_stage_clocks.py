"""Stage clocks count England and Wales working days, pause only for recorded reasons, and escalate when missed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from groundswell.complaints import services
from groundswell.complaints.models import CaseEvent, StagePeriod, StageTarget
from groundswell.workingdays import add_working_days, bank_holidays, working_days_between

from .world import build_world, lodge, triaged

pytestmark = pytest.mark.django_db


def test_bank_holidays_match_the_published_england_and_wales_list():
    # gov.uk/bank-holidays: 2022 had the Platinum Jubilee move and the state funeral; 2026's Boxing Day substitute.
    assert {datetime.date(2022, 6, 2), datetime.date(2022, 6, 3), datetime.date(2022, 9, 19)} <= bank_holidays(2022)
    assert datetime.date(2022, 5, 30) not in bank_holidays(2022)
    assert datetime.date(2023, 5, 8) in bank_holidays(2023)
    assert sorted(d for d in bank_holidays(2026) if d.month == 12) == [
        datetime.date(2026, 12, 25),
        datetime.date(2026, 12, 28),
    ]
    assert datetime.date(2027, 3, 26) in bank_holidays(2027)  # Good Friday


def test_working_days_skip_weekends_and_bank_holidays():
    # Wednesday 23 Dec 2026 + 3 working days: Thu 24, (Fri 25, Mon 28 bank holidays), Tue 29, Wed 30.
    assert add_working_days(datetime.date(2026, 12, 23), 3) == datetime.date(2026, 12, 30)
    assert working_days_between(datetime.date(2026, 12, 23), datetime.date(2026, 12, 31)) == 4
    assert (
        working_days_between(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)) == 261 - 8
    )  # 261 weekdays, 8 of them bank holidays
    for start in (datetime.date(2026, 3, 30), datetime.date(2025, 12, 20), datetime.date(2027, 5, 28)):
        for n in range(0, 30):
            assert working_days_between(start, add_working_days(start, n)) == n


def test_a_stage_is_due_its_configured_working_days_later():
    w = build_world()
    StageTarget.objects.filter(stage="triage").update(working_days=7)
    case = lodge(w)
    services.assign_handler(case, w.handler, actor=w.handler)
    period = StagePeriod.objects.get(case=case, stage="triage")
    assert period.target_days == 7
    assert period.due_on == add_working_days(period.started_on, 7) == case.stage_due_on


def test_the_clock_pauses_only_for_a_recorded_reason_and_the_due_date_moves_by_the_pause():
    w = build_world()
    case = triaged(w)
    with pytest.raises(ValidationError) as refused:
        services.pause_clock(case, reason="busy", note="", actor=w.handler)
    assert "reason" in refused.value.message_dict
    services.pause_clock(case, reason="police", note="Police asked us to wait", actor=w.handler)
    period = StagePeriod.objects.get(case=case, stage="investigation")
    # Backdate the pause by four working days, then resume: the due date moves four working days on.
    pause = period.pauses.get()
    pause.started_on = period.started_on = add_working_days(period.started_on, 0) - datetime.timedelta(days=6)
    pause.save()
    period.due_on = add_working_days(period.started_on, period.target_days)
    period.save()
    paused_for = working_days_between(pause.started_on, datetime.date.today())
    services.resume_clock(case, actor=w.handler)
    period.refresh_from_db()
    assert period.paused_days == paused_for > 0
    assert period.due_on == add_working_days(period.started_on, period.target_days + paused_for)
    assert services.elapsed_working_days(period) == 0


def test_a_missed_target_is_escalated_once_and_a_paused_clock_is_not():
    w = build_world()
    late, paused = triaged(w), triaged(w)
    StagePeriod.objects.filter(case__in=[late, paused]).update(
        due_on=datetime.date.today() - datetime.timedelta(days=3)
    )
    services.pause_clock(paused, reason="legal_advice", note="", actor=w.handler)
    assert services.escalate_missed_targets() == 1
    assert services.escalate_missed_targets() == 0
    late.refresh_from_db()
    paused.refresh_from_db()
    assert late.overdue and not paused.overdue
    assert CaseEvent.objects.filter(case=late, kind="escalated").count() == 1


def test_housekeeping_runs_as_a_queued_task():
    from groundswell.complaints.tasks import complaints_housekeeping

    result = complaints_housekeeping.enqueue()
    assert set(result.return_value) == {"escalated", "reminders", "retention"}
