"""Messaging pages (thin: rules in services.py, reads in selectors.py) and the public endpoints: the
unsubscribe link and the SMS provider's webhooks."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .models import EmailRecipient
from .sending import read_unsubscribe_token


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookies or CSRF token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button (link scanners follow GETs, so a GET never unsubscribes). POST: done, at once."""
    try:
        recipient = EmailRecipient.objects.select_related("person", "send").get(pk=read_unsubscribe_token(token))
    except (signing.BadSignature, EmailRecipient.DoesNotExist, ValueError, TypeError):
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        services.unsubscribe(recipient, "one-click unsubscribe" if one_click else "unsubscribe link")
        if one_click:
            return HttpResponse("Unsubscribed", content_type="text/plain")
        return render(request, "messaging/unsubscribe.html", {"done": True})
    return render(request, "messaging/unsubscribe.html", {"already": recipient.unsubscribed_at is not None})


def _sms_webhook_allowed(request: HttpRequest) -> bool:
    secret = getattr(settings, "SMS_WEBHOOK_SECRET", "")
    if not secret:
        # No secret configured: only the fake adapter may be in use, so accept (development and tests).
        return settings.SMS_ADAPTER.endswith("FakeSmsAdapter")
    return hmac.compare_digest(request.headers.get("X-Groundswell-Token", ""), secret)


def _sms_webhook(handle: Callable[[HttpRequest], dict]) -> Callable[[HttpRequest], HttpResponse]:
    """A provider callback: POST only, no CSRF (the provider has no session), the shared-secret header checked,
    bad input answered with a 400 naming the field."""

    @csrf_exempt
    @require_POST
    @wraps(handle)
    def view(request: HttpRequest) -> HttpResponse:
        if not _sms_webhook_allowed(request):
            return JsonResponse({"error": "bad token"}, status=403)
        try:
            return JsonResponse({"ok": True, **handle(request)})
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)

    return view


@_sms_webhook
def sms_inbound(request: HttpRequest) -> dict:
    """A reply from a phone: form fields `from` and `body`. STOP and friends opt the number out of texts."""
    inbound = services.receive_sms(request.POST.get("from", ""), request.POST.get("body", ""))
    return {"opted_out": inbound.opted_out}


@_sms_webhook
def sms_status(request: HttpRequest) -> dict:
    """A delivery receipt: form fields `message_id` (the provider's) and `status`."""
    return {"updated": services.record_sms_status(request.POST.get("message_id", ""), request.POST.get("status", ""))}
