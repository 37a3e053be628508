"""`groundswell bench NAME --file PATH`: large optional data comes from a path the user gives; when the path names
no file the run is reported as skipped (exit 0, JSON saying why) instead of failing half-way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from groundswell.geography.bench import write_synthetic_onspd


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["GROUNDSWELL_VAR_DIR"] = str(tmp_path)
    cli = Path(sys.executable).with_name("groundswell")
    return subprocess.run(
        [str(cli), "bench", *args, "--no-progress"], capture_output=True, text=True, env=env, timeout=300
    )


def test_a_missing_file_skips_the_benchmark_and_says_where_to_get_it(tmp_path):
    missing = tmp_path / "ONSPD_MAY_2025_UK.csv"
    out = _bench(tmp_path, "imports", "--file", str(missing))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["bench"] == "imports" and report["skipped"] is True
    assert str(missing) in report["reason"] and "no such file" in report["reason"]
    assert "ONS Open Geography portal" in report["reason"]


def test_a_real_file_is_what_the_postcode_import_times(tmp_path):
    onspd = tmp_path / "onspd_small.csv"
    write_synthetic_onspd(onspd, 120)
    out = _bench(tmp_path, "imports", "--size", "30", "--file", str(onspd))
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["postcodes_file"] == "onspd_small.csv"
    assert figures["postcodes"] == 120  # the file's rows, not --size
    assert "skipped" not in figures and figures["people"] == 3


def test_a_benchmark_that_reads_no_file_refuses_the_option(tmp_path):
    out = _bench(tmp_path, "surveys", "--file", str(tmp_path / "anything.csv"))
    assert out.returncode != 0
    assert "surveys does not take --file" in out.stderr
