from __future__ import annotations

import pytest
from django.core.cache import cache

from .world import build_world


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The gift form's rate-limit counters live in the process-wide cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w(db):
    return build_world()
