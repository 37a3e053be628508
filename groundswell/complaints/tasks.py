"""Background work for complaints: the periodic housekeeping, queued by `groundswell scheduler`."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def complaints_housekeeping() -> dict:
    """Escalate missed stage targets, remind handlers of interim-suspension reviews, apply retention. Idempotent:
    each escalation and reminder happens once, so the scheduler may queue it every round."""
    return services.housekeeping()
