"""How higher apps (dues, donations, fundraising) hear about money: they `listen(purpose, handler)` in their
AppConfig.ready(), and the webhook handler calls each handler once per provider event, inside its transaction (a
handler error rolls the event back; it is recorded as an error and retried on redelivery)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .models import Mandate, Payment, Subscription

NoticeKind = Literal[
    "payment_paid",
    "payment_failed",
    "payment_refunded",
    "subscription_active",
    "subscription_cancelled",
    "mandate_active",
    "mandate_failed",
    "mandate_cancelled",
]


@dataclass(frozen=True)
class PaymentNotice:
    kind: NoticeKind
    purpose: str
    purpose_ref: str
    payment: Payment | None
    subscription: Subscription | None
    mandate: Mandate | None
    amount_pence: int
    occurred_at: dt.datetime


Handler = Callable[[PaymentNotice], None]
_HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def listen(purpose: str, handler: Handler) -> None:
    """Call `handler` for every notice about money whose purpose is `purpose` (registering twice is harmless)."""
    if handler not in _HANDLERS[purpose]:
        _HANDLERS[purpose].append(handler)


def unlisten(purpose: str, handler: Handler) -> None:
    if handler in _HANDLERS.get(purpose, []):
        _HANDLERS[purpose].remove(handler)


def dispatch(notice: PaymentNotice) -> None:
    for handler in list(_HANDLERS.get(notice.purpose, [])):
        handler(notice)
