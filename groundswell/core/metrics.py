"""Prometheus metrics (/metrics): request rates and latencies per view, and the queues read at scrape time.

Request metrics are counted in each process by `RequestMetricsMiddleware`. Under gunicorn several worker
processes serve requests, so with PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py sets it) every process
writes its samples to files there and a scrape adds them up. Everything else (task queue, sends, phonebank) is
counted from the database when scraped, so every process answers the same and nothing needs to be pushed.
All names start `groundswell_`; deploy/README.md lists them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from django.db.models import Case, Count, F, Min, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from groundswell.messaging.models import EmailRecipient, RecipientStatus, SmsRecipient
from groundswell.phonebank.models import CallAttempt, CallTarget

from . import health

REQUESTS = Counter(
    "groundswell_http_requests", "HTTP requests answered, by view, method and status code", ["view", "method", "status"]
)
LATENCY = Histogram(
    "groundswell_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name, not the path: one series per view however many ids are in the paths."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        method = request.method if request.method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} else "other"
        LATENCY.labels(view, method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response


class DatabaseCollector(Collector):
    """Gauges counted from the database at scrape time: a few grouped counts, each on an indexed column."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        yield from self._tasks(now)
        yield from self._messages()
        yield from self._phonebank()
        seen = health.worker_last_seen()
        worker = GaugeMetricFamily(
            "groundswell_worker_last_seen_age_seconds", "Seconds since a task worker last finished a task"
        )
        if seen is not None:
            worker.add_metric([], (now - seen).total_seconds())
        yield worker

    def _tasks(self, now) -> Iterator[GaugeMetricFamily]:
        by_status = GaugeMetricFamily(
            "groundswell_tasks", "Background tasks by queue and status", labels=["queue", "status"]
        )
        for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")).order_by():
            by_status.add_metric([row["queue_name"], row["status"].lower()], row["n"])
        yield by_status
        depth = GaugeMetricFamily(
            "groundswell_task_queue_depth", "Tasks due to run now and not yet started", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "groundswell_task_queue_oldest_age_seconds",
            "How long the oldest task due to run has waited (0 when none is waiting)",
            labels=["queue"],
        )
        # A task with no run_after is due from when it was queued; a scheduled one from its run_after.
        due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        rows = (
            DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id"), oldest=Min(due_since)).order_by()
        )
        for row in rows:
            depth.add_metric([row["queue_name"]], row["n"])
            age.add_metric([row["queue_name"]], max(0.0, (now - row["oldest"]).total_seconds()))
        yield depth
        yield age

    def _messages(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "groundswell_messages",
            "Email and SMS messages by channel and status (one per recipient)",
            labels=["channel", "status"],
        )
        for channel, model in (("email", EmailRecipient), ("sms", SmsRecipient)):
            counts = dict(model.objects.values_list("status").annotate(n=Count("id")).order_by())
            for status in RecipientStatus.values:
                family.add_metric([channel, status], counts.get(status, 0))
        yield family

    def _phonebank(self) -> Iterator[GaugeMetricFamily]:
        targets = GaugeMetricFamily("groundswell_phonebank_targets", "Call-list contacts by state", labels=["state"])
        counts = dict(CallTarget.objects.values_list("state").annotate(n=Count("id")).order_by())
        for state in CallTarget.State.values:
            targets.add_metric([state], counts.get(state, 0))
        yield targets
        assigned = GaugeMetricFamily(
            "groundswell_phonebank_assigned", "Contacts handed to a caller now (leased, not yet finished)"
        )
        assigned.add_metric(
            [],
            # A lease runs until available_at; an expired one goes back to the queue without being cleared.
            CallTarget.objects.filter(
                state=CallTarget.State.OPEN, lease_owner__isnull=False, available_at__gt=timezone.now()
            ).count(),
        )
        yield assigned
        calls = GaugeMetricFamily("groundswell_phonebank_calls", "Calls recorded (all campaigns, all time)")
        calls.add_metric([], CallAttempt.objects.count())
        yield calls


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets: request metrics (summed over processes when multiprocess) plus the database's."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        process_part = generate_latest(registry)
    else:
        process_part = generate_latest(REGISTRY)
    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector())
    return process_part + generate_latest(db_registry), CONTENT_TYPE_LATEST
