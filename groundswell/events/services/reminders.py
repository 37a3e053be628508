"""Event reminders, 24 h and 2 h before: deliver one (exactly once, however often it is tried) and the sweep that
sends every one due. Queuing them per RSVP as deferred tasks is `events.tasks.schedule_reminders`."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import notify
from ..models import RSVP, Event, ReminderDelivery

REMINDER_LEADS = {"24h": datetime.timedelta(hours=24), "2h": datetime.timedelta(hours=2)}


def deliver_reminder(rsvp_id: int, kind: str, now: datetime.datetime | None = None) -> bool:
    """Send one reminder if it is due and was never sent. True if this call sent it.

    The delivery row is inserted (and committed) before the email goes: a worker that dies after that point
    never sends a second copy. If sending raises, the claim is removed so a later run tries again.
    """
    now = now or timezone.now()
    lead = REMINDER_LEADS[kind]
    booking = RSVP.objects.select_related("event", "person").filter(pk=rsvp_id).first()
    if booking is None or booking.status != RSVP.Status.GOING or booking.event.status != Event.Status.PUBLISHED:
        return False
    starts = booking.event.starts_at
    if not (starts - lead <= now < starts):
        return False
    try:
        with transaction.atomic():
            claim = ReminderDelivery.objects.create(rsvp=booking, kind=kind, claimed_at=now)
    except IntegrityError:
        return False
    try:
        notify.reminder(booking, kind)
    except Exception:
        claim.delete()
        raise
    ReminderDelivery.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return True


def send_due_reminders(now: datetime.datetime | None = None) -> dict[str, int]:
    """The sweep: every reminder due now and not yet sent (24 h and 2 h before each event)."""
    now = now or timezone.now()
    sent = {}
    for kind, lead in REMINDER_LEADS.items():
        due = RSVP.objects.filter(
            status=RSVP.Status.GOING,
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + lead,
        ).exclude(deliveries__kind=kind)
        sent[kind] = sum(deliver_reminder(pk, kind, now) for pk in due.values_list("pk", flat=True))
    return sent
