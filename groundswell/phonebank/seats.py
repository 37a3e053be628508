"""A caller's seat in a phonebank session, and the signed token the caller page uses for its API calls.

The caller API is the hot path (every call is a 'next' and a 'result'), so it does not load the login session
from the database on each request: the page carries a signed seat token (session, user, seat) issued when the
caller joined, checked by signature, and the seat is re-checked against the database at most every
`SEAT_RECHECK_SECONDS` per app process (so a removed caller or ended session stops within that time).
Any number of stateless app servers can check tokens without sharing memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core import signing

from .models import PhonebankSession, SessionCaller

SALT = "groundswell.phonebank.seat"
MAX_AGE = 16 * 3600  # a long day's session; the page asks for a fresh token when it reloads
SEAT_RECHECK_SECONDS = 30
CAMPAIGN_RECHECK_SECONDS = 10


class BadSeat(Exception):
    """The token is missing, forged, expired, or the seat no longer valid."""


@dataclass(frozen=True)
class Seat:
    seat_id: int
    session_id: int
    user_id: int


def issue(seat: SessionCaller) -> str:
    return signing.dumps({"c": seat.pk, "s": seat.session_id, "u": seat.user_id}, salt=SALT, compress=False)


# Per-process caches: {(seat, session, user): last checked} and {session_id: (checked_at, session)}.
_seat_checks: dict[tuple[int, int, int], float] = {}
_sessions: dict[int, tuple[float, PhonebankSession]] = {}


def clear_caches() -> None:
    _seat_checks.clear()
    _sessions.clear()


def session_for(session_id: int, fresh: bool = False) -> PhonebankSession:
    """The session with its campaign, re-read from the database at most every few seconds."""
    now = time.monotonic()
    hit = _sessions.get(session_id)
    if hit and not fresh and now - hit[0] < CAMPAIGN_RECHECK_SECONDS:
        return hit[1]
    session = (
        PhonebankSession.objects.select_related("campaign", "campaign__question_set", "campaign__unit")
        .prefetch_related("campaign__question_set__questions")
        .get(pk=session_id)
    )
    _sessions[session_id] = (now, session)
    return session


def check(token: str | None, session_token: str) -> tuple[Seat, PhonebankSession]:
    """The seat and session for a request, or BadSeat. `session_token` is the session in the URL."""
    if not token:
        raise BadSeat("No caller seat: open the call page again.")
    try:
        data: dict[str, Any] = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        seat = Seat(int(data["c"]), int(data["s"]), int(data["u"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadSeat("Your caller seat has expired: open the call page again.") from None
    try:
        session = session_for(seat.session_id)
    except PhonebankSession.DoesNotExist:
        raise BadSeat("This phonebank session no longer exists.") from None
    if session.token != session_token:
        session = session_for(seat.session_id, fresh=True)
        if session.token != session_token:
            raise BadSeat("That seat is for another session.")
    now = time.monotonic()
    key = (seat.seat_id, seat.session_id, seat.user_id)
    checked = _seat_checks.get(key)
    # Only a valid seat is remembered: a refused one is asked about again next time.
    if checked is None or now - checked >= SEAT_RECHECK_SECONDS:
        ok = SessionCaller.objects.filter(
            pk=seat.seat_id, session_id=seat.session_id, user_id=seat.user_id, user__is_active=True
        ).exists()
        if not ok:
            _seat_checks.pop(key, None)
            raise BadSeat("You are no longer a caller in this session.")
        _seat_checks[key] = now
    return seat, session


def join(session: PhonebankSession, user: Any) -> SessionCaller:
    seat, _ = SessionCaller.objects.get_or_create(session=session, user=user)
    return seat
