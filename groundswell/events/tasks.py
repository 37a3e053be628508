"""Background work: reminders (deferred per RSVP where the backend can defer, and the sweep)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def send_reminder(rsvp_id: int, kind: str) -> bool:
    """One reminder; does nothing if it was already sent, the RSVP was cancelled or it is not due."""
    return services.deliver_reminder(rsvp_id, kind)


@task()
def send_due_reminders() -> dict[str, int]:
    return services.send_due_reminders()
