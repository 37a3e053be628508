"""`groundswell scheduler`: the periodic jobs, every few minutes, beside `db_worker` (one scheduler per site).

Each round runs the due event reminders, spending-return reminders and donations' 30-day clock reminders,
re-queues unfinished sends, checkpoints the audit log (`groundswell audit checkpoint`), queues the worker's
heartbeat and the complaints housekeeping (escalations, reminders, retention). Every job is idempotent, so a second
scheduler or a round run twice does no harm; each runs in its own try/except so one failure is logged and the
others still run.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from groundswell.complaints.tasks import complaints_housekeeping
from groundswell.core import health
from groundswell.core.tasks import worker_heartbeat

logger = logging.getLogger("groundswell.scheduler")


def _command(name: str, *args: str) -> Callable[[], str]:
    def run() -> str:
        out = StringIO()
        call_command(name, *args, stdout=out)
        return out.getvalue().strip()

    return run


def jobs() -> list[tuple[str, Callable[[], str]]]:
    return [
        ("event_reminders", _command("event_reminders")),
        ("resume_sends", _command("resume_sends")),
        ("spending reminders", _command("spending", "reminders")),
        # Membership status from dues standing, about-to-lapse and renewal reminders: works once a day.
        ("dues daily", _command("dues", "daily")),
        ("donations reminders", _command("donations", "reminders")),
        # Hustings reminders to eligible members who have not replied, 48 hours before (once each).
        ("selections reminders", _command("selections", "reminders")),
        ("audit checkpoint", _command("audit", "checkpoint")),
        ("worker heartbeat", lambda: f"queued {worker_heartbeat.enqueue().id}"),
        # Escalations, interim-suspension review reminders, retention: each once however often it is queued.
        ("complaints housekeeping", lambda: f"queued {complaints_housekeeping.enqueue().id}"),
    ]


def run_round() -> dict[str, bool]:
    """Run every job once; returns which succeeded. A failing job is logged with its traceback."""
    results: dict[str, bool] = {}
    for name, job in jobs():
        try:
            output = job()
        except Exception:
            logger.exception("scheduled job %s failed", name)
            results[name] = False
        else:
            logger.info("scheduled job %s: %s", name, output)
            results[name] = True
    try:
        health.beat(health.SCHEDULER)
    except Exception:
        logger.exception("could not record the scheduler's heartbeat")
    return results


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (event reminders, resumed sends, audit checkpoints, worker heartbeat) every few minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=int, default=300, help="seconds between rounds (default 300)")
        parser.add_argument("--once", action="store_true", help="run one round and exit")

    def handle(self, *args, interval: int, once: bool, **options) -> None:
        interval = max(1, interval)
        stop = threading.Event()
        if not once:
            # SIGTERM (systemd, honcho, docker stop) ends the sleep at once rather than after the interval.
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            started = time.monotonic()
            if not once:
                # Between rounds the connection may have gone stale (a database restart, a failover): renew it,
                # or every later round would fail on the dead one.
                close_old_connections()
            results = run_round()
            failed = [name for name, ok in results.items() if not ok]
            self.stdout.write(f"Ran {len(results)} jobs" + (f"; failed: {', '.join(failed)}" if failed else "."))
            if once or stop.wait(max(0.0, interval - (time.monotonic() - started))):
                return
