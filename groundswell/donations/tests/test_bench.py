"""The benchmark runs at a small size and its figures add up (the payments webhook part is the payments app's)."""

from __future__ import annotations

import pytest

from groundswell.donations import bench

pytestmark = pytest.mark.django_db


def test_bench_runs_small(monkeypatch):
    monkeypatch.setattr(bench, "_webhook_figures", lambda: {"webhook": "not run in this test"})
    figures = bench.run(size=2_000, progress=False)
    assert figures["donations"] == 2_000 and figures["accounting_units"] == 650 and figures["donors"] == 400
    assert figures["report_s"] >= figures["aggregation_s"] and figures["reportable_groups"] > 0
    assert figures["q2_report_rows"] > 0
