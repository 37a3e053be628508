"""Shared pytest fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

SHARED_DATA = Path(settings.SHARED_DATA_DIR)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.fail(f"../shared/data not found at {SHARED_DATA}; set GROUNDSWELL_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture
def units(db):
    """A small tree: national → region → two constituency parties → branches, for access tests."""
    from groundswell.tests.factories import UnitTreeFactory

    return UnitTreeFactory.build_tree()


@pytest.fixture(autouse=True)
def _fresh_polling_day_caches():
    """Tests reuse primary keys (rolled-back SQLite ids) and bulk-create electors, which sends no signal:
    each test starts with empty process caches (groundswell/gotv/caches.py)."""
    from groundswell.gotv import caches

    caches.clear()
    yield
    caches.clear()
