"""`groundswell bench email` at a tiny size, as a user runs it: real worker processes are SIGKILLed midway and
restarted, and the JSON it prints says how many messages reached the recording backend twice (none may)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_the_email_bench_runs_small_with_a_kill_and_no_duplicates(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}", DJANGO_SETTINGS_MODULE="")
    env.pop("DJANGO_SETTINGS_MODULE")
    command = [sys.executable, "-m", "groundswell.manage", "bench", "email", "--size", "400", "--no-progress"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert {"messages_per_s", "duplicate_sends", "peak_rss_mb", "delivered", "missing"} <= set(figures)
    assert figures["sent_at_kill"] < 400, "the workers were not killed midway"
    assert figures["duplicate_sends"] == 0
    # At most the one message each killed worker had in flight is left unconfirmed (and never resent).
    assert figures["missing"] <= figures["uncertain_not_resent"] <= figures["workers"]
    assert figures["skipped_suppressed_after_freeze"] == 1 and figures["worker_errors"] == []
