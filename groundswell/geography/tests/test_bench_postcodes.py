"""`groundswell bench postcodes`: Code-Point Open placed in both boundary sets, then timed lookups. Without --file
it says it used the shipped Reading sample; a --file that names no file is a skip with a JSON reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["GROUNDSWELL_VAR_DIR"] = str(tmp_path)
    cli = Path(sys.executable).with_name("groundswell")
    return subprocess.run(
        [str(cli), "bench", "postcodes", *args, "--no-progress"], capture_output=True, text=True, env=env, timeout=600
    )


def test_a_missing_file_is_a_skip_that_says_what_to_give(tmp_path):
    missing = tmp_path / "gb_codepoint_open_2014_latlon.csv.gz"
    out = _bench(tmp_path, "--file", str(missing))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["bench"] == "postcodes" and report["skipped"] is True
    assert str(missing) in report["reason"] and "no such file" in report["reason"]
    assert "Code-Point Open" in report["reason"]


def test_without_a_file_it_places_the_shipped_sample_in_both_sets_and_says_so(tmp_path):
    out = _bench(tmp_path, "--size", "200")
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["file"] == "rg_codepoint_open_2014_latlon.csv" and "--file" in figures["note"]
    assert figures["postcodes"] == 22833 and figures["lookups"] == 200
    assert figures["outside_2010"] == 0 and figures["outside_2024"] == 0
    assert figures["lookups_without_2024_seat"] == 0
    for key in ("import_s", "parse_s", "assign_s", "write_s", "lookup_p99_ms", "boundaries_s", "rows_per_s"):
        assert figures[key] > 0, key
