"""The payments app's public writes: start a card checkout or a Direct Debit, change or cancel a regular payment,
record money received by hand, refund, and handle a provider's webhook. Other apps call only these.

Every outbound call to a provider carries an idempotency key derived from the caller's, so a retried request never
charges twice; a repeated start with the same key returns the same checkout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts.access import Perm, has_perm
from groundswell.people.models import OrganisationUnit, Person

from .amounts import check_pence, format_pence
from .auditing import audit
from .errors import PaymentError, SignatureError
from .fingerprints import bank_fingerprint
from .listeners import PaymentNotice, dispatch
from .models import OFFLINE_METHODS, Interval, Mandate, Method, Payment, Provider, Subscription
from .providers import card_provider, dd_provider, get_provider
from .transitions import move
from .webhooks import WebhookResult, apply_refund, handle_webhook

__all__ = [
    "Checkout",
    "PaymentError",
    "SignatureError",
    "WebhookResult",
    "cancel_subscription",
    "change_subscription",
    "complete_direct_debit",
    "handle_webhook",
    "record_offline_payment",
    "refund",
    "start_checkout",
    "start_direct_debit",
]


@dataclass
class Checkout:
    url: str
    payment: Payment | None
    subscription: Subscription | None


def _check_common(purpose: str, purpose_ref: str, idempotency_key: str, interval: str | None) -> None:
    if not purpose or not purpose_ref:
        raise PaymentError(
            "A payment needs a purpose and a purpose reference (e.g. 'donation', 'fundraising.gift:12')."
        )
    if not idempotency_key:
        raise PaymentError("A payment needs an idempotency key, so a retried request cannot charge twice.")
    if interval is not None and interval not in Interval.values:
        raise PaymentError(f"A regular payment is monthly or yearly ('month' or 'year'), not '{interval}'.")


def _existing(idempotency_key: str) -> Checkout | None:
    payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if payment is not None:
        return Checkout(url=payment.checkout_url, payment=payment, subscription=None)
    subscription = Subscription.objects.filter(idempotency_key=idempotency_key).first()
    if subscription is not None:
        return Checkout(url=subscription.checkout_url, payment=None, subscription=subscription)
    return None


def start_checkout(
    *,
    amount_pence: int,
    purpose: str,
    purpose_ref: str,
    description: str,
    success_url: str,
    cancel_url: str,
    email: str = "",
    name: str = "",
    payer: Person | None = None,
    interval: str | None = None,
    idempotency_key: str,
    unit: OrganisationUnit | None = None,
) -> Checkout:
    """Card, one-off (interval None) or regular ('month'/'year'). Returns Checkout(url, payment|None,
    subscription|None): send the payer to `url`. The fake provider's url is a local page with Pay/Decline buttons
    that delivers a correctly signed webhook to our own handler."""
    check_pence(amount_pence)
    _check_common(purpose, purpose_ref, idempotency_key, interval)
    existing = _existing(idempotency_key)
    if existing is not None:
        return existing
    provider = card_provider()
    common = dict(
        provider=provider.name,
        method=Method.CARD,
        amount_pence=amount_pence,
        purpose=purpose,
        purpose_ref=purpose_ref,
        description=description[:200],
        payer=payer,
        payer_name=name[:200],
        payer_email=email[:254],
        unit=unit,
        idempotency_key=idempotency_key,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    payment = subscription = None
    try:
        with transaction.atomic():
            if interval is None:
                payment = Payment.objects.create(provider_ref=f"new:{idempotency_key}"[:100], **common)
            else:
                subscription = Subscription.objects.create(
                    provider_ref=f"new:{idempotency_key}"[:100], interval=interval, **common
                )
            hosted = provider.create_checkout(
                payment=payment, subscription=subscription, description=description, idempotency_key=idempotency_key
            )
            target = payment or subscription
            target.checkout_ref = hosted.checkout_ref
            target.checkout_url = hosted.url
            target.provider_ref = hosted.provider_ref or hosted.checkout_ref
            target.save()
    except IntegrityError:  # the same key started at the same moment by another request
        existing = _existing(idempotency_key)
        if existing is None:
            raise
        return existing
    return Checkout(url=hosted.url, payment=payment, subscription=subscription)


def start_direct_debit(
    *,
    amount_pence: int,
    interval: str,
    purpose: str,
    purpose_ref: str,
    description: str,
    return_url: str,
    name: str,
    email: str,
    payer: Person | None = None,
    idempotency_key: str,
    unit: OrganisationUnit | None = None,
) -> Checkout:
    """A regular payment by Direct Debit. The payer goes to `url`, our page asking account holder, sort code and
    account number (so we can fingerprint the account); it sets up a Mandate and the Subscription with the provider,
    whose webhooks then report the mandate's and each payment's progress."""
    check_pence(amount_pence)
    if interval not in Interval.values:
        raise PaymentError(f"A Direct Debit is monthly or yearly ('month' or 'year'), not '{interval}'.")
    _check_common(purpose, purpose_ref, idempotency_key, interval)
    existing = _existing(idempotency_key)
    if existing is not None:
        return existing
    provider = dd_provider()
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                provider=provider.name,
                provider_ref=f"new:{idempotency_key}"[:100],
                method=Method.DIRECT_DEBIT,
                amount_pence=amount_pence,
                interval=interval,
                purpose=purpose,
                purpose_ref=purpose_ref,
                description=description[:200],
                payer=payer,
                payer_name=name[:200],
                payer_email=email[:254],
                unit=unit,
                idempotency_key=idempotency_key,
                success_url=return_url,
                cancel_url=return_url,
            )
            hosted = provider.create_direct_debit(
                subscription=subscription, description=description, idempotency_key=idempotency_key
            )
            subscription.checkout_ref = hosted.checkout_ref
            subscription.checkout_url = hosted.url
            subscription.provider_ref = hosted.provider_ref or hosted.checkout_ref
            subscription.save()
    except IntegrityError:
        existing = _existing(idempotency_key)
        if existing is None:
            raise
        return existing
    return Checkout(url=hosted.url, payment=None, subscription=subscription)


def complete_direct_debit(
    subscription: Subscription, *, account_holder: str, sort_code: str, account_number: str
) -> Mandate:
    """The payer's bank details from our Direct Debit page: fingerprint them, set up the mandate at the provider and
    link it. The bank details themselves are passed on to the provider and never stored."""
    if subscription.method != Method.DIRECT_DEBIT:
        raise PaymentError("This regular payment is not a Direct Debit.")
    if subscription.mandate_id is not None:
        return subscription.mandate
    if not account_holder.strip():
        raise PaymentError("Enter the name of the account holder.")
    try:
        fingerprint = bank_fingerprint(sort_code, account_number)
    except ValueError as exc:
        raise PaymentError(str(exc)) from exc
    provider = get_provider(subscription.provider)
    mandate_ref = provider.collect_bank_account(
        subscription=subscription,
        account_holder=account_holder.strip(),
        sort_code=sort_code,
        account_number=account_number,
        email=subscription.payer_email,
    )
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.mandate_id is not None:
            return locked.mandate
        mandate = Mandate.objects.create(
            provider=locked.provider,
            provider_ref=mandate_ref,
            person=locked.payer,
            method_fingerprint=fingerprint,
            account_holder=account_holder.strip()[:200],
        )
        locked.mandate = mandate
        locked.method_fingerprint = fingerprint
        locked.save(update_fields=["mandate", "method_fingerprint", "updated_at"])
    subscription.refresh_from_db()
    return mandate


def _check_actor(actor: Any, perm: Perm, unit: OrganisationUnit | None) -> None:
    """A person acting on money must hold the permission at the payment's unit (anywhere, for one with no unit)."""
    if actor is None:
        return
    if not has_perm(actor, perm, unit):
        raise PaymentError("You do not have permission to manage payments for this unit.")


