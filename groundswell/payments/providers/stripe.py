"""Stripe, through the official `stripe` library: hosted Checkout (no card data touches our servers), webhook
signatures checked by `stripe.Webhook.construct_event`, an idempotency key on every request that changes anything,
and the card's fingerprint read from the payment method.

Settings: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (docs/operations.md, "Payment providers").
Our Payment's `provider_ref` starts as the Checkout Session id and becomes the PaymentIntent id when the session
completes (refunds and payouts name the PaymentIntent); a regular payment's charges are named by their
PaymentIntent (or, on API versions that no longer put one on the invoice, the invoice id).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings

from ..errors import PaymentError, SignatureError
from ..fingerprints import card_fingerprint
from .base import Hosted, PayoutData, PayoutLine, ProviderEvent, header

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "Stripe-Signature"


def _absolute(url: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{url}" if url.startswith("/") else url


def _get(obj: Any, *path: str) -> Any:
    """A nested field of a Stripe object or dict, None when any step is missing."""
    for key in path:
        if obj is None:
            return None
        try:
            obj = obj[key]
        except (KeyError, TypeError, IndexError):
            return None
    return obj


def _id(value: Any) -> str:
    """A link that may be an id or an expanded object."""
    if value is None:
        return ""
    return str(value if isinstance(value, str) else _get(value, "id") or "")


class StripeProvider:
    name = "stripe"
    method = "card"

    def __init__(self, client: stripe.StripeClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> stripe.StripeClient:
        if self._client is None:
            if not settings.STRIPE_SECRET_KEY:
                raise PaymentError("Card payments by Stripe are not set up: STRIPE_SECRET_KEY is empty.")
            self._client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2)
        return self._client

    # Outbound ------------------------------------------------------------------------------------------------

    def create_checkout(self, *, payment, subscription, description: str, idempotency_key: str) -> Hosted:
        target = payment or subscription
        price: dict[str, Any] = {
            "currency": "gbp",
            "unit_amount": target.amount_pence,
            "product_data": {"name": (description or "Payment")[:250]},
        }
        metadata = {"purpose": target.purpose, "purpose_ref": target.purpose_ref, "groundswell_id": str(target.pk)}
        params: dict[str, Any] = {
            "line_items": [{"price_data": price, "quantity": 1}],
            "success_url": _absolute(target.success_url),
            "cancel_url": _absolute(target.cancel_url),
            "client_reference_id": f"{'payment' if payment else 'subscription'}:{target.pk}",
            "metadata": metadata,
        }
        if target.payer_email:
            params["customer_email"] = target.payer_email
        if payment is not None:
            params["mode"] = "payment"
            params["payment_intent_data"] = {"metadata": metadata, "description": (description or "")[:250]}
        else:
            params["mode"] = "subscription"
            price["recurring"] = {"interval": subscription.interval}
            params["subscription_data"] = {"metadata": metadata, "description": (description or "")[:250]}
        session = self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout:{idempotency_key}"}
        )
        return Hosted(url=session.url, checkout_ref=session.id, provider_ref=session.id)

    def create_direct_debit(self, **kwargs) -> Hosted:
        raise PaymentError("Direct Debits go through the Direct Debit provider (GoCardless), not Stripe.")

    def collect_bank_account(self, **kwargs) -> str:
        raise PaymentError("Direct Debits go through the Direct Debit provider (GoCardless), not Stripe.")

    def refund(self, payment, *, amount_pence: int, idempotency_key: str) -> str:
        refund = self.client.v1.refunds.create(
            params={"payment_intent": payment.provider_ref, "amount": amount_pence},
            options={"idempotency_key": idempotency_key},
        )
        return refund.id

    def change_subscription(self, subscription, *, amount_pence: int, idempotency_key: str) -> None:
        current = self.client.v1.subscriptions.retrieve(subscription.provider_ref)
        item = current["items"]["data"][0]
        self.client.v1.subscriptions.update(
            subscription.provider_ref,
            params={
                "items": [
                    {
                        "id": item["id"],
                        "price_data": {
                            "currency": "gbp",
                            "product": _id(item["price"]["product"]),
                            "unit_amount": amount_pence,
                            "recurring": {"interval": subscription.interval},
                        },
                    }
                ],
                "proration_behavior": "none",
            },
            options={"idempotency_key": idempotency_key},
        )

    def cancel_subscription(self, subscription, *, idempotency_key: str) -> None:
        self.client.v1.subscriptions.cancel(subscription.provider_ref, options={"idempotency_key": idempotency_key})

    def list_payouts(self, since: dt.date | None) -> list[PayoutData]:
        params: dict[str, Any] = {"status": "paid", "limit": 100}
        if since:
            params["arrival_date"] = {"gte": int(dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC).timestamp())}
        result = []
        for payout in self.client.v1.payouts.list(params=params).auto_paging_iter():
            lines = []
            transactions = self.client.v1.balance_transactions.list(
                params={"payout": payout.id, "limit": 100, "expand": ["data.source"]}
            )
            for txn in transactions.auto_paging_iter():
                if txn["type"] == "payout":
                    continue
                source = txn["source"]
                ref = _id(_get(source, "payment_intent")) or _id(source)
                lines.append(PayoutLine(payment_ref=ref, amount_pence=int(txn["amount"]), fee_pence=int(txn["fee"])))
            result.append(
                PayoutData(
                    provider_ref=payout.id,
                    paid_on=dt.datetime.fromtimestamp(payout["arrival_date"], tz=dt.UTC).date(),
                    amount_pence=int(payout["amount"]),
                    fees_pence=sum(line.fee_pence for line in lines),
                    lines=lines,
                )
            )
        return result

    # Inbound -------------------------------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise SignatureError("Stripe webhooks are not set up here: STRIPE_WEBHOOK_SECRET is empty.")
        signature = header(headers, SIGNATURE_HEADER)
        if not signature or not signature.isascii():
            raise SignatureError(f"The webhook has no usable {SIGNATURE_HEADER} header, so it cannot be trusted.")
        try:
            event = stripe.Webhook.construct_event(body, signature, secret)
        except stripe.SignatureVerificationError as exc:
            raise SignatureError(f"The Stripe signature does not verify ({exc.user_message or exc}).") from exc
        except ValueError as exc:
            raise PaymentError("The webhook body is not JSON.") from exc
        return [self._event(event)]

    def _card_fp(self, payment_method: Any) -> str:
        fp = _get(payment_method, "card", "fingerprint")
        return card_fingerprint(fp) if fp else ""

    def _fingerprint_of_intent(self, intent_id: str) -> str:
        try:
            intent = self.client.v1.payment_intents.retrieve(intent_id, params={"expand": ["payment_method"]})
        except stripe.StripeError:  # the fingerprint is a nicety; the payment itself must still be recorded
            logger.warning("stripe: could not read payment method of %s", intent_id)
            return ""
        return self._card_fp(_get(intent, "payment_method"))

    def _fingerprint_of_subscription(self, subscription_id: str) -> str:
        try:
            sub = self.client.v1.subscriptions.retrieve(subscription_id, params={"expand": ["default_payment_method"]})
        except stripe.StripeError:
            logger.warning("stripe: could not read payment method of %s", subscription_id)
            return ""
        return self._card_fp(_get(sub, "default_payment_method"))

    def _event(self, event: Any) -> ProviderEvent:
        obj = event["data"]["object"]
        kind = event["type"]
        base = ProviderEvent(
            event_id=event["id"],
            type=kind,
            action="other",
            occurred_at=dt.datetime.fromtimestamp(event["created"], tz=dt.UTC),
            payload=event.to_dict() if hasattr(event, "to_dict") else dict(event),
        )
        if kind.startswith("checkout.session."):
            base.local_ref = str(_get(obj, "client_reference_id") or "")
        if kind == "checkout.session.completed":
            base.checkout_ref = obj["id"]
            if obj["mode"] == "subscription":
                base.action = "subscription_active"
                base.subscription_ref = _id(obj["subscription"])
                base.fingerprint = self._fingerprint_of_subscription(base.subscription_ref)
            else:
                base.payment_ref = _id(obj["payment_intent"])
                base.amount_pence = _get(obj, "amount_total")
                base.action = "payment_paid" if obj["payment_status"] == "paid" else "checkout_completed"
                if base.payment_ref:
                    base.fingerprint = self._fingerprint_of_intent(base.payment_ref)
        elif kind == "checkout.session.async_payment_succeeded":
            base.action, base.checkout_ref = "payment_paid", obj["id"]
            base.payment_ref = _id(obj["payment_intent"])
        elif kind in ("checkout.session.async_payment_failed", "checkout.session.expired"):
            base.action = "payment_failed" if kind.endswith("failed") else "payment_cancelled"
            base.checkout_ref = obj["id"]
            base.payment_ref = _id(_get(obj, "payment_intent"))
            if obj["mode"] == "subscription":
                base.action = "subscription_failed"
                base.payment_ref = ""
        elif kind in ("invoice.paid", "invoice.payment_failed"):
            subscription = _id(_get(obj, "subscription")) or _id(
                _get(obj, "parent", "subscription_details", "subscription")
            )
            if not subscription:
                return base  # an invoice not for a subscription: not ours to act on
            base.action = "payment_paid" if kind == "invoice.paid" else "payment_failed"
            base.subscription_ref = subscription
            metadata = _get(obj, "subscription_details", "metadata") or _get(
                obj, "parent", "subscription_details", "metadata"
            )
            if _get(metadata, "groundswell_id"):
                base.local_ref = f"subscription:{metadata['groundswell_id']}"
            base.payment_ref = _id(_get(obj, "payment_intent")) or obj["id"]
            base.amount_pence = _get(obj, "amount_paid") if kind == "invoice.paid" else _get(obj, "amount_due")
            period_start = _get(obj, "period_start") or event["created"]
            base.charged_on = dt.datetime.fromtimestamp(period_start, tz=dt.UTC).date()
        elif kind == "refund.created":
            base.action = "payment_refunded"
            base.payment_ref = _id(_get(obj, "payment_intent"))
            base.refund_ref = obj["id"]
            base.amount_pence = obj["amount"]
        elif kind == "charge.dispute.created":
            base.action = "payment_failed"
            base.payment_ref = _id(_get(obj, "payment_intent"))
            base.reason = f"card dispute: {_get(obj, 'reason') or 'no reason given'}"
        elif kind == "customer.subscription.deleted":
            base.action = "subscription_cancelled"
            base.subscription_ref = obj["id"]
            base.reason = str(_get(obj, "cancellation_details", "reason") or "")
        return base
