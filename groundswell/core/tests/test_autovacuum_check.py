"""`check --deploy --database default` warns when PostgreSQL's autovacuum is off (the phonebank queue bloats)."""

from __future__ import annotations

import pytest

from groundswell.core import checks


@pytest.mark.parametrize(("setting", "warned"), [("off", True), ("on", False), (None, False)])
def test_autovacuum_off_is_a_deploy_warning(monkeypatch, setting, warned):
    monkeypatch.setattr(checks, "_autovacuum_setting", lambda: setting)
    found = checks.autovacuum_on(databases=["default"])
    assert [w.id for w in found] == (["groundswell.W003"] if warned else [])


def test_not_asked_without_a_database(monkeypatch):
    monkeypatch.setattr(checks, "_autovacuum_setting", lambda: "off")
    assert checks.autovacuum_on(databases=None) == []


@pytest.mark.django_db
def test_the_setting_is_read_from_the_server():
    from django.db import connection

    if connection.vendor == "postgresql":
        assert checks._autovacuum_setting() in ("on", "off")
    else:
        assert checks._autovacuum_setting() is None
