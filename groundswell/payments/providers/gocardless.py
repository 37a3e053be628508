"""GoCardless (Bacs Direct Debit), through the official `gocardless-pro` library.

Our own Direct Debit page collects the account holder, sort code and account number (so we can keep a keyed
fingerprint of the account, never the numbers); this adapter passes them to a Billing Request (mandate request →
customer details → bank account → confirm → fulfil), then creates the subscription on the new mandate. Every
create carries an Idempotency-Key header. Webhooks are verified by `gocardless_pro.webhooks.parse`
(header Webhook-Signature); GoCardless batches several events in one body.

Settings: GOCARDLESS_ACCESS_TOKEN, GOCARDLESS_ENVIRONMENT (sandbox|live), GOCARDLESS_WEBHOOK_SECRET.
Our subscription's `provider_ref` starts as a local reference for our page and becomes GoCardless's subscription
id once it is created. A payment counts as paid when GoCardless says `confirmed` (collected); `paid_out` is the
payout's business (reconciliation). `failed` or `charged_back` after that is a late failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from typing import Any

import gocardless_pro
from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from gocardless_pro import webhooks as gc_webhooks
from gocardless_pro.errors import GoCardlessProError, InvalidSignatureError

from ..errors import PaymentError, SignatureError
from .base import BankSetup, Hosted, PayoutData, PayoutLine, ProviderEvent, header

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "Webhook-Signature"
INTERVAL_UNITS = {"month": "monthly", "year": "yearly"}
# (resource_type, action) → our action. Anything else is stored and answered 200 but changes nothing.
ACTIONS = {
    ("mandates", "active"): "mandate_active",
    ("mandates", "reinstated"): "mandate_active",
    ("mandates", "failed"): "mandate_failed",
    ("mandates", "cancelled"): "mandate_cancelled",
    ("mandates", "expired"): "mandate_expired",
    ("subscriptions", "created"): "subscription_active",
    ("subscriptions", "cancelled"): "subscription_cancelled",
    ("subscriptions", "finished"): "subscription_cancelled",
    ("payments", "created"): "payment_created",
    ("payments", "confirmed"): "payment_paid",
    ("payments", "failed"): "payment_failed",
    ("payments", "charged_back"): "payment_failed",
    ("payments", "cancelled"): "payment_cancelled",
    ("refunds", "created"): "payment_refunded",
}


def _split_name(full: str) -> tuple[str, str]:
    given, _, family = full.strip().rpartition(" ")
    return (given or family, family if given else "")


class GoCardlessProvider:
    name = "gocardless"
    method = "direct_debit"

    def __init__(self, client: gocardless_pro.Client | None = None) -> None:
        self._client = client

    @property
    def client(self) -> gocardless_pro.Client:
        if self._client is None:
            if not settings.GOCARDLESS_ACCESS_TOKEN:
                raise PaymentError("Direct Debit by GoCardless is not set up: GOCARDLESS_ACCESS_TOKEN is empty.")
            self._client = gocardless_pro.Client(
                access_token=settings.GOCARDLESS_ACCESS_TOKEN, environment=settings.GOCARDLESS_ENVIRONMENT
            )
        return self._client

    # Outbound ------------------------------------------------------------------------------------------------

    def create_checkout(self, **kwargs) -> Hosted:
        raise PaymentError("Card payments go through the card provider (Stripe), not GoCardless.")

    def create_direct_debit(self, *, subscription, description: str, idempotency_key: str) -> Hosted:
        # The payer first meets our own page (bank details, fingerprinted); nothing is created at GoCardless yet.
        ref = f"gcpage_{secrets.token_hex(8)}"
        return Hosted(url=reverse("payments:direct_debit", args=[ref]), checkout_ref=ref, provider_ref=ref)

    def collect_bank_account(
        self, *, subscription, account_holder: str, sort_code: str, account_number: str, email: str
    ) -> BankSetup:
        key = subscription.idempotency_key or f"subscription:{subscription.pk}"
        given, family = _split_name(account_holder)
        try:
            request = self.client.billing_requests.create(
                params={
                    "mandate_request": {"scheme": "bacs", "currency": "GBP"},
                    "metadata": {"groundswell_id": str(subscription.pk)},
                },
                headers={"Idempotency-Key": f"br:{key}"},
            )
            self.client.billing_requests.collect_customer_details(
                request.id,
                params={"customer": {"given_name": given, "family_name": family, "email": email}},
                headers={"Idempotency-Key": f"br-customer:{key}"},
            )
            self.client.billing_requests.collect_bank_account(
                request.id,
                params={
                    "account_holder_name": account_holder[:18],  # Bacs allows 18 characters
                    "account_number": "".join(ch for ch in account_number if ch.isdigit()),
                    "branch_code": "".join(ch for ch in sort_code if ch.isdigit()),
                    "country_code": "GB",
                },
                headers={"Idempotency-Key": f"br-bank:{key}"},
            )
            self.client.billing_requests.confirm_payer_details(
                request.id, headers={"Idempotency-Key": f"br-confirm:{key}"}
            )
            fulfilled = self.client.billing_requests.fulfil(request.id, headers={"Idempotency-Key": f"br-fulfil:{key}"})
            mandate_id = fulfilled.links.mandate_request_mandate
            created = self.client.subscriptions.create(
                params={
                    "amount": subscription.amount_pence,
                    "currency": "GBP",
                    "interval_unit": INTERVAL_UNITS[subscription.interval],
                    "name": (subscription.description or "Regular payment")[:255],
                    "links": {"mandate": mandate_id},
                    "metadata": {"groundswell_id": str(subscription.pk)},
                },
                headers={"Idempotency-Key": f"subscription:{key}"},
            )
        except GoCardlessProError as exc:
            raise PaymentError(f"GoCardless refused the Direct Debit: {exc}") from exc
        return BankSetup(mandate_ref=mandate_id, subscription_ref=created.id)

    def change_subscription(self, subscription, *, amount_pence: int, idempotency_key: str) -> None:
        self.client.subscriptions.update(
            subscription.provider_ref,
            params={"amount": amount_pence},
            headers={"Idempotency-Key": idempotency_key},
        )

    def cancel_subscription(self, subscription, *, idempotency_key: str) -> None:
        self.client.subscriptions.cancel(subscription.provider_ref, headers={"Idempotency-Key": idempotency_key})

    def refund(self, payment, *, amount_pence: int, idempotency_key: str) -> str:
        refunded_before = payment.refunded_pence
        refund = self.client.refunds.create(
            params={
                "amount": amount_pence,
                # GoCardless checks the running total so a retry cannot refund twice.
                "total_amount_confirmation": refunded_before + amount_pence,
                "links": {"payment": payment.provider_ref},
            },
            headers={"Idempotency-Key": idempotency_key},
        )
        return refund.id

    def list_payouts(self, since: dt.date | None) -> list[PayoutData]:
        params: dict[str, Any] = {"status": "paid"}
        if since:
            params["created_at[gte]"] = f"{since.isoformat()}T00:00:00Z"
        result = []
        for payout in self.client.payouts.all(params=params):
            lines: dict[str, PayoutLine] = {}
            for item in self.client.payout_items.all(params={"payout": payout.id}):
                payment_ref = getattr(item.links, "payment", None) or ""
                if not payment_ref:
                    continue
                line = lines.setdefault(payment_ref, PayoutLine(payment_ref=payment_ref, amount_pence=0))
                amount = int(item.amount)
                if item.type in ("gocardless_fee", "app_fee", "surcharge_fee"):
                    line.fee_pence += -amount  # fees are negative items
                else:
                    line.amount_pence += amount
            result.append(
                PayoutData(
                    provider_ref=payout.id,
                    paid_on=parse_date(str(payout.arrival_date)) or dt.date.today(),
                    amount_pence=int(payout.amount),
                    fees_pence=int(payout.deducted_fees or 0),
                    lines=list(lines.values()),
                )
            )
        return result

    # Inbound -------------------------------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        secret = settings.GOCARDLESS_WEBHOOK_SECRET
        if not secret:
            raise SignatureError("GoCardless webhooks are not set up here: GOCARDLESS_WEBHOOK_SECRET is empty.")
        signature = header(headers, SIGNATURE_HEADER)
        if not signature or not signature.isascii():
            raise SignatureError(f"The webhook has no usable {SIGNATURE_HEADER} header, so it cannot be trusted.")
        try:
            events = gc_webhooks.parse(body, secret, signature)
        except InvalidSignatureError as exc:
            raise SignatureError(
                "The GoCardless signature does not match the body (wrong secret, or altered)."
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise PaymentError("The webhook body is not a GoCardless list of events.") from exc
        return [self._event(event) for event in events]

    def _event(self, event: Any) -> ProviderEvent:
        attrs = event.attributes
        links = attrs.get("links") or {}
        details = attrs.get("details") or {}
        resource, action = attrs.get("resource_type", ""), attrs.get("action", "")
        ours = ACTIONS.get((resource, action), "other")
        base = ProviderEvent(
            event_id=str(attrs["id"]),
            type=f"{resource}.{action}",
            action=ours,
            occurred_at=parse_datetime(str(attrs.get("created_at", ""))) or dt.datetime.now(dt.UTC),
            payload=attrs,
            payment_ref=links.get("payment", ""),
            subscription_ref=links.get("subscription", ""),
            mandate_ref=links.get("mandate", ""),
            reason=str(details.get("description") or details.get("cause") or "")[:300],
        )
        if resource == "subscriptions":
            base.subscription_ref = links.get("subscription", "")
            metadata = (attrs.get("resource_metadata") or {}) if isinstance(attrs, dict) else {}
            if metadata.get("groundswell_id"):
                base.local_ref = f"subscription:{metadata['groundswell_id']}"
        if ours == "payment_refunded":
            base.refund_ref = links.get("refund", "")
            try:
                refund = self.client.refunds.get(base.refund_ref)
            except GoCardlessProError as exc:
                raise PaymentError(f"GoCardless refund {base.refund_ref} could not be read: {exc}") from exc
            base.amount_pence = int(refund.amount)
            base.payment_ref = refund.links.payment
        return base
