"""`groundswell bench events` works end to end at a tiny size: its own scratch database, gunicorn, the load, the
JSON line with the figures docs/benchmarks.md quotes (the figures themselves are not judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_bench_events_at_tiny_size(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["GROUNDSWELL_VAR_DIR"] = str(tmp_path)
    cli = Path(sys.executable).with_name("groundswell")
    out = subprocess.run(
        [
            str(cli),
            "bench",
            "events",
            "--size",
            "300",
            "--minutes",
            "0.02",
            "--workers",
            "1",
            "--threads",
            "2",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"events", "search_p95_ms", "requests_per_s"} <= set(figures)
    assert figures["events"] == 300 and figures["answered"] > 0
    assert figures["statuses"] == {"200": figures["answered"]}
