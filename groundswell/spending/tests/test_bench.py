"""The spending bench runs end to end at a tiny size and reports its keys (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.spending.bench import ITEMS_PER_SEAT, NATIONAL_ITEMS, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_tiny_size():
    figures = run(size=12, progress=False)
    assert figures["seats"] == 12
    assert figures["items"] == 12 * ITEMS_PER_SEAT + NATIONAL_ITEMS
    assert figures["return_lines"] >= ITEMS_PER_SEAT
    for key in ("dashboard_s", "return_pdf_s", "return_zip_s", "build_s"):
        assert figures[key] >= 0
