"""The adapter interface every provider implements, and the normalised event the webhook handler applies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from ..models import Payment, Subscription

Action = Literal[
    "checkout_completed",  # a hosted card checkout finished (payment or subscription)
    "payment_created",
    "payment_paid",
    "payment_failed",
    "payment_cancelled",
    "payment_refunded",
    "subscription_active",
    "subscription_cancelled",
    "subscription_failed",
    "mandate_active",
    "mandate_failed",
    "mandate_cancelled",
    "mandate_expired",
    "other",  # an event type we do not act on (stored and answered 200)
]


@dataclass
class ProviderEvent:
    """One provider event in our words. Refs are the provider's ids; `fingerprint` is already ours (keyed)."""

    event_id: str
    type: str
    action: Action
    occurred_at: dt.datetime
    payload: dict
    payment_ref: str = ""
    subscription_ref: str = ""
    mandate_ref: str = ""
    checkout_ref: str = ""
    refund_ref: str = ""
    amount_pence: int | None = None
    fingerprint: str = ""
    charged_on: dt.date | None = None
    reason: str = ""


@dataclass
class Hosted:
    """A hosted page the payer is sent to, and its id at the provider."""

    url: str
    checkout_ref: str
    provider_ref: str = ""  # when the provider already names the payment/subscription


@dataclass
class PayoutLine:
    payment_ref: str
    amount_pence: int
    fee_pence: int = 0


@dataclass
class PayoutData:
    provider_ref: str
    paid_on: dt.date
    amount_pence: int
    fees_pence: int
    lines: list[PayoutLine] = field(default_factory=list)


class PaymentProvider(Protocol):
    name: str
    method: str  # Method.CARD or Method.DIRECT_DEBIT

    def create_checkout(
        self, *, payment: Payment | None, subscription: Subscription | None, description: str, idempotency_key: str
    ) -> Hosted: ...

    def create_direct_debit(self, *, subscription: Subscription, description: str, idempotency_key: str) -> Hosted: ...

    def collect_bank_account(
        self, *, subscription: Subscription, account_holder: str, sort_code: str, account_number: str, email: str
    ) -> str:
        """Set up the mandate and subscription from bank details our own page collected; returns the mandate ref."""
        ...

    def change_subscription(self, subscription: Subscription, *, amount_pence: int, idempotency_key: str) -> None: ...

    def cancel_subscription(self, subscription: Subscription, *, idempotency_key: str) -> None: ...

    def refund(self, payment: Payment, *, amount_pence: int, idempotency_key: str) -> str: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        """Verify the signature (raise SignatureError) and turn the body into events."""
        ...

    def list_payouts(self, since: dt.date | None) -> list[PayoutData]: ...


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by name in any case, from a dict or Django's request.headers."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""
