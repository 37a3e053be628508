"""The current TOTP code for a secret: for the demo's printed codes and for browser tests."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def current_code(secret: str, at: float | None = None) -> str:
    # The window now, not the first of allauth's tolerated windows (which starts one window back).
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
