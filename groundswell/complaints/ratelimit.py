"""A limit on the complaint form: so many attempts per client address and per email address an hour.

The counter is groundswell/ratelimit.py's fixed window, as for public survey links. Every submission counts,
refused ones too: the form says whether a member with a given email exists, so an unlimited form would let anyone
trawl the membership.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings

from groundswell.ratelimit import client_address, hit

__all__ = ["check", "client_address", "limits"]

DEFAULT_PER_ADDRESS = 10  # attempts per client address per window: an office or a household sharing one address
DEFAULT_PER_EMAIL = 5  # attempts giving the same complainant email per window
DEFAULT_WINDOW = 3600  # an hour


def limits() -> tuple[int, int, int]:
    """(per address, per email, window in seconds), from settings."""
    return (
        int(getattr(settings, "COMPLAINTS_RATE_PER_ADDRESS", DEFAULT_PER_ADDRESS)),
        int(getattr(settings, "COMPLAINTS_RATE_PER_EMAIL", DEFAULT_PER_EMAIL)),
        int(getattr(settings, "COMPLAINTS_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def _count(kind: str, who: str, window: int, now: float) -> int:
    # Emails are hashed so the cache holds no addresses.
    return hit(f"complaints:{kind}", hashlib.sha256(who.encode()).hexdigest()[:32], window, now)


def check(address: str, email: str = "", now: float | None = None) -> str:
    """Count one attempt; '' if allowed, else the plain-words reason (which limit, and when to try again). `email`
    is the complainant's email, or "account:<id>" for a signed-in member (counted like an email)."""
    per_address, per_email, window = limits()
    now = time.time() if now is None else now
    minutes = max(1, int((window - now % window) // 60) + 1)
    later = f"Please try again in about {minutes} minutes, or write to us; your complaint has not been sent."
    if _count("addr", address, window, now) > per_address:
        return f"Too many complaints have been sent from your internet connection in the last hour. {later}"
    email = (email or "").strip().lower()
    if email and _count("email", email, window, now) > per_email:
        who = "from your account" if email.startswith("account:") else f"with the email address {email}"
        return f"Too many complaints have been sent {who} in the last hour. {later}"
    return ""
