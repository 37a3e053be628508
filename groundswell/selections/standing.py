"""The ONE place selections read a member's standing and who paid for their membership.

The dues app owns good standing, arrears and payer fingerprints (CONTRACT-19): `standing_on(membership, on)` and
`payment_sources(memberships)`. Selections call these two names from here only, so a change in how dues answers
is a change in this module alone (and tests replace them here when they craft payers).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from groundswell.dues import selectors as dues
from groundswell.dues.selectors import PaymentSource, Standing
from groundswell.people.models import Membership

__all__ = ["PaymentSource", "Standing", "payment_sources", "standing_on", "standings_on"]


def standing_on(membership: Membership, on: date) -> Standing:
    """Good standing on a day, with the reason in plain words and the start of the unbroken run of membership."""
    return dues.standing_on(membership, on)


def standings_on(memberships: Iterable[Membership], on: date) -> dict[int, Standing]:
    """membership id → standing on a day, for a whole unit in a fixed number of queries (dues' bulk form of
    `standing_on`, with the same answers)."""
    return dues.standings(memberships, on)


def payment_sources(memberships: Iterable[Membership]) -> dict[int, PaymentSource]:
    """membership id → who pays (a fingerprint of the account, the payer's record, the first payment's date)."""
    return dues.payment_sources(memberships)
