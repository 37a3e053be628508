"""`groundswell bench backup` runs end to end on a small size and reports what it restored."""

from __future__ import annotations

import pytest

from groundswell.bench.registry import get_bench


@pytest.mark.django_db(transaction=True)
def test_bench_backup_backs_up_restores_and_reports_its_figures():
    figures = get_bench("backup")(size=200, progress=False)
    assert figures["people"] == 200
    assert figures["counts_match"] is True
    assert figures["tables"] > 50 and figures["rows"] > 200 * 4  # people, emails, memberships, consents
    assert figures["bytes"] > 0 and figures["backup_s"] > 0 and figures["restore_s"] > 0
