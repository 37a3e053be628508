"""Shared pytest fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from groundswell.audit.testing import empty_audit_log_for_flush

# Fuzzing stays bounded so `make test` keeps well inside CI's time: a fixed example budget, no per-example
# deadline (the database makes timings noisy), no example database written into the tree.
# HYPOTHESIS_PROFILE=deep runs many more examples locally.
_FUZZ = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
}
hypothesis_settings.register_profile("groundswell", max_examples=40, **_FUZZ)
hypothesis_settings.register_profile("deep", max_examples=1000, **_FUZZ)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "groundswell"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The open data shipped in the repository's data/ (settings.DATA_DIR, env GROUNDSWELL_DATA)."""
    path = Path(settings.DATA_DIR)
    if not (path / "SOURCES.md").exists():
        pytest.fail(f"the data folder is missing at {path}: set GROUNDSWELL_DATA to the repository's data/")
    return path


@pytest.fixture
def units(db):
    """A small tree: national → region → two constituency parties → branches, for access tests."""
    from groundswell.tests.factories import UnitTreeFactory

    return UnitTreeFactory.build_tree()


@pytest.fixture(autouse=True)
def _fresh_polling_day_caches():
    """Tests reuse primary keys (rolled-back SQLite ids) and bulk-create electors, which sends no signal:
    each test starts with empty process caches (groundswell/gotv/caches.py) and no phonebank blocks in memory
    (groundswell/phonebank/leasing.py)."""
    from groundswell.gotv import caches
    from groundswell.phonebank import leasing

    caches.clear()
    leasing.forget_all()
    yield
    caches.clear()
    leasing.forget_all()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_log_kept_test_local(request: pytest.FixtureRequest):
    """The audit log is append-only in the database (triggers refuse UPDATE and DELETE) and anchored in a
    checkpoint file outside it. Between tests: the checkpoint file is emptied (the database rows it described are
    rolled back), and after a transactional test the audit rows are removed with the trigger lifted, before
    Django's flush (SQLite's flush is a DELETE the trigger would refuse)."""
    if _is_transactional(request):
        # Requested from here so this fixture's teardown runs before the database helper's flush.
        request.getfixturevalue("_django_db_helper")
    yield
    if _is_transactional(request):
        empty_audit_log_for_flush()
    Path(settings.AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)
