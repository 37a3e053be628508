from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by organisers (or invitations later), not by open sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return bool(getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", False))

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The failed-login lockout's key (counted in the default cache): the login alone.

        allauth prefixes the request's host, which the client chooses: every port of an allowed host passes
        ALLOWED_HOSTS, so "example.org:1", "example.org:2"… would each get five fresh tries at one account, and
        two servers reached by different names would each count apart. allauth also clears this key after a
        password reset, through this same method.
        """
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"login:{login}"
