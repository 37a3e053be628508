"""Two-factor authentication is required for every role above volunteer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import access

# Paths a privileged user without TOTP may still reach: the set-up pages (allauth lives under
# /accounts/, including logout and the TOTP activation page), static files and the health check.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico", "/healthz")
# The caller API authenticates with a seat token issued by a page this middleware already guarded, and never
# looks at the login session; checking it here would load the session and roles on the phonebank's hot path.
_SEAT_PREFIXES = ("/phonebank/api/",)


def user_has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireTwoFactorMiddleware:
    """Sends signed-in privileged users without a TOTP authenticator to allauth's TOTP set-up page.

    API calls with a token never reach this check as a signed-in user (DRF authenticates tokens later,
    in the view), and tokens are issued only to enrolled users. A *session* on /api/ is checked like any
    page, but answered with JSON 403 rather than an HTML redirect an API client cannot follow.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_SEAT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and access.is_privileged(user)
            and not user_has_totp(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Set up two-factor authentication first."}, status=403)
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
