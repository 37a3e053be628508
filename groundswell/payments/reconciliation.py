"""Reconciliation: the provider's payouts (money that reached the bank) matched against our payments.

Differences, each with the figures and plain words:
- `not_ours`: a payout line for a payment we have no record of;
- `amount_mismatch`: a line whose gross amount is not the payment's amount (or a refund line for more than we
  refunded);
- `not_paid_here`: a line for a payment we hold as failed, cancelled or pending;
- `missing_from_payouts`: a payment paid here more than N days ago (PAYMENTS_PAYOUT_GRACE_DAYS) that no imported
  payout contains.
A payment matched by a payout is linked to it (`Payment.payout`); reconciling again recomputes from the lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .amounts import format_pence
from .models import Payment, Payout, PayoutItem
from .providers import get_provider


@dataclass
class Difference:
    kind: str
    provider: str
    payment_ref: str
    payout_ref: str
    ours_pence: int | None
    theirs_pence: int | None
    explanation: str
    payment_id: int | None = None
    unit_path: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    provider: str
    payouts: list[Payout] = field(default_factory=list)
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "provider": self.provider,
            "payouts": [
                {
                    "payout": p.provider_ref,
                    "paid_on": p.paid_on.isoformat(),
                    "amount_pence": p.amount_pence,
                    "fees_pence": p.fees_pence,
                }
                for p in self.payouts
            ],
            "matched_payments": self.matched,
            "differences": [d.as_dict() for d in self.differences],
        }


def import_payouts(provider: str, *, since: dt.date | None = None) -> list[Payout]:
    """Fetch the provider's payouts (since a date) and store any not yet held, with their lines."""
    stored = []
    for data in get_provider(provider).list_payouts(since):
        with transaction.atomic():
            payout, created = Payout.objects.get_or_create(
                provider=provider,
                provider_ref=data.provider_ref,
                defaults={"paid_on": data.paid_on, "amount_pence": data.amount_pence, "fees_pence": data.fees_pence},
            )
            if created:
                PayoutItem.objects.bulk_create(
                    [
                        PayoutItem(
                            payout=payout,
                            payment_ref=line.payment_ref,
                            amount_pence=line.amount_pence,
                            fee_pence=line.fee_pence,
                        )
                        for line in data.lines
                    ]
                )
        stored.append(payout)
    return stored


def reconcile(payout: Payout, *, link: bool = True) -> list[Difference]:
    """Match a payout's lines to our payments (linking them, unless `link` is False) and list the differences."""
    differences: list[Difference] = []
    gross: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for item in payout.items.all():
        if item.amount_pence >= 0:
            gross[item.payment_ref] += item.amount_pence
        else:
            refunded[item.payment_ref] += -item.amount_pence
    refs = set(gross) | set(refunded)
    payments = {p.provider_ref: p for p in Payment.objects.filter(provider=payout.provider, provider_ref__in=refs)}

    def diff(kind: str, ref: str, ours: int | None, theirs: int | None, words: str, payment=None) -> None:
        differences.append(
            Difference(
                kind=kind,
                provider=payout.provider,
                payment_ref=ref,
                payout_ref=payout.provider_ref,
                ours_pence=ours,
                theirs_pence=theirs,
                explanation=words,
                payment_id=payment.pk if payment else None,
                unit_path=payment.unit.path if payment is not None and payment.unit_id else "",
            )
        )

    matched: list[int] = []
    with transaction.atomic():
        for ref in sorted(refs):
            payment = payments.get(ref)
            theirs = gross.get(ref, 0)
            if payment is None:
                diff(
                    "not_ours",
                    ref,
                    None,
                    theirs or -refunded[ref],
                    f"Payout {payout.provider_ref} has {format_pence(theirs or -refunded[ref])} for payment {ref}, "
                    "which is not recorded here.",
                )
                continue
            if ref in gross and theirs != payment.amount_pence:
                diff(
                    "amount_mismatch",
                    ref,
                    payment.amount_pence,
                    theirs,
                    f"Payout {payout.provider_ref} has {format_pence(theirs)} for payment {ref}; "
                    f"we recorded {format_pence(payment.amount_pence)}.",
                    payment,
                )
            elif ref in gross and payment.status not in ("paid", "refunded"):
                diff(
                    "not_paid_here",
                    ref,
                    payment.amount_pence,
                    theirs,
                    f"Payout {payout.provider_ref} includes payment {ref}, which we hold as {payment.status}.",
                    payment,
                )
            if refunded.get(ref, 0) > payment.refunded_pence:
                diff(
                    "amount_mismatch",
                    ref,
                    payment.refunded_pence,
                    refunded[ref],
                    f"Payout {payout.provider_ref} takes back {format_pence(refunded[ref])} in refunds of payment "
                    f"{ref}; we recorded {format_pence(payment.refunded_pence)} refunded.",
                    payment,
                )
            if ref in gross:
                matched.append(payment.pk)
        if link:
            Payment.objects.filter(pk__in=matched).update(payout=payout)
            payout.reconciled_at = timezone.now()
            payout.save(update_fields=["reconciled_at"])
    return differences


def unpaid_out(provider: str, *, days: int | None = None, on: dt.date | None = None) -> QuerySet[Payment]:
    """Payments paid here more than `days` ago that no payout contains yet."""
    days = settings.PAYMENTS_PAYOUT_GRACE_DAYS if days is None else days
    cutoff = (on or timezone.localdate()) - dt.timedelta(days=days)
    return Payment.objects.filter(
        provider=provider, status="paid", payout__isnull=True, paid_at__date__lt=cutoff
    ).select_related("unit")


def _missing(payment: Payment) -> Difference:
    return Difference(
        kind="missing_from_payouts",
        provider=payment.provider,
        payment_ref=payment.provider_ref,
        payout_ref="",
        ours_pence=payment.amount_pence,
        theirs_pence=None,
        explanation=f"Payment {payment.provider_ref} of {format_pence(payment.amount_pence)} was paid on "
        f"{timezone.localtime(payment.paid_at):%d %b %Y} and is in no payout yet.",
        payment_id=payment.pk,
        unit_path=payment.unit.path if payment.unit_id else "",
    )


def run(provider: str, *, since: dt.date | None = None, days: int | None = None) -> Report:
    """Import the provider's payouts, reconcile each, and add the payments missing from every payout."""
    report = Report(provider=provider)
    report.payouts = import_payouts(provider, since=since)
    for payout in report.payouts:
        report.differences += reconcile(payout)
    report.matched = Payment.objects.filter(provider=provider, payout__in=report.payouts).count()
    missing = unpaid_out(provider, days=days)
    if since:
        missing = missing.filter(paid_at__date__gte=since)
    report.differences += [_missing(payment) for payment in missing.order_by("paid_at")]
    return report


def stored_differences(provider: str | None = None, *, days: int | None = None) -> list[Difference]:
    """The differences from the payouts already imported (for the treasurer's page; no call to the provider)."""
    differences: list[Difference] = []
    payouts = Payout.objects.all() if provider is None else Payout.objects.filter(provider=provider)
    for payout in payouts.prefetch_related("items"):
        differences += reconcile(payout, link=False)
    online = Payment.objects.exclude(provider="manual").values_list("provider", flat=True).distinct()
    providers = [provider] if provider else sorted(set(online))
    for name in providers:
        differences += [_missing(payment) for payment in unpaid_out(name, days=days).order_by("paid_at")]
    return differences
