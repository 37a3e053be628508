"""Reconciliation: payouts imported from the provider, matched to payments, differences listed with figures."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.payments import testing
from groundswell.payments.models import Payment, Payout, PayoutItem
from groundswell.payments.reconciliation import import_payouts, reconcile, run, stored_differences
from groundswell.payments.services import start_checkout

pytestmark = pytest.mark.django_db


def paid(key: str, amount: int, days_ago: int) -> Payment:
    checkout = start_checkout(
        amount_pence=amount,
        purpose="donation",
        purpose_ref=f"gift:{key}",
        description="Gift",
        success_url="/",
        cancel_url="/",
        idempotency_key=key,
    )
    payment = testing.complete_checkout(checkout)
    payment.paid_at = timezone.now() - dt.timedelta(days=days_ago)
    payment.save()
    return payment


def test_fake_payouts_match_paid_payments_with_fees():
    a, b = paid("a", 1000, 5), paid("b", 2000, 5)
    paid("recent", 500, 0)  # too recent for a payout
    report = run("fake_card")
    assert len(report.payouts) == 1
    payout = report.payouts[0]
    assert payout.fees_pence == (1000 * 150 // 10000 + 20) + (2000 * 150 // 10000 + 20)
    assert payout.amount_pence == 3000 - payout.fees_pence
    assert report.differences == [] and report.matched == 2
    assert {p.payout_id for p in Payment.objects.filter(pk__in=[a.pk, b.pk])} == {payout.pk}
    # Importing again does not duplicate.
    assert len(import_payouts("fake_card")) == 1 and Payout.objects.count() == 1


def test_differences_not_ours_amount_mismatch_and_missing():
    ours = paid("ours", 1000, 5)
    payout = Payout.objects.create(provider="fake_card", provider_ref="po_x", paid_on=dt.date.today(), amount_pence=0)
    PayoutItem.objects.create(payout=payout, payment_ref=ours.provider_ref, amount_pence=999)
    PayoutItem.objects.create(payout=payout, payment_ref="fkpay_stranger", amount_pence=700)
    forgotten = paid("forgotten", 1500, 30)
    kinds = {(d.kind, d.payment_ref) for d in reconcile(payout)}
    assert kinds == {("amount_mismatch", ours.provider_ref), ("not_ours", "fkpay_stranger")}
    missing = [d for d in stored_differences("fake_card", days=7) if d.kind == "missing_from_payouts"]
    assert [d.payment_ref for d in missing] == [forgotten.provider_ref]
    assert "is in no payout yet" in missing[0].explanation
    mismatch = next(d for d in reconcile(payout) if d.kind == "amount_mismatch")
    assert "has £9.99" in mismatch.explanation and "we recorded £10.00" in mismatch.explanation


def test_refund_in_payout_larger_than_ours_is_a_difference():
    payment = paid("r", 1000, 5)
    payout = Payout.objects.create(provider="fake_card", provider_ref="po_r", paid_on=dt.date.today(), amount_pence=0)
    PayoutItem.objects.create(payout=payout, payment_ref=payment.provider_ref, amount_pence=1000)
    PayoutItem.objects.create(payout=payout, payment_ref=payment.provider_ref, amount_pence=-400)
    (difference,) = reconcile(payout)
    assert difference.kind == "amount_mismatch" and "in refunds" in difference.explanation


def test_command_prints_json_and_is_audited():
    paid("c", 1000, 5)
    out = StringIO()
    call_command("payments", "reconcile", "--provider", "fake_card", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["matched_payments"] == 1 and report["differences"] == []
    assert AuditEntry.objects.filter(detail__event="payments.reconciliation.export").exists()
    text = StringIO()
    call_command("payments", "reconcile", "--provider", "fake_card", "--since", "2020-01-01", stdout=text)
    assert "fake_card: 1 payouts, 1 payments matched, 0 differences" in text.getvalue()
