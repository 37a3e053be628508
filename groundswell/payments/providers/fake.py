"""The fake providers: a card checkout and a Direct Debit, entirely local.

Their hosted pages are ours (`/payments/fake/checkout/<ref>/`, `/payments/direct-debit/<ref>/`); what a payer does
there becomes events signed exactly as a real provider would sign them (HMAC-SHA256 of the body, header
`Fake-Signature`), delivered to our own webhook handler. So every flow, test, demo and browser test runs offline
and still passes through signature checks, idempotency and the state machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections import defaultdict
from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..errors import PaymentError, SignatureError
from ..fingerprints import card_fingerprint
from ..models import Payment
from .base import Hosted, PayoutData, PayoutLine, ProviderEvent, header

SIGNATURE_HEADER = "Fake-Signature"
TYPES = {
    "checkout.completed",
    "payment.created",
    "payment.paid",
    "payment.failed",
    "payment.cancelled",
    "payment.refunded",
    "subscription.active",
    "subscription.cancelled",
    "subscription.failed",
    "mandate.active",
    "mandate.failed",
    "mandate.cancelled",
    "mandate.expired",
}
# Fees the fake charges in its payouts, shaped like the real ones (card: 1.5% + 20p; Direct Debit: 1% + 20p, capped
# at £4). Used only to make reconciliation look like life.
FEES = {"fake_card": (150, 20, None), "fake_dd": (100, 20, 400)}


def webhook_secret() -> str:
    configured = getattr(settings, "PAYMENTS_FAKE_WEBHOOK_SECRET", "") or ""
    return configured or hashlib.sha256(b"groundswell.payments.fake:" + settings.SECRET_KEY.encode()).hexdigest()


def sign(body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: hmac.new(webhook_secret().encode(), body, hashlib.sha256).hexdigest()}


def new_ref(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def event_body(type_: str, data: dict, *, event_id: str = "", at: dt.datetime | None = None) -> bytes:
    """One fake event as the provider would send it."""
    if type_ not in TYPES:
        raise ValueError(f"Unknown fake event type {type_}")
    event = {
        "id": event_id or new_ref("fkevt"),
        "type": type_,
        "created_at": (at or timezone.now()).isoformat(),
        "data": data,
    }
    return json.dumps(event, sort_keys=True, default=str).encode()


def provider_card_fp(card_number: str) -> str:
    """What a card provider would report as the card's fingerprint: stable per card, not the number."""
    digits = "".join(ch for ch in card_number if ch.isdigit()) or "4242424242424242"
    return "fkfp_" + hashlib.sha256(b"fake-card:" + digits.encode()).hexdigest()[:16]


def _fee(provider: str, amount: int) -> int:
    rate_bp, fixed, cap = FEES.get(provider, (0, 0, None))
    fee = amount * rate_bp // 10_000 + fixed
    return min(fee, cap) if cap else fee


class _FakeProvider:
    name = ""
    method = ""

    def refund(self, payment, *, amount_pence: int, idempotency_key: str) -> str:
        return new_ref("fkre")

    def change_subscription(self, subscription, *, amount_pence: int, idempotency_key: str) -> None:
        return None

    def cancel_subscription(self, subscription, *, idempotency_key: str) -> None:
        return None

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[ProviderEvent]:
        given = header(headers, SIGNATURE_HEADER)
        if not given:
            raise SignatureError(f"The webhook has no {SIGNATURE_HEADER} header, so it cannot be trusted.")
        expected = sign(body)[SIGNATURE_HEADER]
        if not hmac.compare_digest(given.strip(), expected):
            raise SignatureError("The webhook signature does not match its body (wrong secret, or altered).")
        try:
            raw = json.loads(body)
        except ValueError as exc:
            raise PaymentError("The webhook body is not JSON.") from exc
        events = raw.get("events", [raw]) if isinstance(raw, dict) else None
        if not isinstance(events, list):
            raise PaymentError("The webhook body is not an event or a list of events.")
        return [self._event(item) for item in events]

    def _event(self, item: object) -> ProviderEvent:
        if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
            raise PaymentError("A webhook event has no data.")
        type_ = str(item.get("type", ""))
        if not item.get("id"):
            raise PaymentError("A webhook event has no id.")
        data = item["data"]
        occurred = parse_datetime(str(item.get("created_at", ""))) or timezone.now()
        amount = data.get("amount_pence")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0):
            raise PaymentError(f"Event {item['id']}: amount_pence must be a whole number of pence.")
        fp = str(data.get("card_fingerprint") or "")
        return ProviderEvent(
            event_id=str(item["id"])[:120],
            type=type_[:80],
            action=type_.replace(".", "_") if type_ in TYPES else "other",
            occurred_at=occurred,
            payload=item,
            payment_ref=str(data.get("payment") or ""),
            subscription_ref=str(data.get("subscription") or ""),
            mandate_ref=str(data.get("mandate") or ""),
            checkout_ref=str(data.get("checkout") or ""),
            refund_ref=str(data.get("refund") or ""),
            amount_pence=amount,
            fingerprint=card_fingerprint(fp) if fp else "",
            charged_on=parse_date(str(data.get("charged_on") or "")) if data.get("charged_on") else None,
            reason=str(data.get("reason") or "")[:300],
        )

    def list_payouts(self, since: dt.date | None) -> list[PayoutData]:
        """Payouts as the fake provider would make them: paid payments grouped by the day two days after payment."""
        # The fake plays the provider, whose books are our own rows.
        paid = Payment.objects.filter(provider=self.name, status__in=["paid", "refunded"], paid_at__isnull=False)
        if since:
            paid = paid.filter(paid_at__date__gte=since)
        cutoff = timezone.localdate() - dt.timedelta(days=2)
        by_day: dict[dt.date, list[PayoutLine]] = defaultdict(list)
        for payment in paid.filter(paid_at__date__lte=cutoff).order_by("paid_at", "id"):
            day = timezone.localtime(payment.paid_at).date() + dt.timedelta(days=2)
            by_day[day].append(
                PayoutLine(payment.provider_ref, payment.amount_pence, _fee(self.name, payment.amount_pence))
            )
        return [
            PayoutData(
                provider_ref=f"fkpo_{self.name}_{day:%Y%m%d}",
                paid_on=day,
                amount_pence=sum(line.amount_pence - line.fee_pence for line in lines),
                fees_pence=sum(line.fee_pence for line in lines),
                lines=lines,
            )
            for day, lines in sorted(by_day.items())
        ]


class FakeCardProvider(_FakeProvider):
    name = "fake_card"
    method = "card"

    def create_checkout(self, *, payment, subscription, description: str, idempotency_key: str) -> Hosted:
        ref = new_ref("fkpay" if payment is not None else "fksub")
        return Hosted(url=reverse("payments:fake_checkout", args=[ref]), checkout_ref=ref, provider_ref=ref)

    def create_direct_debit(self, **kwargs) -> Hosted:
        raise PaymentError("The fake card provider does not take Direct Debits.")


class FakeDirectDebitProvider(_FakeProvider):
    name = "fake_dd"
    method = "direct_debit"

    def create_checkout(self, **kwargs) -> Hosted:
        raise PaymentError("The fake Direct Debit provider does not take cards.")

    def create_direct_debit(self, *, subscription, description: str, idempotency_key: str) -> Hosted:
        ref = new_ref("fksub")
        return Hosted(url=reverse("payments:direct_debit", args=[ref]), checkout_ref=ref, provider_ref=ref)

    def collect_bank_account(
        self, *, subscription, account_holder: str, sort_code: str, account_number: str, email: str
    ) -> str:
        return new_ref("fkmd")
