"""A small per-IP limiter on the cache (settings.CACHES): fixed windows, one counter per client and window.

Public survey links can be posted to by anyone, so each client address may submit only so many times an hour.
With the default local-memory cache each app process counts on its own; a shared cache (Redis, memcached)
makes the limit global. Behind a proxy, REMOTE_ADDR must be set to the client's address by the proxy set-up.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMIT = 20  # submissions …
DEFAULT_WINDOW = 3600  # … per hour, per address: a household or an office sharing one address still fits


def limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "SURVEYS_PUBLIC_RATE_LIMIT", DEFAULT_LIMIT)),
        int(getattr(settings, "SURVEYS_PUBLIC_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def client_address(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


def allow(scope: str, client: str, now: float | None = None) -> bool:
    """Count one attempt by `client` in `scope`; False once it is over the limit for the current window."""
    limit, window = limits()
    bucket = int((now if now is not None else time.time()) // window)
    key = f"surveys:rate:{scope}:{client}:{bucket}"
    # add() is a no-op if the key exists, so concurrent first hits cannot reset each other's count.
    cache.add(key, 0, window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, window + 60)
        count = 1
    return count <= limit
