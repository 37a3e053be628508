"""The state machine: which status may follow which, for payments, subscriptions and mandates.

Providers deliver events late, twice and out of order. An event is applied only when (1) its move is in the table
below and (2) it is not older than the event that set the current status (`status_at`). Anything else is recorded
on the webhook event as ignored, with the reason, and changes nothing.

Payments: pending → paid | failed | cancelled; failed → paid (a retried collection succeeded) | cancelled;
paid → failed (a late Direct Debit failure or a card charge-back) | refunded (only through a refund of the whole
amount). Subscriptions: pending → active | failed | cancelled; active → cancelled | failed; failed → active |
cancelled. Mandates: pending → active | failed | cancelled | expired; active → failed | cancelled | expired;
failed → active (reinstated) | cancelled. Cancelled, refunded and expired are final.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import models

from .models import StatusChange, WebhookEvent

ALLOWED: dict[str, dict[str, set[str]]] = {
    "payment": {
        "pending": {"paid", "failed", "cancelled"},
        "failed": {"paid", "cancelled"},
        "paid": {"failed", "refunded"},
        "cancelled": set(),
        "refunded": set(),
    },
    "subscription": {
        "pending": {"active", "failed", "cancelled"},
        "active": {"cancelled", "failed"},
        "failed": {"active", "cancelled"},
        "cancelled": set(),
    },
    "mandate": {
        "pending": {"active", "failed", "cancelled", "expired"},
        "active": {"failed", "cancelled", "expired"},
        "failed": {"active", "cancelled"},
        "cancelled": set(),
        "expired": set(),
    },
}


def refusal(kind: str, obj: models.Model, to: str, at: dt.datetime | None) -> str:
    """Why `obj` may not move to `to` now ("" when it may)."""
    current = obj.status
    label = f"{kind} {obj.provider_ref}"
    if current == to:
        return f"No change: {label} is already {to}."
    if to not in ALLOWED[kind][current]:
        return f"Out of order: {label} is {current} and cannot become {to}."
    if at is not None and obj.status_at is not None and at < obj.status_at:
        return f"Out of order: a newer event ({obj.status_at:%Y-%m-%d %H:%M:%S}) already made {label} {current}."
    return ""


def move(
    kind: str, obj: models.Model, to: str, *, at: dt.datetime | None, event: WebhookEvent | None = None, note: str = ""
) -> str:
    """Move `obj` to `to` if the table allows it; returns "" when moved, else the reason it was not."""
    reason = refusal(kind, obj, to, at)
    if reason:
        return reason
    StatusChange.objects.create(
        object_type=kind, object_id=obj.pk, from_status=obj.status, to_status=to, event=event, note=note[:300]
    )
    obj.status = to
    if at is not None:
        obj.status_at = at
    return ""


def add_interval(day: dt.date, interval: str) -> dt.date:
    """The next charge date: same day next month (clipped to the month's end) or next year (29 Feb → 28 Feb)."""
    if interval == "year":
        year = day.year + 1
        return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
