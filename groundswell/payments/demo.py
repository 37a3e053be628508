"""The payments demo: a few months of money in for Reading East through the fake providers, so the treasurer's
pages have something to show: card gifts (one refunded in part), a Direct Debit with a failed month, a card
declined, a webhook for a mandate nobody knows (an exception), and a payout with a line that is not ours.

Purpose "demo" so the dues, donations and fundraising apps' listeners leave these alone (their own demos make
their payments through the same API). Idempotent: does nothing when the demo's payments exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from groundswell.people.models import OrganisationUnit

from . import testing
from .models import Payment, Payout, PayoutItem
from .reconciliation import run
from .services import refund, start_checkout, start_direct_debit

READING_EAST_UNIT = "CLP-E14000889"  # the core demo's Reading East party
GIFTS = [("Ann Example", 2500), ("Bilal Example", 1000), ("Cath Example", 5000), ("Dev Example", 1500)]


def build_payments_demo(say: Callable[[str], None] = lambda m: None) -> None:
    if Payment.objects.filter(purpose="demo").exists():
        return
    unit = OrganisationUnit.objects.filter(code=READING_EAST_UNIT).first() or OrganisationUnit.objects.first()
    today = timezone.localdate()
    gifts = []
    for i, (name, pence) in enumerate(GIFTS):
        checkout = start_checkout(
            amount_pence=pence,
            purpose="demo",
            purpose_ref=f"demo.gift:{i}",
            description="Gift to the Reading East appeal (demo)",
            success_url="/",
            cancel_url="/",
            name=name,
            email=f"demo-payer-{i}@example.org",
            idempotency_key=f"demo-gift-{i}",
            unit=unit,
        )
        gift = testing.complete_checkout(checkout, card_number=f"4000 0000 0000 00{i:02d}")
        gift.paid_at = timezone.now() - dt.timedelta(days=10 + i * 9)
        gift.charged_on = timezone.localdate(gift.paid_at)
        gift.save()
        gifts.append(gift)
    declined = start_checkout(
        amount_pence=2000,
        purpose="demo",
        purpose_ref="demo.gift:declined",
        description="Gift (card declined, demo)",
        success_url="/",
        cancel_url="/",
        name="Eve Example",
        idempotency_key="demo-gift-declined",
        unit=unit,
    )
    testing.complete_checkout(declined, pay=False)
    refund(gifts[2], amount_pence=1000, actor=None, reason="Donor gave twice by mistake (demo)")
    dd = start_direct_debit(
        amount_pence=500,
        interval="month",
        purpose="demo",
        purpose_ref="demo.regular:1",
        description="Monthly supporter (demo)",
        return_url="/",
        name="Fay Example",
        email="demo-dd@example.org",
        idempotency_key="demo-dd-1",
        unit=unit,
    )
    start = (today.replace(day=1) - dt.timedelta(days=150)).replace(day=1)
    subscription = testing.complete_direct_debit(dd, first_charge=False, on=start)
    testing.history(subscription, start=start, months=5, missed={2})
    testing.deliver(
        "fake_dd", "payment.paid", {"payment": "fkpay_demo_x", "mandate": "fkmd_unknown", "amount_pence": 800}
    )
    run("fake_dd")
    report = run("fake_card")
    if report.payouts:
        PayoutItem.objects.create(
            payout=report.payouts[0], payment_ref="fkpay_not_ours", amount_pence=1200, fee_pence=38
        )
    say(f"Payments: {Payment.objects.filter(purpose='demo').count()} demo payments, {Payout.objects.count()} payouts")