def change_subscription(subscription: Subscription, *, amount_pence: int, actor: Any = None) -> Subscription:
    """A new amount for a regular payment, from its next charge."""
    check_pence(amount_pence)
    _check_actor(actor, Perm.MANAGE_PAYMENTS, subscription.unit)
    if subscription.status not in ("pending", "active"):
        raise PaymentError(f"This regular payment is {subscription.status}; it cannot be changed.")
    if amount_pence == subscription.amount_pence:
        return subscription
    provider = get_provider(subscription.provider)
    key = f"change:{subscription.pk}:{amount_pence}:{subscription.updated_at.timestamp()}"
    provider.change_subscription(subscription, amount_pence=amount_pence, idempotency_key=key)
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = locked.amount_pence
        locked.amount_pence = amount_pence
        locked.save(update_fields=["amount_pence", "updated_at"])
        audit(
            "payments.subscription.change",
            actor=actor,
            obj=locked,
            detail={"from_pence": before, "to_pence": amount_pence},
        )
    return locked


def cancel_subscription(subscription: Subscription, *, actor: Any = None, reason: str = "") -> Subscription:
    """Stop a regular payment at the provider and here (a later 'cancelled' webhook then changes nothing)."""
    _check_actor(actor, Perm.MANAGE_PAYMENTS, subscription.unit)
    if subscription.status == "cancelled":
        return subscription
    provider = get_provider(subscription.provider)
    provider.cancel_subscription(subscription, idempotency_key=f"cancel:{subscription.pk}")
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if move("subscription", locked, "cancelled", at=timezone.now(), note=reason or "cancelled here"):
            return locked
        locked.cancelled_reason = (reason or "Cancelled")[:300]
        locked.save()
        audit("payments.subscription.cancel", actor=actor, obj=locked, reason=reason[:300])
    return locked


