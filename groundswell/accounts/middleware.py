"""Two-factor authentication is required for every role above volunteer."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from . import access

# Paths a privileged user without TOTP may still reach: the set-up pages, logout and static files.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico")


def user_has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")  # API uses tokens, issued only to 2FA-enrolled users
            and access.is_privileged(user)
            and not user_has_totp(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
