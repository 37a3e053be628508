"""What a plan attributes, the agent's acceptance or refusal, and headroom."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.spending.models import SpendingItem
from groundswell.tours import services
from groundswell.tours.models import Attribution, Stop
from groundswell.tours.planning import PlanRefused

from .world import BERKSHIRE, build_world, fill_ledger, reading_stop, seat_index

pytestmark = pytest.mark.django_db


def _plan(w, **kw):
    return services.plan_day(actor=w.organiser, day=w.day, index=seat_index(), **kw)


def test_a_candidate_stop_attributes_the_day_rate_to_its_seat():
    w = build_world()
    stop = reading_stop(w)
    plan = _plan(w)
    rows = Attribution.objects.filter(stop=stop)
    assert [(a.kind, a.amount_pence, a.candidacy_id) for a in rows] == [("day_rate", 461_00, w.reading.pk)]
    assert plan.rule["day_rate_pence"] == 461_00 and w.day.plan["rule"]["day_rate_basis"] == "entered by the organiser"
    assert any(r["stop_id"] == stop.pk for r in plan.schedule)


def test_the_agent_accepts_into_the_ledger_and_confirming_commits_it():
    w = build_world()
    stop = reading_stop(w, own_costs_pence=120_00)
    _plan(w)
    rows = list(Attribution.objects.filter(stop=stop))
    assert sorted(a.amount_pence for a in rows) == [120_00, 461_00]
    with pytest.raises(ValidationError, match="waiting"):
        services.confirm_stop(actor=w.organiser, stop=stop)
    for a in rows:
        services.decide(actor=w.agent_reading, attribution=a, accept=True)
    items = SpendingItem.objects.filter(allocations__candidacy=w.reading, description__contains="Leader's tour")
    assert {i.status for i in items} == {"planned"} and items.count() == 2
    services.confirm_stop(actor=w.organiser, stop=stop)
    assert {i.status for i in items.all()} == {"committed"}


def test_only_the_seats_agent_decides():
    w = build_world()
    reading_stop(w)
    _plan(w)
    a = Attribution.objects.get(kind="day_rate")
    for who in (w.organiser, w.agent_earley, w.volunteer):
        with pytest.raises(PermissionDenied):
            services.decide(actor=who, attribution=a, accept=True)


def test_an_agents_refusal_blocks_the_stop():
    w = build_world()
    stop = reading_stop(w)
    _plan(w)
    a = Attribution.objects.get(stop=stop, kind="day_rate")
    with pytest.raises(ValidationError, match="why"):
        services.decide(actor=w.agent_reading, attribution=a, accept=False)
    services.decide(actor=w.agent_reading, attribution=a, accept=False, reason="the candidate did not ask for it")
    stop.refresh_from_db()
    assert stop.status == Stop.Status.BLOCKED
    with pytest.raises(ValidationError, match="blocked"):
        services.confirm_stop(actor=w.organiser, stop=stop)
    assert w.tour.notices.exists()


def test_a_plan_taking_a_stop_seat_over_its_limit_is_refused():
    w = build_world()
    fill_ledger(w, w.reading, leave_pence=100_00)
    reading_stop(w)
    with pytest.raises(PlanRefused, match="Reading Central"):
        _plan(w)
    assert w.day.attributions.count() == 0 and not w.day.plan


def test_leaving_the_network_in_a_seat_near_its_limit_is_refused_and_the_minimising_plan_avoids_it():
    w = build_world()
    fill_ledger(w, w.earley, leave_pence=100_00)
    reading_stop(w)
    # The quickest way into Reading leaves the M4 at junction 11, through Earley and Woodley: counted at the day
    # rate until its agent decides, which would take it over its limit.
    with pytest.raises(PlanRefused, match="Earley and Woodley") as refused:
        _plan(w)
    assert "minimises local attribution" in str(refused.value)
    plan = _plan(w, minimise=True)
    assert plan.minimised
    assert BERKSHIRE["EARLEY"] not in {r["code"] for r in plan.left_network}
    assert not Attribution.objects.filter(day=w.day, candidacy=w.earley).exists()
    assert Attribution.objects.filter(day=w.day, candidacy=w.reading, kind="day_rate").exists()


def test_a_derived_day_rate_is_recorded_with_the_plan():
    w = build_world()
    w.tour.rate_basis = "derived"
    w.tour.hire_pence_per_day, w.tour.fuel_pence_per_day, w.tour.staff_pence_per_day = 300_00, 80_00, 120_00
    w.tour.save()
    reading_stop(w)
    plan = _plan(w)
    assert plan.rule["day_rate_pence"] == 500_00 and "hire £300.00" in plan.rule["day_rate_basis"]
    assert Attribution.objects.get(kind="day_rate", stop__isnull=False).amount_pence == 500_00


def test_a_national_stop_goes_to_the_party_and_its_treasurer_accepts():
    w = build_world()
    stop = reading_stop(w, purpose=Stop.Purpose.NATIONAL, candidacy=None, own_costs_pence=200_00)
    _plan(w)
    rows = list(Attribution.objects.filter(stop=stop))
    assert {a.candidacy_id for a in rows} == {None}
    for a in rows:
        services.decide(actor=w.treasurer, attribution=a, accept=True)
    assert SpendingItem.objects.filter(allocations__candidacy__isnull=True, category="p_transport").count() == 1
