from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by organisers (or invitations later), not by open sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return bool(getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", False))
