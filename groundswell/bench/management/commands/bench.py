"""`groundswell bench NAME [--size N] [--database-url URL]`: print one JSON object as the last line.

The database is always a scratch one (see groundswell/bench/scratch.py), migrated before the run. A benchmark
that reads a large optional file takes its path as `--file`; a path that names no file makes the run a skip
(exit 0, JSON `"skipped": true` with the reason), so scripted runs carry on without the download.
"""

from __future__ import annotations

import inspect
import json
import platform
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from groundswell.bench.registry import BENCHES, get_bench

BENCH_OPTIONS = (
    "callers", "contacts", "minutes", "workers", "threads", "fault", "db_restart_command", "file", "steps",
)  # fmt: skip


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
        parser.add_argument(
            "--steps",
            default=None,
            help="phonebank: caller counts to step through (e.g. 2000,5000,10000) for callers_at_p99_100ms; 0 skips",
        )
        parser.add_argument("--db-restart-command", default=None, help="phonebank --fault: how to restart the database")
        parser.add_argument(
            "--file",
            default=None,
            help="imports: a real ONS Postcode Directory CSV instead of a synthetic one; postcodes: a Code-Point CSV",
        )
        # --database-url is consumed by groundswell.manage before settings load; listed here for --help.
        parser.add_argument("--database-url", default=None, help="sqlite:///… or postgres://… server to use")

    def handle(self, *args, **options):
        try:
            bench = get_bench(options["name"])
        except KeyError as exc:
            raise CommandError(f"No benchmark called {options['name']!r}") from exc
        if options["file"] is not None:
            skipped = self._missing_file(options["name"], bench, Path(options["file"]))
            if skipped:
                self.stdout.write(json.dumps(skipped))
                return
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

    def _missing_file(self, name: str, bench: Callable[..., dict], path: Path) -> dict | None:
        """The skip report when `path` names no file; None when the run can go ahead."""
        if "file" not in inspect.signature(bench).parameters:
            raise CommandError(f"{name} does not take --file")
        if path.is_file():
            return None
        hint = getattr(import_module(bench.__module__), "FILE_HINT", "")
        return {"bench": name, "skipped": True, "reason": f"{path}: no such file. {hint}".strip()}
