from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """When a background process last proved it was alive: one row per process kind ("worker", "scheduler").

    The worker's row is written by a task the scheduler queues, so it says the queue is being *worked*, not
    merely that a process exists; /healthz and /metrics read it.
    """

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
