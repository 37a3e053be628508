"""The complaints bench runs end to end at a tiny size and reports its figures (timings are for `groundswell bench`)."""

from __future__ import annotations

import pytest

from groundswell.complaints.bench import run
from groundswell.complaints.models import Case, CaseEvent, Stage

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_reports_its_keys_at_a_tiny_size():
    figures = run(size=300, progress=False)
    assert figures["cases"] == 300 == Case.objects.count()
    assert figures["events"] == CaseEvent.objects.count() > 300
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Case.objects.filter(overdue=True).exists()
    for key in ("dashboard_s", "statistics_s", "build_s"):
        assert figures[key] >= 0
