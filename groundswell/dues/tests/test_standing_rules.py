"""The dues arithmetic (`dues/standing.py`) with worked examples, and hypothesis over random payment histories."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.dues import standing as S

D = dt.date
RATES = S.RateTable.of(
    [
        ("standard", "month", D(2020, 1, 1), 500),
        ("standard", "year", D(2020, 1, 1), 5500),
        ("standard", "month", D(2026, 1, 1), 550),
        ("standard", "year", D(2026, 1, 1), 6000),
        ("reduced", "month", D(2020, 1, 1), 250),
        ("reduced", "year", D(2020, 1, 1), 2750),
    ]
)
RULES = S.Rules(grace_months=1, lapse_after_months=6, default_type="standard")


JAN_2025 = D(2025, 1, 1)


def standing(on, joined=JAN_2025, plans=(), paid=(), **kw):
    payments = [S.Paid(day, amount) for day, amount in paid]
    return S.compute(on=on, joined_on=joined, plans=list(plans), payments=payments, rates=RATES, rules=RULES, **kw)


def monthly(start, months, amount=500):
    return [(S.add_months(start, k), amount) for k in range(months)]


def test_months_are_added_on_the_same_day_or_the_months_end():
    assert S.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert S.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert S.add_months(D(2025, 11, 15), 3) == D(2026, 2, 15)


def test_months_behind_counts_the_due_days_passed():
    assert S.months_behind(D(2026, 11, 1), D(2026, 10, 31)) == 0
    assert S.months_behind(D(2026, 11, 1), D(2026, 11, 1)) == 1
    assert S.months_behind(D(2026, 11, 1), D(2026, 12, 15)) == 2


def test_a_member_paying_every_month_is_in_good_standing_and_paid_to_the_month_end():
    s = standing(D(2025, 6, 10), paid=monthly(D(2025, 1, 1), 6))
    assert s.good and s.status == "good"
    assert s.paid_through == D(2025, 6, 30)
    assert s.arrears_pence == 0
    assert s.continuous_since == D(2025, 1, 1)


def test_the_worked_example_two_months_behind_is_in_arrears_with_the_sum_owed():
    # Joined 1 Jan 2026 at £5.50 a month, paid Jan–Oct; on 15 Dec Nov and Dec are due: 2 months, £11.00.
    s = standing(D(2026, 12, 15), joined=D(2026, 1, 1), paid=monthly(D(2026, 1, 1), 10, 550))
    assert s.status == "arrears" and not s.good
    assert s.paid_through == D(2026, 10, 31)
    assert s.arrears_pence == 1100
    assert s.months_behind == 2
    assert s.reason.startswith("Paid up to 31 Oct 2026; 2 months in arrears (£11.00)")


def test_one_month_behind_is_within_the_grace_allowed():
    s = standing(D(2025, 7, 2), paid=monthly(D(2025, 1, 1), 6))
    assert s.good and s.months_behind == 1 and s.arrears_pence == 500


def test_six_months_unpaid_lapses_on_the_day_the_seventh_falls_due():
    paid = monthly(D(2025, 1, 1), 3)  # paid to 31 Mar; Apr…Sep unpaid
    assert standing(D(2025, 9, 30), paid=paid).status == "arrears"
    s = standing(D(2025, 10, 1), paid=paid)
    assert s.status == "lapsed" and s.lapsed_on == D(2025, 10, 1)
    assert s.continuous_since is None and s.paid_through == D(2025, 3, 31)


def test_paying_after_the_lapse_does_not_undo_it_but_re_joining_starts_a_new_run():
    paid = [*monthly(D(2025, 1, 1), 3), (D(2025, 11, 1), 3000)]
    assert standing(D(2025, 11, 2), paid=paid).status == "lapsed"
    rejoin = S.Plan(D(2026, 2, 1), "reduced", "month", 250, starts_run=True)
    s = standing(D(2026, 3, 5), plans=[rejoin], paid=[*paid, (D(2026, 2, 1), 250), (D(2026, 3, 1), 250)])
    assert s.good and s.continuous_since == D(2026, 2, 1)
    assert s.paid_through == D(2026, 3, 31)


def test_a_rate_change_is_a_row_and_applies_from_its_date():
    s = standing(D(2026, 1, 20), joined=D(2025, 12, 1), paid=[(D(2025, 12, 1), 500), (D(2026, 1, 1), 500)])
    assert s.paid_through == D(2025, 12, 31) and s.arrears_pence == 50  # January costs £5.50


def test_a_yearly_payment_covers_the_year():
    plan = S.Plan(D(2025, 3, 1), "standard", "year")
    s = standing(D(2026, 2, 27), joined=D(2025, 3, 1), plans=[plan], paid=[(D(2025, 3, 3), 5500)])
    assert s.good and s.paid_through == D(2026, 2, 28)
    after = standing(D(2026, 3, 20), joined=D(2025, 3, 1), plans=[plan], paid=[(D(2025, 3, 3), 5500)])
    assert after.good and after.arrears_pence == 6000 and after.months_behind == 1


def test_the_first_arrangement_covers_the_weeks_before_it_was_set_up():
    plan = S.Plan(D(2025, 1, 20), "reduced", "month")
    s = standing(D(2025, 1, 25), plans=[plan], paid=[(D(2025, 1, 21), 250)])
    assert s.good and s.paid_through == D(2025, 1, 31)


def test_a_member_who_chose_to_pay_more_owes_what_they_chose():
    plan = S.Plan(D(2025, 1, 1), "standard", "month", amount_pence=1000)
    s = standing(D(2025, 3, 15), plans=[plan], paid=monthly(D(2025, 1, 1), 2, 1000))
    assert s.good and s.months_behind == 1 and s.arrears_pence == 1000


def test_a_new_member_who_has_not_paid_has_never_paid():
    s = standing(D(2025, 1, 5))
    assert s.status == "never_paid" and not s.good and s.arrears_pence == 500


def test_resigned_and_suspended_are_kept_whatever_is_paid():
    assert standing(D(2025, 2, 1), paid=monthly(D(2025, 1, 1), 2), held_status="resigned").status == "resigned"
    assert standing(D(2025, 2, 1), held_status="suspended").good is False


def test_a_recorded_lapse_stands_until_a_re_join():
    s = standing(D(2025, 6, 1), paid=monthly(D(2025, 1, 1), 6), recorded_lapse=D(2025, 3, 1))
    assert s.status == "lapsed" and s.lapsed_on == D(2025, 3, 1)


# --------------------------------------------------------------------------------------------- hypothesis

days = st.dates(min_value=D(2020, 1, 1), max_value=D(2028, 12, 31))
plans = st.lists(
    st.builds(
        S.Plan,
        starts_on=days,
        type_code=st.sampled_from(["standard", "reduced"]),
        interval=st.sampled_from(["month", "year"]),
        amount_pence=st.sampled_from([0, 0, 700, 9000]),
        starts_run=st.booleans(),
    ),
    max_size=4,
)
payments = st.lists(st.tuples(days, st.integers(min_value=1, max_value=20_000)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(joined=days, on=days, plans=plans, paid=payments)
def test_arrears_are_never_negative_and_good_standing_means_within_grace(joined, on, plans, paid):
    s = standing(on, joined=joined, plans=plans, paid=paid)
    assert s.arrears_pence >= 0
    assert s.status in {"good", "arrears", "lapsed", "never_paid"}
    if s.good:
        assert s.status == "good" and s.months_behind <= RULES.grace_months
    if s.status == "lapsed":
        assert s.lapsed_on is not None and s.lapsed_on <= on and s.continuous_since is None
    if s.paid_through and s.continuous_since:
        assert s.paid_through >= s.continuous_since


@settings(max_examples=200, deadline=None)
@given(joined=days, on=days, plans=plans)
def test_paying_everything_due_on_each_due_day_gives_good_standing(joined, on, plans):
    plans = [p for p in plans if not p.starts_run]  # one run: no re-join
    if on < joined:
        return
    paid = [(p.start, p.due_pence) for p in _until(S.periods(joined, plans, RATES, RULES), on)]
    s = standing(on, joined=joined, plans=plans, paid=paid)
    assert s.good and s.arrears_pence == 0 and s.status == "good"
    assert s.paid_through is not None and s.paid_through >= on


@settings(max_examples=200, deadline=None)
@given(joined=days, on=days, paid=payments, extra=st.integers(min_value=1, max_value=50_000))
def test_paying_more_never_worsens_the_standing(joined, on, paid, extra):
    before = standing(on, joined=joined, paid=paid)
    after = standing(on, joined=joined, paid=[*paid, (max(joined, min(on, D(2028, 12, 31))), extra)])
    assert after.arrears_pence <= before.arrears_pence
    if before.good:
        assert after.good


def _until(run, on):
    for period in run:
        if period.start > on:
            return
        yield period
