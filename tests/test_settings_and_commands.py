"""The two commands' foundations: the `groundswell` script, env-driven settings, the production profile."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_groundswell(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "groundswell.manage", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy():
    result = run_groundswell(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "groundswell.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "campaign.example.org",
            # Nothing connects during the check; a deployment names its PostgreSQL and Redis.
            "DATABASE_URL": "postgres://groundswell@db.example.org:5432/groundswell",
            "REDIS_URL": "redis://cache.example.org:6379/0",
            "SENTRY_DSN": "https://public@sentry.example.org/1",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_a_shared_cache_or_postgresql():
    result = run_groundswell(
        "check",
        "--deploy",
        env={
            "DJANGO_SETTINGS_MODULE": "groundswell.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "campaign.example.org",
            "DATABASE_URL": "sqlite:///unused.sqlite3",
            "REDIS_URL": "",
        },
    )
    assert "groundswell.W001" in result.stderr and "groundswell.W002" in result.stderr, result.stderr


def test_production_profile_refuses_the_development_secret_key():
    env = {"DJANGO_SETTINGS_MODULE": "groundswell.settings.production", "SECRET_KEY": ""}
    result = run_groundswell("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_come_from_the_environment(monkeypatch):
    import importlib

    import groundswell.settings.base as base

    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example.org:5433/campaign")
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.org, b.example.org")
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.DATABASES["default"]["HOST"] == "db.example.org"
        assert reloaded.DATABASES["default"]["PORT"] == 5433
        assert reloaded.ALLOWED_HOSTS == ["a.example.org", "b.example.org"]
        assert reloaded.EMAIL_BACKEND.endswith("smtp.EmailBackend")
    finally:
        monkeypatch.undo()
        importlib.reload(base)


@pytest.mark.parametrize("url", [None, "sqlite:///x.db"])
def test_bench_scratch_database_for_sqlite_is_a_fresh_file(url):
    from groundswell.bench.scratch import prepare_scratch_database

    scratch = prepare_scratch_database(url)
    assert scratch.startswith("sqlite:///") and scratch.endswith("bench.sqlite3")
    assert not Path(scratch.removeprefix("sqlite:///")).exists()
