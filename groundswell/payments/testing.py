"""Helpers for other apps' tests and demos: complete a fake checkout or Direct Debit, and make the fake provider
report a regular payment's charges (paid or failed) and a mandate's end. Everything goes through the signed
webhook handler, so listeners hear exactly what they would in production.

    checkout = start_direct_debit(...)
    subscription = complete_direct_debit(checkout)                  # mandate active, first charge paid
    history(subscription, start=date(2026, 1, 1), months=6, missed={3, 4})   # a payment history with gaps
    fail_next_charge(subscription); cancel_mandate(subscription)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from . import fakes
from .models import Mandate, Payment, Subscription
from .services import Checkout
from .services import complete_direct_debit as _give_bank_details
from .transitions import add_interval
from .webhooks import WebhookResult

DEFAULT_SORT_CODE = "20-00-00"
DEFAULT_ACCOUNT = "55779911"


def complete_checkout(
    checkout: Checkout, *, pay: bool = True, card_number: str = fakes.DEFAULT_CARD
) -> Payment | Subscription:
    """Press Pay (or Decline) on the fake card page; returns the refreshed payment or subscription."""
    target = checkout.payment or checkout.subscription
    if pay:
        fakes.pay_checkout(target.checkout_ref, card_number=card_number)
    else:
        fakes.decline_checkout(target.checkout_ref)
    target.refresh_from_db()
    return target


def complete_direct_debit(
    checkout: Checkout,
    *,
    account_holder: str = "",
    sort_code: str = DEFAULT_SORT_CODE,
    account_number: str = DEFAULT_ACCOUNT,
    first_charge: bool = True,
    on: dt.date | None = None,
) -> Subscription:
    """Give bank details on the Direct Debit page; the mandate and subscription become active and (unless
    `first_charge` is False) the first charge is paid on `on` (default today)."""
    subscription = checkout.subscription
    _give_bank_details(
        subscription,
        account_holder=account_holder or subscription.payer_name or "A Payer",
        sort_code=sort_code,
        account_number=account_number,
    )
    at = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC) if on else None
    fakes.activate_direct_debit(subscription, first_charge=first_charge, at=at)
    subscription.refresh_from_db()
    return subscription


def pay_next_charge(
    subscription: Subscription, *, on: dt.date | None = None, amount_pence: int | None = None
) -> Payment:
    """The next charge is paid (on `on`, default the subscription's next charge date); returns the payment."""
    fakes.charge(subscription, paid=True, on=on, amount_pence=amount_pence)
    return Payment.objects.filter(subscription=subscription).order_by("-id").first()


def fail_next_charge(
    subscription: Subscription, *, on: dt.date | None = None, reason: str = "insufficient funds"
) -> Payment:
    """The next charge fails; returns the failed payment."""
    fakes.charge(subscription, paid=False, on=on, reason=reason)
    return Payment.objects.filter(subscription=subscription).order_by("-id").first()


def history(subscription: Subscription, *, start: dt.date, months: int, missed: Iterable[int] = ()) -> list[Payment]:
    """`months` charges (one per interval) from `start`: the ones whose index (0-based) is in `missed` fail."""
    missed = set(missed)
    payments, on = [], start
    for index in range(months):
        if index in missed:
            payments.append(fail_next_charge(subscription, on=on))
        else:
            payments.append(pay_next_charge(subscription, on=on))
        on = add_interval(on, subscription.interval)
    return payments


def fail_payment(payment: Payment, *, reason: str = "late failure") -> Payment:
    """A paid payment fails later (late Direct Debit failure or a card charge-back)."""
    fakes.fail_payment(payment, reason=reason)
    payment.refresh_from_db()
    return payment


def _mandate(obj: Subscription | Mandate) -> Mandate:
    return obj.mandate if isinstance(obj, Subscription) else obj


def cancel_mandate(obj: Subscription | Mandate, *, reason: str = "cancelled by the payer") -> WebhookResult:
    """The payer (or their bank) cancels the Direct Debit: mandate and its subscriptions cancelled."""
    return fakes.end_mandate(_mandate(obj), status="cancelled", reason=reason)


def fail_mandate(obj: Subscription | Mandate, *, reason: str = "account closed") -> WebhookResult:
    """The bank refuses the mandate: mandate failed, its subscriptions failed."""
    return fakes.end_mandate(_mandate(obj), status="failed", reason=reason)


def deliver(provider: str, type_: str, data: dict, **kwargs) -> WebhookResult:
    """Any fake event, signed and delivered (e.g. 'payment.paid' for an unknown subscription)."""
    return fakes.deliver(provider, type_, data, **kwargs)
