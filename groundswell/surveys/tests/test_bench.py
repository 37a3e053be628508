"""The survey bench runs end to end at a tiny size and reports its figures (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.surveys.bench import run
from groundswell.surveys.models import Response, ResponseAnswer

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_tiny_size():
    figures = run(size=30, progress=False)
    assert figures["responses"] == 30 == Response.objects.count()
    assert figures["answer_rows"] == ResponseAnswer.objects.count() > 30 * 6
    for key in ("results_render_s", "results_render_worst_s", "crosstab_render_s", "text_page_render_s", "build_s"):
        assert figures[key] >= 0