def record_offline_payment(
    *,
    method: str,
    amount_pence: int,
    purpose: str,
    purpose_ref: str,
    received_on: dt.date,
    payer: Person | None,
    payer_name: str,
    actor: Any,
    unit: OrganisationUnit | None = None,
    reference: str = "",
) -> Payment:
    """Money received by cheque, cash or bank transfer, recorded by a treasurer: paid at once."""
    check_pence(amount_pence)
    if method not in OFFLINE_METHODS:
        raise PaymentError(f"Money received by hand is a cheque, cash or a transfer, not '{method}'.")
    if not purpose or not purpose_ref:
        raise PaymentError("A payment needs a purpose and a purpose reference.")
    if received_on > timezone.localdate():
        raise PaymentError(f"The date received ({received_on:%d %b %Y}) is in the future.")
    _check_actor(actor, Perm.MANAGE_PAYMENTS, unit)
    received_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
    with transaction.atomic():
        payment = Payment.objects.create(
            provider=Provider.MANUAL,
            method=method,
            amount_pence=amount_pence,
            status=Payment.Status.PAID,
            provider_ref=f"manual:{method}:{timezone.now():%Y%m%d%H%M%S%f}:{purpose_ref}"[:100],
            purpose=purpose,
            purpose_ref=purpose_ref,
            description=reference[:200],
            payer=payer,
            payer_name=(payer_name or (str(payer) if payer else ""))[:200],
            unit=unit,
            charged_on=received_on,
            paid_at=received_at,
            status_at=received_at,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(
            "payments.payment.record_offline",
            actor=actor,
            obj=payment,
            detail={"method": method, "pence": amount_pence},
        )
    return payment


def refund(payment: Payment, *, amount_pence: int, actor: Any, reason: str) -> Payment:
    """Refund part or all of a paid payment. Refuses more than is left to refund, with the figures."""
    check_pence(amount_pence)
    _check_actor(actor, Perm.MANAGE_PAYMENTS, payment.unit)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in ("paid", "refunded"):
            raise PaymentError(f"Only a paid payment can be refunded; this one is {locked.status}.")
        if amount_pence > locked.refundable_pence:
            raise PaymentError(
                f"Refund of {format_pence(amount_pence)} is more than the "
                f"{format_pence(locked.refundable_pence)} left to refund."
            )
        if locked.provider in (Provider.MANUAL,):
            refund_ref = f"manual-refund:{locked.refunds.count() + 1}"
        else:
            # Inside the lock, so two treasurers cannot both refund the last £10; the key is stable for a retry.
            key = f"refund:{locked.pk}:{locked.refunds.count() + 1}:{amount_pence}"
            refund_ref = get_provider(locked.provider).refund(locked, amount_pence=amount_pence, idempotency_key=key)
        apply_refund(
            locked,
            amount_pence=amount_pence,
            provider_ref=refund_ref,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        audit("payments.payment.refund", actor=actor, obj=locked, reason=reason[:300], detail={"pence": amount_pence})
        dispatch(
            PaymentNotice(
                kind="payment_refunded",
                purpose=locked.purpose,
                purpose_ref=locked.purpose_ref,
                payment=locked,
                subscription=locked.subscription,
                mandate=None,
                amount_pence=amount_pence,
                occurred_at=timezone.now(),
            )
        )
    return locked
