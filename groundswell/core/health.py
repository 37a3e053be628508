"""Liveness of the parts a deployment is made of: the database, and a worker taking tasks off the queue.

The worker counts as seen when it last ran any task: the scheduler queues a heartbeat task every few minutes
(core/tasks.py), so a quiet site still shows a live worker, and a worker that has stopped, or a queue that
nothing works, shows as "stale" within WORKER_STALE_SECONDS.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import Heartbeat

WORKER = "worker"
SCHEDULER = "scheduler"


def beat(name: str) -> datetime.datetime:
    """Record that the process `name` is alive now."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})
    return now


def stale_after() -> int:
    return int(getattr(settings, "WORKER_STALE_SECONDS", 900))


def last_seen(name: str) -> datetime.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()


def worker_last_seen() -> datetime.datetime | None:
    """The later of the worker's heartbeat and the last task any worker finished (django-tasks-db's table)."""
    times = [last_seen(WORKER), DBTaskResult.objects.aggregate(at=Max("finished_at"))["at"]]
    times = [t for t in times if t is not None]
    return max(times) if times else None


@dataclass
class Health:
    database: str  # "ok" | "error"
    worker: str  # "ok" | "stale" | "unknown" (the database could not be asked)
    last_worker_seen: datetime.datetime | None
    scheduler_last_seen: datetime.datetime | None

    @property
    def ok(self) -> bool:
        return self.database == "ok"

    def as_json(self) -> dict:
        return {
            "database": self.database,
            "worker": self.worker,
            "last_worker_seen": self.last_worker_seen.isoformat() if self.last_worker_seen else None,
            "last_scheduler_seen": self.scheduler_last_seen.isoformat() if self.scheduler_last_seen else None,
        }


def report(now: datetime.datetime | None = None) -> Health:
    """Ask the database, then read the heartbeats; a database error is reported, never raised."""
    now = now or timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        seen = worker_last_seen()
        scheduler = last_seen(SCHEDULER)
    except DatabaseError:
        return Health(database="error", worker="unknown", last_worker_seen=None, scheduler_last_seen=None)
    fresh = seen is not None and (now - seen).total_seconds() <= stale_after()
    return Health(
        database="ok", worker="ok" if fresh else "stale", last_worker_seen=seen, scheduler_last_seen=scheduler
    )
