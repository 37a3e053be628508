"""A limit on the public gift form: so many checkouts started per client address and per email address an hour.

The counter is groundswell/ratelimit.py's fixed window. Every submission counts, refused ones too: an unlimited form
would let anyone test stolen cards through our checkout or fill the people list with made-up donors.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings

from groundswell.ratelimit import client_address, hit

__all__ = ["check", "client_address", "limits"]

DEFAULT_PER_ADDRESS = 20  # an office or a household sharing one address
DEFAULT_PER_EMAIL = 6
DEFAULT_WINDOW = 3600


def limits() -> tuple[int, int, int]:
    """(per address, per email, window in seconds), from settings."""
    return (
        int(getattr(settings, "FUNDRAISING_RATE_PER_ADDRESS", DEFAULT_PER_ADDRESS)),
        int(getattr(settings, "FUNDRAISING_RATE_PER_EMAIL", DEFAULT_PER_EMAIL)),
        int(getattr(settings, "FUNDRAISING_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def check(address: str, email: str = "", now: float | None = None) -> str:
    """Count one attempt; '' if allowed, else the plain-words reason."""
    per_address, per_email, window = limits()
    now = time.time() if now is None else now
    minutes = max(1, int((window - now % window) // 60) + 1)
    later = f"Please try again in about {minutes} minutes. Nothing has been taken from your card."
    if hit("fundraising:addr", address, window, now) > per_address:
        return f"Too many gifts have been started from your internet connection in the last hour. {later}"
    email = (email or "").strip().lower()
    # Emails are hashed so the cache holds no addresses.
    if email and hit("fundraising:email", hashlib.sha256(email.encode()).hexdigest()[:32], window, now) > per_email:
        return f"Too many gifts have been started with the email address {email} in the last hour. {later}"
    return ""
