"""Background work that belongs to no domain: the worker's heartbeat."""

from __future__ import annotations

from django_tasks import task

from . import health


@task()
def worker_heartbeat() -> str:
    """Queued by `groundswell scheduler`; running it proves a worker is taking tasks off the queue."""
    return health.beat(health.WORKER).isoformat()
