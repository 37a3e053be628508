"""Public survey links can be posted to by anyone, so each client address may submit only so many times an hour
(the counter: groundswell/ratelimit.py)."""

from __future__ import annotations

from django.conf import settings

from groundswell.ratelimit import client_address, hit

__all__ = ["allow", "client_address", "limits"]

DEFAULT_LIMIT = 20  # submissions …
DEFAULT_WINDOW = 3600  # … per hour, per address: a household or an office sharing one address still fits


def limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "SURVEYS_PUBLIC_RATE_LIMIT", DEFAULT_LIMIT)),
        int(getattr(settings, "SURVEYS_PUBLIC_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def allow(scope: str, client: str, now: float | None = None) -> bool:
    """Count one attempt by `client` in `scope`; False once it is over the limit for the current window."""
    limit, window = limits()
    return hit(f"surveys:{scope}", client, window, now) <= limit
