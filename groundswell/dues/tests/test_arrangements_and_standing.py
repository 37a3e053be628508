"""Setting up, changing and cancelling dues; payments credited once; standing, re-joining, payment sources; who
may do what; Membership.status kept in step by the daily job; reminders through messaging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from groundswell.dues import selectors, services
from groundswell.dues.models import Arrangement, DailyRun, DuesPayment, DuesRules, Method, Reminder
from groundswell.dues.services import DuesError
from groundswell.people.models import Membership

from . import world
from .world import login_of, member, pay

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def w():
    return world.build()


def test_a_member_sets_up_monthly_direct_debit_and_is_in_good_standing_once_paid(w):
    m = member(w.tree.clp_a, joined=D(2025, 1, 10))
    a = services.set_up_dues(
        m, membership_type=w.standard, interval="month", method=Method.DIRECT_DEBIT, actor=login_of(m),
        on=D(2025, 1, 10),
    )  # fmt: skip
    assert a.status == Arrangement.Status.PENDING and a.amount_pence == 500 and a.payer_is_member
    assert selectors.standing_on(m, D(2025, 1, 10)).status == "never_paid"
    pay(m, D(2025, 1, 14), 500, arrangement=a)
    s = selectors.standing_on(m, D(2025, 1, 20))
    assert s.good and s.paid_through == D(2025, 2, 9) and s.continuous_since == D(2025, 1, 10)


def test_an_amount_below_the_rate_is_refused_with_the_rate_named(w):
    m = member(w.tree.clp_a)
    with pytest.raises(DuesError, match=r"£3.00 is less than the Standard rate of £5.50 a month"):
        services.set_up_dues(
            m, membership_type=w.standard, interval="month", method="card", actor=login_of(m), amount_pence=300,
            on=D(2026, 2, 1),
        )  # fmt: skip
    assert not Arrangement.objects.exists()


def test_a_member_may_not_set_up_dues_for_someone_else_nor_a_treasurer_of_another_party(w):
    m, other = member(w.tree.clp_a), member(w.tree.clp_a)
    for actor in (login_of(other), w.sibling_treasurer):
        with pytest.raises(PermissionDenied):
            services.set_up_dues(m, membership_type=w.standard, interval="month", method="card", actor=actor)
    services.set_up_dues(m, membership_type=w.standard, interval="month", method="card", actor=w.treasurer)


def test_members_pay_online_only_and_a_treasurer_records_cheques(w):
    m = member(w.tree.clp_a)
    with pytest.raises(DuesError, match="treasurer records cheques"):
        services.set_up_dues(m, membership_type=w.standard, interval="year", method="cheque", actor=login_of(m))
    p = services.record_offline_payment(m, amount_pence=5500, paid_on=D(2025, 1, 3), method="cheque", actor=w.treasurer)
    assert p.method == "cheque" and p.payer_id == m.person_id
    with pytest.raises(PermissionDenied):
        services.record_offline_payment(m, amount_pence=100, paid_on=D(2025, 1, 3), method="cash", actor=w.organiser)


def test_the_same_payment_reference_credits_once(w):
    m = member(w.tree.clp_a)
    args = dict(membership=m, amount_pence=500, paid_on=D(2025, 1, 1), method="card", source_ref="payments.payment:9")
    first, again = services.record_payment(**args), services.record_payment(**args)
    assert first.pk == again.pk and DuesPayment.objects.count() == 1


@pytest.mark.parametrize("bad", [0, -5, 2.5, "500", True])
def test_a_payment_that_is_not_a_positive_whole_number_of_pence_is_refused(w, bad):
    m = member(w.tree.clp_a)
    with pytest.raises(DuesError, match="positive whole number of pence"):
        services.record_payment(membership=m, amount_pence=bad, paid_on=D(2025, 1, 1), method="card", source_ref="x")


def test_a_refund_takes_the_credit_back(w):
    m = member(w.tree.clp_a)
    p = pay(m, D(2025, 1, 1), 500)
    assert selectors.standing_on(m, D(2025, 1, 15)).arrears_pence == 0
    services.record_refund(p.source_ref, 500)
    assert selectors.standing_on(m, D(2025, 1, 15)).arrears_pence == 500


def test_changing_type_keeps_the_history_and_the_new_rate_applies_from_the_change(w):
    m = member(w.tree.clp_a)
    a = services.set_up_dues(
        m, membership_type=w.standard, interval="month", method="card", actor=login_of(m), on=D(2025, 1, 1)
    )
    b = services.change_dues(a, membership_type=w.reduced, amount_pence=None, actor=login_of(m), on=D(2025, 3, 1))
    a.refresh_from_db()
    assert a.status == Arrangement.Status.REPLACED and b.amount_pence == 250 and b.method == "card"
    for day, pence in [(D(2025, 1, 1), 500), (D(2025, 2, 1), 500), (D(2025, 3, 1), 250)]:
        pay(m, day, pence)
    assert selectors.standing_on(m, D(2025, 3, 10)).paid_through == D(2025, 3, 31)


def test_cancelling_stops_the_arrangement_but_dues_keep_falling_due(w):
    m = member(w.tree.clp_a)
    a = services.set_up_dues(
        m, membership_type=w.standard, interval="month", method="card", actor=login_of(m), on=D(2025, 1, 1)
    )
    pay(m, D(2025, 1, 1), 500)
    services.cancel_dues(a, actor=login_of(m), reason="moving abroad")
    assert selectors.standing_on(m, D(2025, 4, 2)).status == "arrears"
    with pytest.raises(DuesError, match="already ended"):
        services.cancel_dues(a, actor=login_of(m))


def test_a_lapsed_member_re_joins_with_a_new_arrangement_and_continuous_membership_restarts(w):
    m = member(w.tree.clp_a, joined=D(2024, 1, 1))
    pay(m, D(2024, 1, 1), 500)
    services.refresh_statuses(Membership.objects.all(), D(2024, 9, 1))
    m.refresh_from_db()
    assert m.status == Membership.Status.LAPSED and m.lapsed_on == D(2024, 8, 1)
    a = services.set_up_dues(
        m, membership_type=w.reduced, interval="month", method="direct_debit", actor=login_of(m), on=D(2025, 5, 1)
    )
    assert a.starts_run
    pay(m, D(2025, 5, 3), 250)
    m.refresh_from_db()
    s = selectors.standing_on(m, D(2025, 5, 10))
    assert s.good and s.continuous_since == D(2025, 5, 1)
    assert selectors.standing_on(m, D(2024, 3, 1)).continuous_since == D(2024, 1, 1)  # history kept
    assert m.dues_arrangements.count() == 1 and m.dues_payments.count() == 2


def test_payment_sources_name_the_payer_and_fingerprint_and_a_third_party_paying_for_two(w):
    a, b, c = member(w.tree.clp_a), member(w.tree.clp_a), member(w.tree.clp_a)
    payer = member(w.tree.clp_a).person
    for m in (a, b):
        arr = services.set_up_dues(
            m, membership_type=w.standard, interval="month", method="direct_debit", actor=w.treasurer,
            payer=payer, on=D(2025, 1, 1),
        )  # fmt: skip
        Arrangement.objects.filter(pk=arr.pk).update(method_fingerprint="bank:shared")
        pay(m, D(2025, 1, 2), 500, fingerprint="bank:shared")
    pay(c, D(2025, 1, 5), 500, fingerprint="card:own")
    sources = selectors.payment_sources(Membership.objects.filter(pk__in=[a.pk, b.pk, c.pk]))
    assert sources[a.pk].fingerprint == sources[b.pk].fingerprint == "bank:shared"
    assert sources[a.pk].payer_person_id == payer.pk and not sources[a.pk].payer_is_member
    assert sources[c.pk].payer_is_member and sources[c.pk].first_paid_on == D(2025, 1, 5)
    assert sources[c.pk].method == "direct_debit"


def test_the_nearest_rules_row_up_the_tree_applies(w):
    m = member(w.tree.branch_a1)
    m.constituency_party = w.tree.branch_a1
    m.save()
    pay(m, D(2025, 1, 1), 500)
    assert selectors.standing_on(m, D(2025, 4, 15)).status == "arrears"  # 3 months behind, 6 allowed
    DuesRules.objects.create(unit=w.tree.clp_a, grace_months=3, lapse_after_months=4)
    assert selectors.standing_on(m, D(2025, 4, 15)).good
    assert selectors.standing_on(m, D(2025, 6, 1)).status == "lapsed"


def test_the_daily_job_keeps_status_in_step_runs_once_a_day_and_warns_before_lapsing(w, mailoutbox):
    good, behind = member(w.tree.clp_a), member(w.tree.clp_a)
    untouched = member(w.tree.clp_a)  # imported, dues kept elsewhere: left alone
    for k in range(6):
        pay(good, D(2025, 1 + k, 1), 500)
    pay(behind, D(2025, 1, 1), 500)
    summary = services.daily(D(2025, 6, 2))
    good.refresh_from_db(), behind.refresh_from_db(), untouched.refresh_from_db()
    assert good.status == "active" and behind.status == "arrears" and untouched.status == "active"
    assert summary["about_to_lapse"] == 1
    assert Reminder.objects.get(membership=behind).kind == "about_to_lapse"
    assert services.daily(D(2025, 6, 2)) == {"skipped": "already ran for 2025-06-02"}
    services.daily(D(2025, 6, 3))
    assert Reminder.objects.filter(membership=behind).count() == 1  # the same warning is not sent twice
    assert DailyRun.objects.count() == 2


def test_a_yearly_card_member_is_reminded_before_renewal(w):
    m = member(w.tree.clp_a)
    a = services.set_up_dues(
        m, membership_type=w.standard, interval="year", method="card", actor=login_of(m), on=D(2025, 1, 1)
    )
    Arrangement.objects.filter(pk=a.pk).update(status="active")
    pay(m, D(2025, 1, 1), 5500, arrangement=a)
    a.refresh_from_db()
    assert a.next_renewal_on == D(2026, 1, 1)
    assert services.send_reminders(D(2025, 12, 1))["renewal_due"] == 0
    assert services.send_reminders(D(2025, 12, 15))["renewal_due"] == 1
    assert services.send_reminders(D(2025, 12, 16))["renewal_due"] == 0
    reminder = Reminder.objects.get(kind="renewal_due")
    assert reminder.delivered and reminder.email_send is not None


def test_a_rate_rise_raises_live_arrangements_paying_less_and_leaves_those_paying_more(w):
    low, generous = member(w.tree.clp_a), member(w.tree.clp_a)
    a = services.set_up_dues(
        low, membership_type=w.standard, interval="month", method="card", actor=login_of(low), on=D(2025, 6, 1)
    )
    b = services.set_up_dues(
        generous, membership_type=w.standard, interval="month", method="card", actor=login_of(generous),
        amount_pence=800, on=D(2025, 6, 1),
    )  # fmt: skip
    assert a.amount_pence == 500
    assert services.apply_rate_rises(D(2026, 1, 1)) == 1
    raised = selectors.current_arrangement(low)
    assert raised.amount_pence == 550 and raised.started_on == D(2026, 1, 1)
    assert selectors.current_arrangement(generous).pk == b.pk


def test_a_membership_imported_as_lapsed_stays_lapsed_until_it_re_joins(w):
    m = member(w.tree.clp_a, joined=D(2019, 1, 1))
    Membership.objects.filter(pk=m.pk).update(status="lapsed", lapsed_on=D(2022, 5, 1))
    m.refresh_from_db()
    s = selectors.standing_on(m, D(2025, 1, 1))
    assert s.status == "lapsed" and s.lapsed_on == D(2022, 5, 1)
    a = services.set_up_dues(
        m, membership_type=w.standard, interval="month", method="card", actor=login_of(m), on=D(2025, 1, 1)
    )
    assert a.starts_run
    pay(m, D(2025, 1, 2), 500)
    assert selectors.standing_on(m, D(2025, 1, 10)).continuous_since == D(2025, 1, 1)


def test_a_cheque_recorded_late_but_received_before_the_lapse_day_means_no_lapse(w):
    m = member(w.tree.clp_a, joined=D(2025, 1, 1))
    pay(m, D(2025, 1, 1), 500)
    services.refresh_statuses(Membership.objects.filter(pk=m.pk), D(2025, 8, 1))
    m.refresh_from_db()
    assert m.status == "lapsed"
    pay(m, D(2025, 6, 20), 3000)  # received in June, entered in August
    assert selectors.standing_on(m, D(2025, 8, 1)).good
