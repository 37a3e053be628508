"""The dues bench runs end to end at a tiny size and reports its keys (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.dues.bench import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_tiny_size():
    figures = run(size=30, progress=False)
    assert figures["members"] == 30 and figures["payments"] > 30
    assert sum(figures["statuses"].values()) == 30
    for key in ("standings_s", "daily_s", "overview_s", "build_s"):
        assert figures[key] >= 0
