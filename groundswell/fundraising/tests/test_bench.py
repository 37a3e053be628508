"""The fundraising bench runs end to end at a tiny size and reports its keys (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.fundraising.bench import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_tiny_size():
    figures = run(size=200, progress=False)
    assert figures["gifts"] == 200 + figures["flow_gifts"] and figures["appeals"] == 10
    for key in ("home_s", "appeal_page_s", "progress_ms", "gift_flow_per_s", "gift_flow_p99_ms", "build_s"):
        assert figures[key] >= 0
