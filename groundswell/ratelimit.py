"""Fixed-window counters on the cache (settings.CACHES), for forms the public can post to (survey links, the
complaint form). One counter per (scope, client, window). With the default local-memory cache each app process
counts on its own; a shared cache (Redis) makes a limit global. Behind a proxy, REMOTE_ADDR must be set to the
client's address by the proxy set-up."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45]


def hit(scope: str, client: str, window: int, now: float | None = None) -> int:
    """Count one attempt by `client` in `scope` and return the attempts so far in the current window."""
    bucket = int((time.time() if now is None else now) // window)
    key = f"rate:{scope}:{client}:{bucket}"
    # add() is a no-op if the key exists, so concurrent first hits cannot reset each other's count.
    cache.add(key, 0, window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, window + 60)
        return 1
