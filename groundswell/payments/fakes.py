"""Driving the fake providers: what a payer does on a fake page, and what the fake provider later reports (a
subscription's next charge paid or failed, a mandate failed or cancelled), each delivered as a correctly signed
webhook to our own handler in-process. Used by the fake pages, the demo, the benchmark and other apps' tests
(through `testing.py`)."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from .models import Mandate, Payment, Subscription
from .providers.fake import event_body, new_ref, provider_card_fp, sign
from .webhooks import WebhookResult, handle_webhook

DEFAULT_CARD = "4242 4242 4242 4242"


def deliver(
    provider: str, type_: str, data: dict, *, event_id: str = "", at: dt.datetime | None = None
) -> WebhookResult:
    """Sign one fake event and hand it to our webhook handler, as the fake provider would."""
    body = event_body(type_, data, event_id=event_id, at=at)
    return handle_webhook(provider, body, sign(body))


def deliver_many(provider: str, events: list[tuple[str, dict]], *, at: dt.datetime | None = None) -> WebhookResult:
    """Several events in one signed body (as GoCardless batches them)."""
    items = [json.loads(event_body(type_, data, at=at)) for type_, data in events]
    body = json.dumps({"events": items}, sort_keys=True).encode()
    return handle_webhook(provider, body, sign(body))


def pay_checkout(checkout_ref: str, *, card_number: str = DEFAULT_CARD, at: dt.datetime | None = None) -> WebhookResult:
    """The payer pressed Pay on the fake card page: a one-off payment is paid; a regular one becomes active and
    its first charge is paid."""
    card_fp = provider_card_fp(card_number)
    payment = Payment.objects.filter(provider="fake_card", checkout_ref=checkout_ref).first()
    if payment is not None:
        return deliver(
            "fake_card",
            "payment.paid",
            {"payment": payment.provider_ref, "amount_pence": payment.amount_pence, "card_fingerprint": card_fp},
            at=at,
        )
    subscription = Subscription.objects.get(provider="fake_card", checkout_ref=checkout_ref)
    return deliver_many(
        "fake_card",
        [
            ("subscription.active", {"subscription": subscription.provider_ref, "card_fingerprint": card_fp}),
            (
                "payment.paid",
                {
                    "subscription": subscription.provider_ref,
                    "payment": new_ref("fkpay"),
                    "amount_pence": subscription.amount_pence,
                    "charged_on": timezone.localdate(at).isoformat() if at else timezone.localdate().isoformat(),
                    "card_fingerprint": card_fp,
                },
            ),
        ],
        at=at,
    )


def decline_checkout(checkout_ref: str, *, at: dt.datetime | None = None) -> WebhookResult:
    """The payer pressed Decline (or the card was refused)."""
    payment = Payment.objects.filter(provider="fake_card", checkout_ref=checkout_ref).first()
    if payment is not None:
        return deliver(
            "fake_card", "payment.failed", {"payment": payment.provider_ref, "reason": "card declined"}, at=at
        )
    subscription = Subscription.objects.get(provider="fake_card", checkout_ref=checkout_ref)
    return deliver(
        "fake_card",
        "subscription.failed",
        {"subscription": subscription.provider_ref, "reason": "card declined"},
        at=at,
    )


def activate_direct_debit(
    subscription: Subscription, *, first_charge: bool = True, at: dt.datetime | None = None
) -> WebhookResult:
    """After the payer gave their bank details: the mandate and the subscription become active and (the fake
    collects at once, so a flow finishes in one sitting) the first payment is taken."""
    subscription.refresh_from_db()
    events: list[tuple[str, dict]] = [
        ("mandate.active", {"mandate": subscription.mandate.provider_ref}),
        ("subscription.active", {"subscription": subscription.provider_ref}),
    ]
    result = deliver_many(subscription.provider, events, at=at)
    if first_charge:
        result.events += charge(subscription, paid=True, on=timezone.localdate(at) if at else None, at=at).events
    return result


def charge(
    subscription: Subscription,
    *,
    paid: bool = True,
    on: dt.date | None = None,
    amount_pence: int | None = None,
    at: dt.datetime | None = None,
    reason: str = "insufficient funds",
) -> WebhookResult:
    """The provider takes a regular payment's next charge (on `on`, default its next charge date or today): the
    payment is created, then paid or failed."""
    subscription.refresh_from_db()
    on = on or subscription.next_charge_on or timezone.localdate()
    at = at or timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    data = {
        "subscription": subscription.provider_ref,
        "payment": new_ref("fkpay"),
        "amount_pence": amount_pence or subscription.amount_pence,
        "charged_on": on.isoformat(),
    }
    if subscription.mandate_id:
        data["mandate"] = subscription.mandate.provider_ref
    outcome = ("payment.paid", data) if paid else ("payment.failed", {**data, "reason": reason})
    return deliver_many(subscription.provider, [("payment.created", data), outcome], at=at)


def fail_payment(payment: Payment, *, reason: str = "late failure", at: dt.datetime | None = None) -> WebhookResult:
    """The provider reports a payment failed (after it was paid: a late Direct Debit failure or a charge-back)."""
    return deliver(payment.provider, "payment.failed", {"payment": payment.provider_ref, "reason": reason}, at=at)


def end_mandate(
    mandate: Mandate, *, status: str = "cancelled", reason: str = "", at: dt.datetime | None = None
) -> WebhookResult:
    """The bank or payer ends a Direct Debit: status 'cancelled', 'failed' or 'expired'."""
    return deliver(mandate.provider, f"mandate.{status}", {"mandate": mandate.provider_ref, "reason": reason}, at=at)


def refund_reported(payment: Payment, *, amount_pence: int, at: dt.datetime | None = None) -> WebhookResult:
    """The provider reports a refund made on its own dashboard."""
    return deliver(
        payment.provider,
        "payment.refunded",
        {"payment": payment.provider_ref, "refund": new_ref("fkre"), "amount_pence": amount_pence},
        at=at,
    )
