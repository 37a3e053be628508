"""Reads for the treasurer's pages, scoped by role and unit.

A payment belongs to the unit its purpose belongs to (`Payment.unit`, set by the calling app). Rows with no unit
(a payment started without one, a webhook naming something we do not know) concern the whole party: only holders
of the permission at the root of the tree (the national unit) see them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from groundswell import charts
from groundswell.accounts.access import Perm, has_perm, unit_paths_with, within_units

from .models import Payment, Subscription, WebhookEvent
from .reconciliation import Difference, stored_differences


def sees_whole_party(user: Any, perm: Perm = Perm.VIEW_PAYMENTS) -> bool:
    """Holds `perm` at a root unit (path "/<id>/"), so also sees rows tied to no unit."""
    return any(path.count("/") == 2 for path in unit_paths_with(user, perm))


def _scoped(queryset: QuerySet, user: Any, perm: Perm) -> QuerySet:
    q = within_units(unit_paths_with(user, perm))
    if sees_whole_party(user, perm):
        q |= Q(unit__isnull=True)
    return queryset.filter(q)


def payments_for(user: Any, perm: Perm = Perm.VIEW_PAYMENTS) -> QuerySet[Payment]:
    return _scoped(Payment.objects.select_related("unit", "subscription"), user, perm)


def subscriptions_for(user: Any, perm: Perm = Perm.VIEW_PAYMENTS) -> QuerySet[Subscription]:
    return _scoped(Subscription.objects.select_related("unit", "mandate"), user, perm)


def exceptions_for(user: Any) -> QuerySet[WebhookEvent]:
    """Webhook events recorded as errors or ignored (with the reason), newest first."""
    events = WebhookEvent.objects.filter(outcome__in=[WebhookEvent.Outcome.ERROR, WebhookEvent.Outcome.IGNORED])
    return _scoped(events.select_related("unit"), user, Perm.VIEW_PAYMENTS).order_by("-received_at", "-id")


def can_see_payment(user: Any, payment: Payment, perm: Perm = Perm.VIEW_PAYMENTS) -> bool:
    return has_perm(user, perm, payment.unit) if payment.unit_id else sees_whole_party(user, perm)


def differences_for(user: Any, provider: str | None = None) -> list[Difference]:
    """Reconciliation differences the user may see: those of their units' payments, and (at the root) the ones
    tied to no payment of a unit (lines we do not recognise)."""
    paths = unit_paths_with(user, Perm.VIEW_PAYMENTS)
    whole = sees_whole_party(user)
    return [
        d
        for d in stored_differences(provider)
        if (whole and not d.unit_path) or any(d.unit_path.startswith(p) for p in paths if d.unit_path)
    ]


@dataclass
class Summary:
    paid_pence: int
    paid_count: int
    failed_count: int
    pending_count: int
    refunded_pence: int
    active_subscriptions: int
    regular_pence_month: int
    exceptions: int
    chart: dict
    months: list[tuple[str, int]]


def summary(user: Any, *, months: int = 12, today: dt.date | None = None) -> Summary:
    """Money in for the user's units: the last 12 months' paid income by month (a chart), counts, regular income."""
    today = today or timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    payments = payments_for(user)
    recent = payments.filter(charged_on__gte=start)
    by_status = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    paid = recent.filter(status__in=["paid", "refunded"]).aggregate(
        total=Sum("amount_pence"), refunded=Sum("refunded_pence")
    )
    monthly = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["total"]
        for row in recent.filter(status__in=["paid", "refunded"])
        .annotate(month=TruncMonth("charged_on"))
        .values("month")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    }
    labels, values, cursor = [], [], start
    while cursor <= today:
        labels.append(cursor.strftime("%b"))
        values.append((monthly.get(cursor) or 0) // 100)  # whole pounds for the axis
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    frame = charts.Frame(width=560, height=200, left=56, right=8, top=10, bottom=30)
    active = subscriptions_for(user).filter(status="active")
    regular = active.values("interval").annotate(total=Sum("amount_pence")).order_by()
    per_month = sum((row["total"] if row["interval"] == "month" else row["total"] // 12) for row in regular)
    return Summary(
        paid_pence=(paid["total"] or 0),
        paid_count=by_status.get("paid", 0) + by_status.get("refunded", 0),
        failed_count=by_status.get("failed", 0),
        pending_count=by_status.get("pending", 0),
        refunded_pence=paid["refunded"] or 0,
        active_subscriptions=active.count(),
        regular_pence_month=per_month,
        exceptions=exceptions_for(user).filter(outcome=WebhookEvent.Outcome.ERROR).count(),
        chart=charts.column_chart(frame, values, dict(enumerate(labels))),
        months=list(zip(labels, values, strict=True)),
    )
