"""Webhook processing: verify, store the event id, apply once under row locks, tell the listeners.

Each provider event is applied in its own transaction. The event row is inserted with ON CONFLICT DO NOTHING and
then locked (SELECT … FOR UPDATE), so two deliveries of one event at the same moment queue on that row: the second
sees it processed and does nothing. A problem with the event itself (an unknown mandate, an amount that is not the
one we asked for) rolls back whatever was half-done and records the event as `error` with the reason, for the
treasurer; a redelivery tries again. Moves the state machine refuses are recorded as `ignored`, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .amounts import format_pence
from .errors import PaymentError
from .listeners import PaymentNotice, dispatch
from .models import Mandate, Method, Payment, Refund, Subscription, WebhookEvent
from .providers import get_provider
from .providers.base import ProviderEvent
from .transitions import add_interval, move

logger = logging.getLogger(__name__)
Outcome = WebhookEvent.Outcome


class EventProblem(PaymentError):
    """The event cannot be applied as it stands (unknown object, wrong amount): recorded as an error."""


@dataclass
class EventOutcome:
    event_id: str
    type: str
    outcome: str
    reason: str = ""


@dataclass
class WebhookResult:
    provider: str
    events: list[EventOutcome] = field(default_factory=list)

    @property
    def duplicate(self) -> bool:
        return bool(self.events) and all(e.outcome == Outcome.DUPLICATE for e in self.events)

    @property
    def crashed(self) -> bool:
        """A listener or our own code failed (not the event's fault): answer 500 so the provider redelivers."""
        return any(e.outcome == Outcome.ERROR and e.reason.startswith("Internal error") for e in self.events)


def handle_webhook(provider: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
    """Verify the signature (SignatureError → HTTP 400), store each event id (a duplicate has no effect), apply
    each event in one transaction with row locks and dispatch to the listeners once."""
    adapter = get_provider(provider)
    events = adapter.parse_webhook(body, headers)
    return WebhookResult(provider=adapter.name, events=[process_event(adapter.name, event) for event in events])


def process_event(provider: str, event: ProviderEvent) -> EventOutcome:
    try:
        with transaction.atomic():
            WebhookEvent.objects.bulk_create(
                [WebhookEvent(provider=provider, event_id=event.event_id, type=event.type, payload=event.payload)],
                ignore_conflicts=True,
            )
            row = WebhookEvent.objects.select_for_update().get(provider=provider, event_id=event.event_id)
            if row.outcome in (Outcome.PROCESSED, Outcome.IGNORED):
                WebhookEvent.objects.filter(pk=row.pk).update(deliveries=F("deliveries") + 1)
                return EventOutcome(event.event_id, event.type, Outcome.DUPLICATE, "Already processed.")
            redelivered = row.outcome != Outcome.RECEIVED
            reason, unit = _Applier(provider, event, row).apply()
            row.outcome = Outcome.IGNORED if reason else Outcome.PROCESSED
            row.error = reason
            row.unit = unit
            row.processed_at = timezone.now()
            if redelivered:
                row.deliveries += 1
            row.save()
            return EventOutcome(event.event_id, event.type, row.outcome, reason)
    except EventProblem as exc:
        return _record_error(provider, event, str(exc))
    except Exception as exc:  # a listener's bug must not lose the event: record it and let the provider retry
        logger.exception("payments webhook %s %s failed", provider, event.event_id)
        return _record_error(provider, event, f"Internal error ({type(exc).__name__}): {exc}")


def _record_error(provider: str, event: ProviderEvent, reason: str) -> EventOutcome:
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(provider=provider, event_id=event.event_id, type=event.type, payload=event.payload)],
            ignore_conflicts=True,
        )
        row = WebhookEvent.objects.select_for_update().get(provider=provider, event_id=event.event_id)
        if row.outcome in (Outcome.PROCESSED, Outcome.IGNORED):  # another delivery got there first
            return EventOutcome(event.event_id, event.type, Outcome.DUPLICATE, "Already processed.")
        if row.outcome == Outcome.ERROR:
            row.deliveries += 1
        row.outcome = Outcome.ERROR
        row.error = reason[:2000]
        row.processed_at = timezone.now()
        row.save()
    return EventOutcome(event.event_id, event.type, Outcome.ERROR, reason)


