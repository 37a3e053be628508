"""`groundswell bench NAME [--size N] [--database-url URL]`: print one JSON object as the last line.

The database is always a scratch one (see groundswell/bench/scratch.py), migrated before the run.
"""

from __future__ import annotations

import json
import platform
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from groundswell.bench.registry import BENCHES, get_bench

BENCH_OPTIONS = ("callers", "contacts", "minutes", "workers", "threads", "fault", "db_restart_command")


class Command(BaseCommand):
    help = "Run a named benchmark in a scratch database and print its figures as JSON."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(BENCHES))
        parser.add_argument("--size", type=int, default=None, help="shrink the problem for a quick run")
        parser.add_argument("--no-progress", action="store_true")
        # Options of particular benchmarks (passed on only when given).
        parser.add_argument("--callers", type=int, default=None, help="phonebank: simulated callers")
        parser.add_argument("--contacts", type=int, default=None, help="phonebank: contacts on the call list")
        parser.add_argument("--minutes", type=float, default=None, help="phonebank: how long the callers call")
        parser.add_argument("--workers", type=int, default=None, help="phonebank: gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=None, help="phonebank: threads per worker")
        parser.add_argument(
            "--fault",
            action="store_true",
            default=None,
            help="phonebank: kill an app worker and restart the database mid-run",
        )
        parser.add_argument("--db-restart-command", default=None, help="phonebank --fault: how to restart the database")
        # --database-url is consumed by groundswell.manage before settings load; listed here for --help.
        parser.add_argument("--database-url", default=None, help="sqlite:///… or postgres://… server to use")

    def handle(self, *args, **options):
        try:
            bench = get_bench(options["name"])
        except KeyError as exc:
            raise CommandError(f"No benchmark called {options['name']!r}") from exc
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        extra = {key: options[key] for key in BENCH_OPTIONS if options.get(key) is not None}
        try:
            figures = bench(size=options["size"], progress=not options["no_progress"], **extra)
        except TypeError as exc:
            if extra and "unexpected keyword" in str(exc):
                raise CommandError(f"{options['name']} does not take {', '.join('--' + k for k in extra)}") from exc
            raise
        result = {
            "bench": options["name"],
            "database": connection.vendor,
            "size": options["size"],
            **figures,
            "total_s": round(time.perf_counter() - started, 3),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "python": platform.python_version(),
            "date": timezone.now().date().isoformat(),
        }
        self.stdout.write(json.dumps(result))
