from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_rate_limit_counters():
    """The per-IP counters live in the (process-wide) cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()
