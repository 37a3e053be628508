"""The tours bench runs end to end at a small size and reports its keys (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.tours.bench import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_small_size():
    figures = run(size=5, progress=False)
    assert figures["stops"] == 5 and figures["days"] == 5
    assert figures["refused_days"] == 0
    assert figures["crossing_route_km"] > 500 and figures["crossing_seats"] > 30
    for key in ("plan_s", "crossing_s", "build_s"):
        assert figures[key] >= 0
