"""Small helpers shared by the apps' views, depending on Django only.

What belongs here: view plumbing with no domain rule in it (turning a ValidationError into messages, running a
service call for a POST and flashing the outcome, reading an optional whole number from a form, the JSON login
check for endpoints called by a page's script). Rules belong in an app's services.py or selectors.py; anything
that writes the audit trail lives beside the audit code (`groundswell.audit.web`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """The error's messages by field; an error without fields is filed under `__all__`."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}


def error_list(exc: ValidationError) -> list[str]:
    """All the error's messages, field by field, as one flat list."""
    return [message for messages_ in error_dict(exc).values() for message in messages_]


def attempt(request: HttpRequest, action: Callable[[], object], success: str = "") -> bool:
    """Run a service call for a POST; flash its error (or `success`) for the page the view redirects to."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(error_list(exc)))
        return False
    if success:
        messages.success(request, success)
    return True


def int_or_none(value: str) -> int | None:
    """An optional whole number from a form field: blank is None, anything else not a number is refused."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a whole number") from None


def json_login_required(
    view: Callable[..., HttpResponse] | None = None,
    *,
    on_denied: Callable[[HttpRequest], object] | None = None,
) -> Any:
    """For JSON endpoints called by a page's script: 401 in JSON when signed out (never a login redirect, so the
    script can tell "signed out" from "offline"), and PermissionDenied answered as a JSON 403 after `on_denied`.

    Use bare (`@json_login_required`) or with the refusal hook (`@json_login_required(on_denied=...)`).
    """

    def decorate(inner: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return JsonResponse({"detail": "Sign in again.", "login": reverse("account_login")}, status=401)
            try:
                return inner(request, *args, **kwargs)
            except PermissionDenied as exc:
                if on_denied is not None:
                    on_denied(request)
                return JsonResponse({"detail": str(exc) or "Not allowed."}, status=403)

        return wrapper

    return decorate(view) if view is not None else decorate
