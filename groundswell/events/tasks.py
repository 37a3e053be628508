"""Background work: reminders (deferred per RSVP where the backend can defer, and the sweep), and queuing them.

The task bodies live in services.reminders, which imports neither this module nor the other services; the RSVP
services queue reminders through `schedule_reminders` here. So the imports run one way: rsvps -> tasks -> reminders.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import RSVP
from .services import reminders


@task()
def send_reminder(rsvp_id: int, kind: str) -> bool:
    """One reminder; does nothing if it was already sent, the RSVP was cancelled or it is not due."""
    return reminders.deliver_reminder(rsvp_id, kind)


@task()
def send_due_reminders() -> dict[str, int]:
    return reminders.send_due_reminders()


def schedule_reminders(booking: RSVP) -> None:
    """Queue the 24 h and 2 h reminders as deferred tasks where the task backend can defer (the database
    backend can). Either way the sweep (`groundswell event_reminders`, run from cron) sends any that are due;
    the delivery row makes the two paths and any re-run send once."""
    if not default_task_backend.supports_defer:
        return
    now = timezone.now()
    for kind, lead in reminders.REMINDER_LEADS.items():
        when = booking.event.starts_at - lead
        if when > now:
            send_reminder.using(run_after=when).enqueue(booking.pk, kind)
