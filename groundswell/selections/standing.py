"""The ONE place selections read a member's standing and who paid for their membership.

The dues app (groundswell.dues, contract in CONTRACT-19) owns good standing, arrears and payer fingerprints:
`dues.selectors.standing_on(membership, on)` and `payment_sources(memberships)`. Until it is installed, a
fallback reads the membership's own dates (joined, lapsed) and payment reference, so selections work and the swap
is this module alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from groundswell.people.models import Membership

try:  # The dues app lands on its own branch (i19-dues); selections read it when it is there.
    from groundswell.dues import selectors as dues_selectors
except ImportError:  # pragma: no cover - exercised until dues is merged
    dues_selectors = None

DUES_INSTALLED = dues_selectors is not None


@dataclass(frozen=True)
class Standing:
    """As dues' Standing: whether the member is in good standing on a date, and why."""

    good: bool
    status: str
    reason: str
    arrears_pence: int = 0
    paid_through: date | None = None
    continuous_since: date | None = None


@dataclass(frozen=True)
class PaymentSource:
    """As dues' PaymentSource: who pays for a membership (a fingerprint, never the account details)."""

    fingerprint: str
    payer_person_id: int | None
    payer_is_member: bool
    first_paid_on: date | None
    method: str


def standing_on(membership: Membership, on: date) -> Standing:
    if dues_selectors is not None:
        return dues_selectors.standing_on(membership, on)
    return _standing_from_dates(membership, on)


def payment_sources(memberships: Iterable[Membership]) -> dict[int, PaymentSource]:
    if dues_selectors is not None:
        return dues_selectors.payment_sources(memberships)
    return {m.pk: _source_from_reference(m) for m in memberships}


def _standing_from_dates(membership: Membership, on: date) -> Standing:
    """Without dues: a member from their join date until they lapse; suspended or resigned members are not."""
    joined, lapsed = membership.joined_on, membership.lapsed_on
    if joined is None or joined > on:
        return Standing(False, "never_paid", f"Not a member on {on:%-d %B %Y}.")
    if lapsed is not None and lapsed <= on:
        return Standing(False, "lapsed", f"Membership lapsed on {lapsed:%-d %B %Y}.")
    if membership.status in (Membership.Status.SUSPENDED, Membership.Status.RESIGNED):
        return Standing(False, membership.status, f"Membership {membership.get_status_display().lower()}.")
    return Standing(True, "good", f"A member since {joined:%-d %B %Y}.", continuous_since=joined)


def _source_from_reference(membership: Membership) -> PaymentSource:
    """Without dues: the payment reference kept on the membership, hashed so it is never shown."""
    reference = (membership.payment_reference or "").strip().lower()
    fingerprint = hashlib.sha256(reference.encode()).hexdigest()[:16] if reference else ""
    return PaymentSource(fingerprint, None, True, membership.joined_on, "unknown")
