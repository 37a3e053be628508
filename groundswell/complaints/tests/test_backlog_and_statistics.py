"""The backlog dashboard and the published statistics (small numbers suppressed); the parties' own page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from groundswell.complaints import selectors, services
from groundswell.complaints.models import Case, StagePeriod

from .world import build_world, lodge, login, triaged

pytestmark = pytest.mark.django_db


def test_suppression_hides_counts_under_five_and_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    assert selectors.suppress({"a": 0, "b": 3, "c": 7, "d": 12}) == {
        "a": 0,
        "b": "fewer than 5",
        "c": "fewer than 5",
        "d": 12,
    }
    assert selectors.suppress({"a": 1, "b": 2, "c": 9}) == {"a": "fewer than 5", "b": "fewer than 5", "c": 9}
    assert selectors.suppress({"a": 5, "b": 0}) == {"a": 5, "b": 0}


def test_published_statistics_never_show_a_small_number():
    w = build_world()
    for _ in range(6):
        lodge(w, category="harassment")
        lodge(w, category="bullying")
    lodge(w, category="disability")
    stats = selectors.published_statistics()
    assert stats["by_category"]["Harassment"] == 6 and stats["received_total"] == 13
    # The lone small cell takes the next smallest with it, so it cannot be worked out from the total.
    assert stats["by_category"]["Bullying"] == "fewer than 5"
    assert stats["by_category"]["Disability (protected characteristic)"] == "fewer than 5"
    for table in ("by_category", "by_stage", "by_age"):
        assert all(v == "fewer than 5" or v == 0 or v >= 5 for v in stats[table].values()), table
    page = login(w.complainant_user).get("/complaints/statistics/")
    assert page.status_code == 200 and b"fewer than 5" in page.content


def test_the_backlog_counts_open_cases_by_stage_and_age_with_missed_targets_and_medians():
    w = build_world()
    old = lodge(w)
    Case.objects.filter(pk=old.pk).update(opened_at=timezone.now() - datetime.timedelta(weeks=10))
    late = triaged(w)
    StagePeriod.objects.filter(case=late, ended_on__isnull=True).update(
        due_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    Case.objects.filter(pk=late.pk).update(stage_due_on=datetime.date.today() - datetime.timedelta(days=1))
    week = datetime.date.today() + datetime.timedelta(days=7)
    services.impose_interim_suspension(late, reason="Risk", review_on=week, actor=w.handler)
    data = selectors.backlog(w.reviewer)
    rows = {r["stage"]: r for r in data.rows}
    assert rows["intake"]["ages"][3] == 1  # 8–13 weeks
    assert rows["investigation"]["open"] == 1 and rows["investigation"]["missed"] == 1
    assert rows["intake"]["median_days"] == 0.0  # the triaged case spent 0 working days at intake (and triage)
    assert data.open_total == 2 and data.suspensions_outstanding == 1
    assert len(data.chart["bars"]) == len(selectors.AGE_BANDS)
    page = login(w.reviewer).get("/complaints/backlog/")
    assert page.status_code == 200 and b"<svg" in page.content
    assert login(w.complainant_user).get("/complaints/backlog/").status_code == 403


def test_the_parties_see_their_own_case_status_and_the_respondent_only_once_told():
    w = build_world()
    case = lodge(w)
    page = login(w.complainant_user).get("/complaints/mine/")
    assert case.reference.encode() in page.content and b"Intake" in page.content
    assert case.reference.encode() not in login(w.respondent_user).get("/complaints/mine/").content
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision="investigate", reason="Serious", actor=w.handler)
    theirs = login(w.respondent_user).get("/complaints/mine/").content
    assert case.reference.encode() in theirs and b"Investigation" in theirs
    assert b"religion" not in theirs.split(b"<main")[1]  # no complaint words on the respondent's page
    assert b"Investigation" in login(w.complainant_user).get("/complaints/mine/").content


def test_the_median_is_read_off_the_histogram():
    assert selectors._median_from_histogram({}) is None
    assert selectors._median_from_histogram({3: 1}) == 3
    assert selectors._median_from_histogram({1: 1, 5: 1}) == 3  # even count: mean of the middle two
    assert selectors._median_from_histogram({0: 2, 4: 1, 9: 4}) == 9
    assert selectors._median_from_histogram({2: 3, 7: 3}) == 4.5


def test_the_backlog_is_scoped_to_the_viewers_units():
    from groundswell.accounts.models import Role
    from groundswell.tests.factories import user_with_role

    w = build_world()
    lodge(w)
    elsewhere = user_with_role(Role.INDEPENDENT_REVIEWER, w.units.clp_b)
    here = user_with_role(Role.INDEPENDENT_REVIEWER, w.units.clp_a)
    assert selectors.backlog(elsewhere).open_total == 0
    assert selectors.backlog(here).open_total == 1 == selectors.backlog(w.reviewer).open_total
