"""Privacy-preserving fingerprints of a payment method, so selections can find many memberships paid from one
source without anyone holding a card or account number.

HMAC-SHA256 keyed by `PAYMENTS_FINGERPRINT_KEY` (derived from SECRET_KEY when unset): the same source gives the
same fingerprint, and without the key nothing can be tested against a guessed account number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings


def _key() -> bytes:
    key = getattr(settings, "PAYMENTS_FINGERPRINT_KEY", "") or ""
    if key:
        return key.encode()
    # Derived, not SECRET_KEY itself, so the fingerprint key cannot be used to sign sessions and vice versa.
    return hashlib.sha256(b"groundswell.payments.fingerprint:" + settings.SECRET_KEY.encode()).digest()


def _digest(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def card_fingerprint(provider_fp: str) -> str:
    """The card's fingerprint from the provider's own (Stripe's `card.fingerprint`), keyed again by us."""
    provider_fp = (provider_fp or "").strip()
    if not provider_fp:
        raise ValueError("A card fingerprint needs the provider's fingerprint of the card.")
    return f"card:{_digest('card|' + provider_fp)}"


def bank_fingerprint(sort_code: str, account_number: str) -> str:
    """The bank account's fingerprint from its sort code and account number (spaces and dashes ignored)."""
    sort_digits = re.sub(r"\D", "", sort_code or "")
    account_digits = re.sub(r"\D", "", account_number or "")
    if len(sort_digits) != 6:
        raise ValueError("A sort code has 6 digits, e.g. 20-00-00.")
    if not 6 <= len(account_digits) <= 10:
        raise ValueError("An account number has 6 to 10 digits (usually 8).")
    # Short account numbers are padded the way UK banks do (to 8 digits) so "31926819" and "031926819"... agree.
    account_digits = account_digits.zfill(8) if len(account_digits) < 8 else account_digits
    return f"bank:{_digest(f'bank|{sort_digits}|{account_digits}')}"
