from __future__ import annotations

import pytest
from django.core.cache import cache

from groundswell.complaints import selections


@pytest.fixture(autouse=True)
def _no_selection_lookups():
    """Each test registers its own fake selections lookup, if any."""
    saved = list(selections._lookups)
    selections._lookups.clear()
    yield
    selections._lookups[:] = saved


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The complaint form's rate-limit counters live in the process-wide cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
