"""`groundswell check --deploy` warns about a production set-up that would run but not hold up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import connection

PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.CACHES["default"]["BACKEND"] in PROCESS_LOCAL_CACHES:
        return [
            Warning(
                "The default cache is local to each process, so login lockouts and rate limits are counted "
                "per process and a second process or server does not see them.",
                hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0).",
                id="groundswell.W001",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def production_database(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return [
            Warning(
                "The database is not PostgreSQL: row locks, concurrent workers and the phonebank's queue "
                "are built and measured on PostgreSQL.",
                hint="Set DATABASE_URL=postgres://user@host:5432/groundswell.",
                id="groundswell.W002",
            )
        ]
    return []


def _autovacuum_setting() -> str | None:
    """PostgreSQL's `autovacuum` setting ('on'/'off'), or None on another database."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


@register(Tags.database, deploy=True)
def autovacuum_on(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Warning]:
    """`groundswell check --deploy --database default`: the phonebank's queue needs vacuuming while people call."""
    if not databases or "default" not in databases or _autovacuum_setting() != "off":
        return []
    return [
        Warning(
            "PostgreSQL's autovacuum is off: the phonebank's queue table fills with dead index entries during a "
            "calling day and every claim slows (measured in docs/benchmarks.md, issue 23).",
            hint="Turn it on (the default): ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();",
            id="groundswell.W003",
        )
    ]
