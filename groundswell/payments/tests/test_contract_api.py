"""The public API other apps use: checkouts, Direct Debits, listeners, fingerprints, offline payments, refunds."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.accounts.models import Role
from groundswell.payments import testing
from groundswell.payments.fingerprints import bank_fingerprint, card_fingerprint
from groundswell.payments.listeners import listen, unlisten
from groundswell.payments.models import Mandate, Payment, StatusChange, Subscription, WebhookEvent
from groundswell.payments.services import (
    PaymentError,
    cancel_subscription,
    change_subscription,
    record_offline_payment,
    refund,
    start_checkout,
    start_direct_debit,
)
from groundswell.tests.factories import PersonFactory, UnitTreeFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    notices = []

    def handler(notice):
        notices.append(notice)

    listen("donation", handler)
    listen("dues", handler)
    yield notices
    unlisten("donation", handler)
    unlisten("dues", handler)


def one_off(key="k1", amount=1500, **kwargs):
    return start_checkout(
        amount_pence=amount,
        purpose="donation",
        purpose_ref="fundraising.gift:1",
        description="A gift",
        success_url="/thanks/",
        cancel_url="/sorry/",
        email="a@example.org",
        name="Ann Payer",
        idempotency_key=key,
        **kwargs,
    )


def dues_dd(key="dd1", amount=500, interval="month", **kwargs):
    return start_direct_debit(
        amount_pence=amount,
        interval=interval,
        purpose="dues",
        purpose_ref="dues.subscription:3",
        description="Membership dues",
        return_url="/joined/",
        name="Dee Debit",
        email="d@example.org",
        idempotency_key=key,
        **kwargs,
    )


def test_one_off_card_checkout_paid_tells_the_listener_once(heard):
    checkout = one_off()
    assert checkout.url.startswith("/payments/fake/checkout/")
    assert checkout.payment.status == "pending" and checkout.subscription is None
    payment = testing.complete_checkout(checkout)
    assert payment.status == "paid" and payment.paid_at is not None
    assert payment.method_fingerprint.startswith("card:")
    assert [n.kind for n in heard] == ["payment_paid"]
    assert heard[0].purpose_ref == "fundraising.gift:1" and heard[0].amount_pence == 1500


def test_same_idempotency_key_returns_the_same_checkout():
    first = one_off("same")
    again = one_off("same")
    assert again.payment.pk == first.payment.pk and again.url == first.url
    assert Payment.objects.count() == 1


def test_declined_card(heard):
    payment = testing.complete_checkout(one_off(), pay=False)
    assert payment.status == "failed"
    assert [n.kind for n in heard] == ["payment_failed"]


def test_regular_card_payment_becomes_active_and_charges(heard):
    checkout = one_off(interval="month")
    assert checkout.subscription is not None and checkout.payment is None
    subscription = testing.complete_checkout(checkout)
    assert subscription.status == "active"
    assert subscription.payments.get().status == "paid"
    assert [n.kind for n in heard] == ["subscription_active", "payment_paid"]
    assert subscription.next_charge_on is not None


def test_direct_debit_sets_up_mandate_subscription_and_first_payment(heard):
    checkout = dues_dd()
    assert checkout.url.startswith("/payments/direct-debit/")
    subscription = testing.complete_direct_debit(checkout, sort_code="20-00-00", account_number="55779911")
    assert subscription.status == "active"
    assert subscription.mandate.status == "active"
    assert subscription.method_fingerprint == bank_fingerprint("200000", "55779911")
    assert subscription.mandate.method_fingerprint == subscription.method_fingerprint
    assert subscription.payments.get().status == "paid"
    assert [n.kind for n in heard] == ["mandate_active", "subscription_active", "payment_paid"]


def test_history_with_gaps_then_mandate_cancelled(heard):
    subscription = testing.complete_direct_debit(dues_dd(), first_charge=False, on=dt.date(2026, 1, 1))
    payments = testing.history(subscription, start=dt.date(2026, 1, 1), months=6, missed={3, 4})
    assert [p.status for p in payments] == ["paid", "paid", "paid", "failed", "failed", "paid"]
    assert [p.charged_on for p in payments][:2] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    subscription.refresh_from_db()
    assert subscription.next_charge_on == dt.date(2026, 7, 1)
    heard.clear()
    testing.cancel_mandate(subscription)
    subscription.refresh_from_db()
    assert subscription.mandate.status == "cancelled" and subscription.status == "cancelled"
    assert [n.kind for n in heard] == ["mandate_cancelled", "subscription_cancelled"]


def test_mandate_failure_stops_the_subscription(heard):
    subscription = testing.complete_direct_debit(dues_dd())
    heard.clear()
    testing.fail_mandate(subscription)
    subscription.refresh_from_db()
    assert subscription.mandate.status == "failed" and subscription.status == "failed"
    assert [n.kind for n in heard] == ["mandate_failed", "subscription_cancelled"]


def test_bad_bank_details_are_refused_with_a_clear_message():
    checkout = dues_dd()
    with pytest.raises(PaymentError, match="sort code has 6 digits"):
        testing.complete_direct_debit(checkout, sort_code="12-34")
    assert Mandate.objects.count() == 0


def test_fingerprints_are_stable_normalised_and_not_reversible():
    assert bank_fingerprint("20-00-00", "5577 9911") == bank_fingerprint("200000", "55779911")
    assert bank_fingerprint("200000", "55779911") != bank_fingerprint("200001", "55779911")
    fp = bank_fingerprint("200000", "55779911")
    assert fp.startswith("bank:") and "55779911" not in fp and len(fp) == 5 + 64
    assert card_fingerprint("fp_abc") == card_fingerprint("fp_abc") != card_fingerprint("fp_abd")
    assert card_fingerprint("fp_abc").startswith("card:")


def test_same_card_gives_the_same_fingerprint_across_payments():
    a = testing.complete_checkout(one_off("a"), card_number="4000 0000 0000 0077")
    b = testing.complete_checkout(one_off("b"), card_number="4000000000000077")
    c = testing.complete_checkout(one_off("c"), card_number="4242424242424242")
    assert a.method_fingerprint == b.method_fingerprint != c.method_fingerprint


def test_unit_is_stored_on_payment_and_subscription():
    tree = UnitTreeFactory.build_tree()
    assert one_off(unit=tree.clp_a).payment.unit == tree.clp_a
    assert dues_dd(unit=tree.clp_a).subscription.unit == tree.clp_a


def test_refund_larger_than_remaining_is_refused(heard):
    tree = UnitTreeFactory.build_tree()
    treasurer = user_with_role(Role.TREASURER, tree.clp_a)
    payment = testing.complete_checkout(one_off(amount=1000, unit=tree.clp_a))
    refund(payment, amount_pence=400, actor=treasurer, reason="asked")
    with pytest.raises(PaymentError, match=r"Refund of £12.00 is more than the £6.00 left to refund."):
        refund(payment, amount_pence=1200, actor=treasurer, reason="too much")
    payment = refund(payment, amount_pence=600, actor=treasurer, reason="rest")
    assert payment.status == "refunded" and payment.refunded_pence == 1000
    assert [n.kind for n in heard][-2:] == ["payment_refunded", "payment_refunded"]


def test_refund_needs_the_unit():
    tree = UnitTreeFactory.build_tree()
    outsider = user_with_role(Role.TREASURER, tree.clp_b)
    payment = testing.complete_checkout(one_off(unit=tree.clp_a))
    with pytest.raises(PaymentError, match="permission"):
        refund(payment, amount_pence=100, actor=outsider, reason="no")


@pytest.mark.parametrize("amount", [0, -5, 12.5, True, "100"])
def test_bad_amounts_are_refused(amount):
    with pytest.raises(PaymentError):
        one_off(amount=amount)


def test_record_offline_payment_and_scope():
    tree = UnitTreeFactory.build_tree()
    treasurer = user_with_role(Role.TREASURER, tree.clp_a)
    person = PersonFactory(unit=tree.clp_a)
    payment = record_offline_payment(
        method="cheque",
        amount_pence=2500,
        purpose="donation",
        purpose_ref="donations.donation:9",
        received_on=dt.date(2026, 3, 1),
        payer=person,
        payer_name="",
        actor=treasurer,
        unit=tree.clp_a,
    )
    assert payment.status == "paid" and payment.provider == "manual" and payment.payer == person
    with pytest.raises(PaymentError, match="permission"):
        record_offline_payment(
            method="cash",
            amount_pence=100,
            purpose="donation",
            purpose_ref="x:1",
            received_on=dt.date(2026, 3, 1),
            payer=None,
            payer_name="Anon",
            actor=treasurer,
            unit=tree.clp_b,
        )
    with pytest.raises(PaymentError, match="cheque, cash or a transfer"):
        record_offline_payment(
            method="card",
            amount_pence=100,
            purpose="donation",
            purpose_ref="x:1",
            received_on=dt.date(2026, 3, 1),
            payer=None,
            payer_name="Anon",
            actor=treasurer,
        )


def test_change_and_cancel_subscription(heard):
    subscription = testing.complete_direct_debit(dues_dd())
    subscription = change_subscription(subscription, amount_pence=700)
    assert subscription.amount_pence == 700
    subscription = cancel_subscription(subscription, reason="resigned")
    assert subscription.status == "cancelled"
    # The provider's own "cancelled" event later changes nothing and is recorded as such.
    result = testing.deliver("fake_dd", "subscription.cancelled", {"subscription": subscription.provider_ref})
    assert result.events[0].outcome == "ignored"
    assert "already cancelled" in result.events[0].reason


def test_a_listener_error_rolls_back_and_is_retried():
    calls = []

    def broken(notice):
        calls.append(notice)
        if len(calls) == 1:
            raise RuntimeError("dues app bug")

    listen("donation", broken)
    try:
        checkout = one_off()
        payment = checkout.payment
        body_event = testing.deliver(
            "fake_card", "payment.paid", {"payment": payment.provider_ref, "amount_pence": 1500}, event_id="evt-x"
        )
        assert body_event.events[0].outcome == "error" and body_event.crashed
        payment.refresh_from_db()
        assert payment.status == "pending"  # rolled back
        assert not StatusChange.objects.filter(object_type="payment", object_id=payment.pk).exists()
        assert WebhookEvent.objects.get(event_id="evt-x").outcome == "error"
        again = testing.deliver(
            "fake_card", "payment.paid", {"payment": payment.provider_ref, "amount_pence": 1500}, event_id="evt-x"
        )
        assert again.events[0].outcome == "processed"
        payment.refresh_from_db()
        assert payment.status == "paid" and len(calls) == 2
        assert WebhookEvent.objects.get(event_id="evt-x").deliveries == 2
    finally:
        unlisten("donation", broken)


def test_subscription_rows_are_found_by_checkout_and_refs():
    checkout = one_off(interval="year")
    subscription = testing.complete_checkout(checkout)
    assert Subscription.objects.get(checkout_ref=subscription.checkout_ref).pk == subscription.pk
    assert subscription.interval == "year"
