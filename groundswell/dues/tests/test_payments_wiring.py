"""Dues through the payments app's fake providers: a Direct Debit set up, charged, failed, cancelled; a yearly
card; a third party paying for two members from one bank account; replayed notices credited once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from groundswell.dues import selectors, services
from groundswell.dues.models import Arrangement, DuesPayment, Reminder
from groundswell.dues.standing import add_months
from groundswell.payments import testing
from groundswell.payments.models import Payment, WebhookEvent

from . import world
from .world import login_of, member

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def w():
    return world.build()


def _dd(w, m, *, on, actor=None, payer=None, interval="month", kind=None):
    a = services.set_up_dues(
        m, membership_type=kind or w.standard, interval=interval, method="direct_debit",
        actor=actor or login_of(m), payer=payer, on=on,
    )  # fmt: skip
    services.start_payment(a, return_url="http://testserver/done/", cancel_url="http://testserver/me/")
    a.refresh_from_db()
    return a


def test_a_direct_debit_becomes_active_and_its_charges_are_credited_with_the_bank_fingerprint(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    assert a.subscription is not None and a.status == "pending"
    subscription = testing.complete_direct_debit(
        _checkout(a), on=D(2026, 1, 8), sort_code="20-00-00", account_number="55779911"
    )
    a.refresh_from_db()
    assert a.status == "active" and a.method_fingerprint.startswith("bank:")
    testing.history(subscription, start=D(2026, 2, 5), months=4)
    paid = DuesPayment.objects.filter(membership=m)
    assert paid.count() == 5 and {p.method_fingerprint for p in paid} == {a.method_fingerprint}
    s = selectors.standing_on(m, D(2026, 6, 1))
    assert s.good and s.months_behind == 0 and s.paid_through == D(2026, 6, 4)  # January to May: five months


def test_a_replayed_webhook_credits_once(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    subscription = testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8))
    event = WebhookEvent.objects.filter(type__icontains="paid").order_by("-id").first()
    testing.deliver(event.provider, event.type, event.payload.get("data", event.payload), event_id=event.event_id)
    assert DuesPayment.objects.filter(membership=m).count() == 1
    assert Payment.objects.filter(subscription=subscription, status="paid").count() == 1


def test_missed_charges_put_the_member_in_arrears_and_a_failure_emails_them_once(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    subscription = testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8))
    testing.history(subscription, start=D(2026, 2, 5), months=4, missed={1, 2, 3})
    s = selectors.standing_on(m, D(2026, 5, 10))
    assert s.status == "arrears" and s.paid_through == D(2026, 3, 4) and s.arrears_pence == 3 * 550
    assert Reminder.objects.filter(membership=m, kind="failed_payment").count() == 3


def test_a_late_failure_takes_the_credit_back(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    subscription = testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8))
    payment = Payment.objects.get(subscription=subscription)
    testing.fail_payment(payment)
    assert DuesPayment.objects.get(payment=payment).net_pence == 0
    assert selectors.standing_on(m, D(2026, 1, 20)).status == "never_paid"


def test_a_cancelled_mandate_ends_the_arrangement_and_a_member_cancelling_stops_the_provider(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    subscription = testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8))
    testing.cancel_mandate(subscription)
    a.refresh_from_db()
    assert a.status == "cancelled"
    m2 = member(w.tree.clp_a, joined=D(2026, 1, 5))
    b = _dd(w, m2, on=D(2026, 1, 5))
    sub2 = testing.complete_direct_debit(_checkout(b), on=D(2026, 1, 8))
    services.cancel_dues(Arrangement.objects.get(pk=b.pk), actor=login_of(m2))
    sub2.refresh_from_db()
    assert sub2.status == "cancelled"


def test_changing_the_amount_changes_the_provider_subscription_and_later_charges_follow_the_new_arrangement(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 5))
    a = _dd(w, m, on=D(2026, 1, 5))
    subscription = testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8))
    a.refresh_from_db()
    b = services.change_dues(a, membership_type=w.standard, amount_pence=1000, actor=login_of(m), on=D(2026, 1, 20))
    subscription.refresh_from_db()
    assert subscription.amount_pence == 1000 and b.subscription_id == subscription.pk
    testing.pay_next_charge(subscription, on=D(2026, 2, 5))
    assert DuesPayment.objects.filter(arrangement=b).get().amount_pence == 1000


def test_two_members_paid_by_one_third_party_from_one_account_share_a_fingerprint(w):
    payer = member(w.tree.clp_a).person
    pair = [member(w.tree.clp_a, joined=D(2026, 1, 5)) for _ in range(2)]
    for m in pair:
        a = _dd(w, m, on=D(2026, 1, 5), actor=w.treasurer, payer=payer)
        testing.complete_direct_debit(_checkout(a), on=D(2026, 1, 8), sort_code="40-11-22", account_number="1234567")
    sources = selectors.payment_sources(pair)
    assert sources[pair[0].pk].fingerprint == sources[pair[1].pk].fingerprint != ""
    assert sources[pair[0].pk].payer_person_id == payer.pk and not sources[pair[0].pk].payer_is_member
    assert sources[pair[0].pk].first_paid_on == D(2026, 1, 8)


def test_a_yearly_card_payment_covers_the_year_and_sets_the_renewal(w):
    today = timezone.localdate()
    m = member(w.tree.clp_a, joined=today)
    a = services.set_up_dues(m, membership_type=w.reduced, interval="year", method="card", actor=login_of(m), on=today)
    services.start_payment(a, return_url="http://testserver/done/", cancel_url="http://testserver/me/")
    a.refresh_from_db()
    testing.complete_checkout(_checkout(a))
    a.refresh_from_db()
    assert a.status == "active" and a.method_fingerprint.startswith("card:")
    paid = DuesPayment.objects.get(membership=m)
    s = selectors.standing_on(m, paid.paid_on)
    assert s.good and s.paid_through == add_months(today, 12) - dt.timedelta(days=1)
    assert a.next_renewal_on == add_months(today, 12)


def test_a_treasurer_records_a_cheque_through_payments(w):
    m = member(w.tree.clp_a, joined=D(2026, 1, 1))
    p = services.record_offline_payment(m, amount_pence=6000, paid_on=D(2026, 1, 2), method="cheque", actor=w.treasurer)
    assert p.payment is not None and p.payment.purpose == "dues" and p.payment.method == "cheque"


def _checkout(a: Arrangement):
    from groundswell.payments.services import Checkout  # noqa: PLC0415 only these helpers need it

    return Checkout(url=a.subscription.checkout_url, payment=None, subscription=a.subscription)


def test_a_refused_mandate_fails_the_arrangement_and_the_member_may_set_up_again(w):
    from django.urls import reverse  # noqa: PLC0415 only this test renders the page

    from .test_pages import login  # noqa: PLC0415

    m = member(w.tree.clp_a, joined=timezone.localdate())
    a = _dd(w, m, on=timezone.localdate())
    client = login(login_of(m))
    assert "Finish setting up your payment" in client.get(reverse("dues:me")).content.decode()
    sub = testing.complete_direct_debit(_checkout(a), first_charge=False)
    testing.fail_mandate(sub)
    a.refresh_from_db()
    assert a.status == "failed"
    assert Reminder.objects.filter(membership=m, kind="failed_payment").exists()
    page = client.get(reverse("dues:me")).content.decode()
    assert "Set up your dues again" in page and "did not set up the last Direct Debit" in page