class _Applier:
    """Applies one event; `apply()` returns (reason it was ignored or "", the unit it touched)."""

    def __init__(self, provider: str, event: ProviderEvent, row: WebhookEvent) -> None:
        self.provider = provider
        self.event = event
        self.row = row
        self.notices: list[PaymentNotice] = []
        self.unit = None

    def apply(self) -> tuple[str, object]:
        action = self.event.action
        if action == "other":
            return f"Event type {self.event.type} is not one Groundswell acts on.", None
        handler = getattr(self, f"_{action}")
        reason = handler()
        for notice in self.notices:
            dispatch(notice)
        return reason, self.unit

    # Finding our objects -------------------------------------------------------------------------------------

    def _subscription(self, required: bool = True) -> Subscription | None:
        ev = self.event
        found = None
        if ev.subscription_ref:
            found = (
                Subscription.objects.select_for_update()
                .filter(provider=self.provider, provider_ref=ev.subscription_ref)
                .first()
            )
        if found is None and ev.checkout_ref:
            found = (
                Subscription.objects.select_for_update()
                .filter(provider=self.provider, checkout_ref=ev.checkout_ref)
                .first()
            )
        if found is None and required:
            raise EventProblem(
                f"Unknown subscription {ev.subscription_ref or ev.checkout_ref or '(none named)'}: "
                "no regular payment here has that reference."
            )
        if found is not None:
            self.unit = found.unit
        return found

    def _payment(self) -> Payment | None:
        ev = self.event
        found = None
        if ev.payment_ref:
            found = (
                Payment.objects.select_for_update().filter(provider=self.provider, provider_ref=ev.payment_ref).first()
            )
        if found is None and ev.checkout_ref and not ev.subscription_ref:
            found = (
                Payment.objects.select_for_update().filter(provider=self.provider, checkout_ref=ev.checkout_ref).first()
            )
            if found is not None and ev.payment_ref and found.provider_ref != ev.payment_ref:
                found.provider_ref = ev.payment_ref  # the provider names the payment only once the checkout is done
        if found is not None:
            self.unit = found.unit
        return found

    def _payment_or_charge(self) -> Payment:
        """Our payment, or (for a regular payment's charge the provider made) a new one from its subscription."""
        ev = self.event
        payment = self._payment()
        if payment is not None:
            if ev.amount_pence is not None and ev.amount_pence != payment.amount_pence:
                raise EventProblem(
                    f"Amount mismatch on payment {payment.provider_ref}: the provider says "
                    f"{format_pence(ev.amount_pence)}, we asked for {format_pence(payment.amount_pence)}."
                )
            return payment
        if not ev.subscription_ref:
            if ev.mandate_ref:
                raise EventProblem(f"Payment {ev.payment_ref} is for unknown mandate {ev.mandate_ref}.")
            raise EventProblem(f"Unknown payment {ev.payment_ref or ev.checkout_ref}: no payment here has it.")
        subscription = self._subscription()
        if not ev.payment_ref:
            raise EventProblem(f"A charge of subscription {subscription.provider_ref} arrived without a payment id.")
        charged_on = ev.charged_on or timezone.localdate(ev.occurred_at)
        payment = Payment.objects.create(
            provider=self.provider,
            method=subscription.method,
            amount_pence=ev.amount_pence or subscription.amount_pence,
            provider_ref=ev.payment_ref,
            purpose=subscription.purpose,
            purpose_ref=subscription.purpose_ref,
            description=subscription.description,
            payer=subscription.payer,
            payer_name=subscription.payer_name,
            payer_email=subscription.payer_email,
            unit=subscription.unit,
            method_fingerprint=ev.fingerprint or subscription.method_fingerprint,
            subscription=subscription,
            charged_on=charged_on,
        )
        next_on = add_interval(charged_on, subscription.interval)
        if subscription.next_charge_on is None or subscription.next_charge_on < next_on:
            subscription.next_charge_on = next_on
            subscription.save(update_fields=["next_charge_on", "updated_at"])
        return payment

    def _notify(self, kind: str, *, payment=None, subscription=None, mandate=None, amount: int | None = None) -> None:
        owner = payment or subscription
        self.notices.append(
            PaymentNotice(
                kind=kind,
                purpose=owner.purpose,
                purpose_ref=owner.purpose_ref,
                payment=payment,
                subscription=subscription if subscription is not None else getattr(payment, "subscription", None),
                mandate=mandate,
                amount_pence=amount if amount is not None else owner.amount_pence,
                occurred_at=self.event.occurred_at,
            )
        )

    # Events ---------------------------------------------------------------------------------------------------

    def _checkout_completed(self) -> str:
        ev = self.event
        target = self._subscription(required=False) if ev.subscription_ref else None
        if target is None:
            target = self._payment() or self._subscription(required=False)
        if target is None:
            raise EventProblem(f"Unknown checkout {ev.checkout_ref}: no payment or regular payment here started it.")
        if isinstance(target, Subscription) and ev.subscription_ref:
            target.provider_ref = ev.subscription_ref
        if ev.fingerprint and not target.method_fingerprint:
            target.method_fingerprint = ev.fingerprint
        target.save()
        return ""

    def _payment_created(self) -> str:
        existed = self.event.payment_ref and self._payment() is not None
        payment = self._payment_or_charge()
        payment.save()
        return f"No change: payment {payment.provider_ref} was already known." if existed else ""

    def _payment_paid(self) -> str:
        ev = self.event
        payment = self._payment_or_charge()
        reason = move("payment", payment, "paid", at=ev.occurred_at, event=self.row)
        if not reason:
            payment.paid_at = ev.occurred_at
            payment.charged_on = payment.charged_on or timezone.localdate(ev.occurred_at)
            if ev.fingerprint and not payment.method_fingerprint:
                payment.method_fingerprint = ev.fingerprint
            self._notify("payment_paid", payment=payment)
        payment.save()
        return reason

    def _payment_failed(self, to: str = "failed") -> str:
        payment = self._payment_or_charge()
        note = "late failure after payment" if payment.status == "paid" else self.event.reason
        reason = move("payment", payment, to, at=self.event.occurred_at, event=self.row, note=note)
        if not reason and to == "failed":
            self._notify("payment_failed", payment=payment)
        payment.save()
        return reason

    def _payment_cancelled(self) -> str:
        return self._payment_failed("cancelled")

    def _payment_refunded(self) -> str:
        ev = self.event
        payment = self._payment()
        if payment is None:
            raise EventProblem(f"Refund {ev.refund_ref} is for unknown payment {ev.payment_ref}.")
        if not ev.refund_ref or not ev.amount_pence:
            raise EventProblem(f"A refund of payment {payment.provider_ref} arrived without its id or amount.")
        if Refund.objects.filter(payment=payment, provider_ref=ev.refund_ref).exists():
            return f"No change: refund {ev.refund_ref} is already recorded."
        if ev.amount_pence > payment.refundable_pence:
            raise EventProblem(
                f"Refund {ev.refund_ref} of {format_pence(ev.amount_pence)} is more than the "
                f"{format_pence(payment.refundable_pence)} left to refund on payment {payment.provider_ref}."
            )
        apply_refund(
            payment, amount_pence=ev.amount_pence, provider_ref=ev.refund_ref, reason=ev.reason, event=self.row
        )
        self._notify("payment_refunded", payment=payment, amount=ev.amount_pence)
        return ""

    def _subscription_move(self, to: str, kind: str | None) -> str:
        ev = self.event
        subscription = self._subscription()
        if ev.subscription_ref and subscription.provider_ref != ev.subscription_ref:
            subscription.provider_ref = ev.subscription_ref
        if ev.fingerprint and not subscription.method_fingerprint:
            subscription.method_fingerprint = ev.fingerprint
        reason = move("subscription", subscription, to, at=ev.occurred_at, event=self.row, note=ev.reason)
        if not reason:
            if to == "active" and subscription.next_charge_on is None:
                subscription.next_charge_on = timezone.localdate(ev.occurred_at)
            if to in ("cancelled", "failed"):
                subscription.cancelled_reason = ev.reason or to
            if kind:
                self._notify(kind, subscription=subscription)
        subscription.save()
        return reason

    def _subscription_active(self) -> str:
        return self._subscription_move("active", "subscription_active")

    def _subscription_cancelled(self) -> str:
        return self._subscription_move("cancelled", "subscription_cancelled")

    def _subscription_failed(self) -> str:
        # Listeners hear one word for "this regular payment has stopped": subscription_cancelled.
        return self._subscription_move("failed", "subscription_cancelled")

    def _mandate_move(self, to: str) -> str:
        ev = self.event
        mandate = (
            Mandate.objects.select_for_update().filter(provider=self.provider, provider_ref=ev.mandate_ref).first()
        )
        if mandate is None:
            raise EventProblem(f"Unknown mandate {ev.mandate_ref or '(none named)'}: no Direct Debit here has it.")
        reason = move("mandate", mandate, to, at=ev.occurred_at, event=self.row, note=ev.reason)
        mandate.save()
        if reason:
            return reason
        kind = {"active": "mandate_active", "failed": "mandate_failed"}.get(to, "mandate_cancelled")
        for subscription in Subscription.objects.select_for_update().filter(mandate=mandate).order_by("id"):
            self.unit = self.unit or subscription.unit
            self._notify(kind, subscription=subscription, mandate=mandate)
            # A regular payment cannot outlive its mandate: it stops with it (the provider says so too, later;
            # that event is then recorded as "no change").
            if to != "active" and subscription.status in ("pending", "active"):
                stop = "failed" if to == "failed" else "cancelled"
                if not move(
                    "subscription", subscription, stop, at=ev.occurred_at, event=self.row, note=f"mandate {to}"
                ):
                    subscription.cancelled_reason = f"Direct Debit mandate {to}"
                    subscription.save()
                    self._notify("subscription_cancelled", subscription=subscription, mandate=mandate)
        return ""

    def _mandate_active(self) -> str:
        return self._mandate_move("active")

    def _mandate_failed(self) -> str:
        return self._mandate_move("failed")

    def _mandate_cancelled(self) -> str:
        return self._mandate_move("cancelled")

    def _mandate_expired(self) -> str:
        return self._mandate_move("expired")


def apply_refund(
    payment: Payment, *, amount_pence: int, provider_ref: str, reason: str, event=None, actor=None
) -> Refund:
    """Record a refund on a locked payment (the caller checked the amount fits)."""
    refund = Refund.objects.create(
        payment=payment, provider_ref=provider_ref, amount_pence=amount_pence, reason=reason[:300], actor=actor
    )
    payment.refunded_pence += amount_pence
    if payment.refunded_pence >= payment.amount_pence:
        move("payment", payment, "refunded", at=None, event=event, note=f"refund {provider_ref}")
    payment.save()
    return refund


__all__ = ["EventProblem", "EventOutcome", "Method", "WebhookResult", "handle_webhook", "process_event"]
