"""The payments app's notices about dues money, applied to arrangements and the dues ledger. Registered in
`DuesConfig.ready()`; each runs inside the webhook's transaction, once per provider event (so an error here rolls
the event back and the provider's redelivery retries it).

- mandate_active / subscription_active → the arrangement is active; its payer fingerprint is kept.
- payment_paid → a DuesPayment (source "payments.payment:<id>", so a replay credits once); a yearly card
  arrangement's next renewal follows the new paid-through date.
- payment_failed → a paid payment that fails later is taken back; the member is emailed once per payment.
- payment_refunded → the credit is reduced by what has been refunded.
- mandate_failed / mandate_cancelled / subscription_cancelled → the arrangement ends (failed or cancelled); a
  failed mandate also emails the member. Their membership stays; dues keep falling due until it lapses.
"""

from __future__ import annotations

import logging

from groundswell.payments.listeners import PaymentNotice, listen
from groundswell.payments.models import Payment
from groundswell.people.models import Membership

from . import notify, services
from .models import Arrangement, DuesPayment

PURPOSE = "dues"
PREFIX = "dues.arrangement:"
logger = logging.getLogger("groundswell.dues")


def arrangement_for(notice: PaymentNotice) -> Arrangement | None:
    """The arrangement the money is for: the newest one carrying the subscription (a change of type or amount
    moves the subscription to a new arrangement), else the one named by the purpose reference."""
    if notice.subscription is not None:
        found = (
            Arrangement.objects.filter(subscription=notice.subscription)
            .select_related("membership__person__unit", "membership_type")
            .order_by("-started_on", "-id")
            .first()
        )
        if found is not None:
            return found
    ref = notice.purpose_ref or ""
    if not ref.startswith(PREFIX) or not ref[len(PREFIX) :].isdigit():
        return None
    return (
        Arrangement.objects.select_related("membership__person__unit", "membership_type")
        .filter(pk=int(ref[len(PREFIX) :]))
        .first()
    )


def payment_ref(payment: Payment) -> str:
    return f"payments.payment:{payment.pk}"


def _fingerprint(arrangement: Arrangement, fingerprint: str) -> None:
    if fingerprint and arrangement.method_fingerprint != fingerprint:
        arrangement.method_fingerprint = fingerprint
        arrangement.save(update_fields=["method_fingerprint"])


def _activate(arrangement: Arrangement, notice: PaymentNotice) -> None:
    source = notice.mandate or notice.subscription
    _fingerprint(arrangement, getattr(source, "method_fingerprint", ""))
    if arrangement.status in (Arrangement.Status.PENDING, Arrangement.Status.FAILED):
        arrangement.status = Arrangement.Status.ACTIVE
        arrangement.save(update_fields=["status"])


def _end(arrangement: Arrangement, status: str, notice: PaymentNotice) -> None:
    # A failed mandate also cancels its subscriptions: the arrangement stays "failed", which is what the member
    # needs to hear (set up again), rather than "cancelled".
    if arrangement.status in (Arrangement.Status.PENDING, Arrangement.Status.ACTIVE):
        arrangement.status = status
        arrangement.ended_on = notice.occurred_at.date()
        arrangement.save(update_fields=["status", "ended_on"])


def _paid(arrangement: Arrangement, notice: PaymentNotice) -> None:
    payment = notice.payment
    if payment is None:
        return
    _activate(arrangement, notice)
    fingerprint = payment.method_fingerprint or arrangement.method_fingerprint
    _fingerprint(arrangement, fingerprint)
    services.record_payment(
        membership=arrangement.membership, amount_pence=payment.amount_pence,
        paid_on=payment.charged_on or notice.occurred_at.date(), method=payment.method,
        source_ref=payment_ref(payment), arrangement=arrangement, fingerprint=fingerprint, payer=arrangement.payer,
        payer_is_member=arrangement.payer_is_member, payer_name=arrangement.payer_name, payment=payment,
    )  # fmt: skip


def _failed(arrangement: Arrangement, notice: PaymentNotice) -> None:
    payment = notice.payment
    if payment is None:
        return
    # A Direct Debit can fail days after it was reported paid: the credit goes.
    DuesPayment.objects.filter(source_ref=payment_ref(payment)).update(refunded_pence=payment.amount_pence)
    services.refresh_statuses(Membership.objects.filter(pk=arrangement.membership_id))
    notify.failed_payment(arrangement.membership, payment.amount_pence, key=f"payment:{payment.pk}")


def _refunded(arrangement: Arrangement, notice: PaymentNotice) -> None:
    if notice.payment is not None:
        services.record_refund(payment_ref(notice.payment), notice.payment.refunded_pence)


def on_dues_notice(notice: PaymentNotice) -> None:
    arrangement = arrangement_for(notice)
    if arrangement is None:
        # Not ours to guess: the payments app keeps the event; nothing is credited to anyone.
        logger.warning("dues notice %s for unknown %s", notice.kind, notice.purpose_ref)
        return
    kind = notice.kind
    if kind in ("mandate_active", "subscription_active"):
        _activate(arrangement, notice)
    elif kind == "payment_paid":
        _paid(arrangement, notice)
    elif kind == "payment_failed":
        _failed(arrangement, notice)
    elif kind == "payment_refunded":
        _refunded(arrangement, notice)
    elif kind == "mandate_failed":
        _end(arrangement, Arrangement.Status.FAILED, notice)
        notify.failed_payment(arrangement.membership, arrangement.amount_pence, key=f"mandate:{arrangement.pk}")
    elif kind in ("mandate_cancelled", "subscription_cancelled"):
        _end(arrangement, Arrangement.Status.CANCELLED, notice)


listen(PURPOSE, on_dues_notice)
