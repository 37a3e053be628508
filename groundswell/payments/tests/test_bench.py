"""The webhook benchmark runs small and counts no duplicates (figures come from `groundswell bench payments`)."""

from __future__ import annotations

import pytest

from groundswell.payments.bench import webhook_bench


@pytest.mark.django_db(transaction=True)
def test_webhook_bench_small_run_processes_each_event_once():
    figures = webhook_bench(events=40, threads=1)
    assert figures["duplicates"] == 0 and figures["payments_not_paid"] == 0
    assert figures["webhook_events"] == 44 and figures["webhook_statuses"] == {"200": 44}
    assert {"webhook_per_s", "webhook_p99_ms"} <= set(figures)
