"""`groundswell check --deploy` warns about a production set-up that would run but not hold up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
