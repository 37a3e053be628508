"""`groundswell bench telling` works end to end at a small size: its own scratch database, the tellers posted at
their stations (least privilege: an unposted teller is refused), every number answered and stored once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_bench_telling_at_small_size(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["GROUNDSWELL_VAR_DIR"] = str(tmp_path)
    cli = Path(sys.executable).with_name("groundswell")
    out = subprocess.run(
        [str(cli), "bench", "telling", "--size", "1000", "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["request_failures"] == 0
    assert figures["lost_entries"] == 0 and figures["duplicate_entries"] == 0
    assert figures["statuses"]["recorded"] == figures["live_entries"] > 0
    assert figures["statuses"]["already_voted"] > 0  # the neighbouring station's voters, taken twice
