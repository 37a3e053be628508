"""Messaging pages (thin: rules in services.py, reads in selectors.py) and the public endpoints: the
unsubscribe link and the SMS provider's webhooks."""

from __future__ import annotations

import csv
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.audit.services import record
from groundswell.web import error_dict, error_list

from . import selectors, services
from .forms import EmailSendForm, SegmentForm, SmsSendForm, TemplateForm, TestSendForm
from .models import EmailRecipient, EmailSend, EmailTemplate, Segment, SmsSend
from .segments import people_matching
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


_postmark_view = PostmarkTrackingWebhookView.as_view()


@csrf_exempt
def postmark_tracking(request: HttpRequest) -> HttpResponse:
    """Postmark's delivery/bounce/complaint/open/click webhook (django-anymail parses it and checks the basic
    auth). Refused outright while no secret is configured: a forged "complaint" would withdraw someone's consent."""
    if not (getattr(settings, "ANYMAIL", {}) or {}).get("WEBHOOK_SECRET"):
        return JsonResponse({"error": "ANYMAIL_WEBHOOK_SECRET is not set"}, status=403)
    return _postmark_view(request)


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


# ------------------------------------------------------------------------------------------ organisers' pages

SEND_MODELS = {"email": EmailSend, "sms": SmsSend}


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, messages_ in error_dict(exc).items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _get_managed(request: HttpRequest, model: type, pk: int) -> Any:
    obj = get_object_or_404(model.objects.select_related("unit"), pk=pk)
    if not selectors.can_manage(request.user, obj):
        raise PermissionDenied("You do not run messaging for this unit.")
    return obj


def _get_send(request: HttpRequest, kind: str, pk: int) -> EmailSend | SmsSend:
    if kind not in SEND_MODELS:
        raise Http404("No such kind of send")
    send = get_object_or_404(SEND_MODELS[kind].objects.select_related("unit", "segment", "created_by"), pk=pk)
    if not selectors.can_view(request.user, send):
        raise PermissionDenied("You do not see messaging for this unit.")
    return send


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Perm.VIEW_MESSAGING)
    manages = access.has_perm(request.user, Perm.MANAGE_MESSAGING)
    sends = [("email", s) for s in selectors.sends_for(request.user, EmailSend)[:20]]
    sends += [("sms", s) for s in selectors.sends_for(request.user, SmsSend)[:20]]
    sends.sort(key=lambda pair: pair[1].created_at, reverse=True)
    rows = [{"kind": kind, "send": send, "stats": services.send_stats(send)} for kind, send in sends[:25]]
    context = {
        "manages": manages,
        "segments": selectors.segments_for(request.user) if manages else [],
        "templates": selectors.templates_for(request.user) if manages else [],
        "rows": rows,
    }
    return render(request, "messaging/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def segment_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Perm.MANAGE_MESSAGING)
    segment = _get_managed(request, Segment, pk) if pk else None
    form = SegmentForm(request.POST or None, user=request.user, segment=segment)
    if request.method == "POST" and form.is_valid():
        try:
            segment = services.save_segment(
                unit=form.cleaned_data["unit"],
                name=form.cleaned_data["name"],
                filters=form.filters(),
                actor=request.user,
                segment=segment,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Segment “{segment.name}” saved.")
            return redirect("messaging:home")
    return render(request, "messaging/segment_form.html", {"form": form, "segment": segment})


@login_required
@require_http_methods(["GET", "POST"])
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count beside the segment form (htmx, on every change)."""
    access.require(request.user, Perm.MANAGE_MESSAGING)
    form = SegmentForm(request.POST or request.GET, user=request.user)
    # The count runs as the page loads and on every change: a name is not needed to count, and a missing unit is
    # a prompt, not an error, so nothing reads "This field is required" before the organiser has typed anything.
    form.fields["name"].required = False
    if not form.data.get("unit"):
        return render(request, "messaging/_segment_count.html", {"prompt": "Choose a unit to see how many match."})
    if not form.is_valid():
        problems = [f"{form.fields[n].label or n}: {' '.join(e)}" for n, e in form.errors.items() if n in form.fields]
        return render(request, "messaging/_segment_count.html", {"problems": problems})
    counts = selectors.segment_counts(form.cleaned_data["unit"], form.filters())
    return render(request, "messaging/_segment_count.html", {"counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def template_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Perm.MANAGE_MESSAGING)
    template = _get_managed(request, EmailTemplate, pk) if pk else None
    initial = {}
    if template is not None:
        initial = {f: getattr(template, f) for f in ("name", "subject", "body_text", "body_html")}
        initial["unit"] = template.unit_id
    form = TemplateForm(request.POST or None, user=request.user, initial=initial)
    test_form = TestSendForm(initial={"to": request.user.email})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.save_template(
                unit=data["unit"],
                name=data["name"],
                subject=data["subject"],
                body_text=data["body_text"],
                body_html=data["body_html"],
                actor=request.user,
                template=template,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect("messaging:template_edit", template.pk)
    context = {"form": form, "template": template, "test_form": test_form}
    return render(request, "messaging/template_form.html", context)


@login_required
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """The email as a recipient would see it, with sample merge values (htmx, from the template form)."""
    access.require(request.user, Perm.MANAGE_MESSAGING)
    try:
        preview = services.preview_email(
            subject=request.POST.get("subject", ""),
            body_text=request.POST.get("body_text", ""),
            body_html=request.POST.get("body_html", ""),
        )
    except ValidationError as exc:
        return render(request, "messaging/_preview.html", {"problems": error_list(exc)})
    return render(request, "messaging/_preview.html", {"preview": preview})


@login_required
@require_POST
def template_test(request: HttpRequest, pk: int) -> HttpResponse:
    template = _get_managed(request, EmailTemplate, pk)
    form = TestSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Test address: " + " ".join(form.errors["to"]))
        return redirect("messaging:template_edit", template.pk)
    try:
        services.send_test_email(
            unit=template.unit,
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            to=form.cleaned_data["to"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(error_list(exc)))
    else:
        messages.success(request, f"Test sent to {form.cleaned_data['to']}.")
    return redirect("messaging:template_edit", template.pk)


@login_required
@require_http_methods(["GET", "POST"])
def send_form(request: HttpRequest, kind: str) -> HttpResponse:
    access.require(request.user, Perm.MANAGE_MESSAGING)
    if kind not in SEND_MODELS:
        raise Http404("No such kind of send")
    form_class = EmailSendForm if kind == "email" else SmsSendForm
    initial = {"template": request.GET.get("template"), "segment": request.GET.get("segment")}
    form = form_class(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        segment = data["segment"]
        people = people_matching(segment.unit, segment.filters)
        common = {"unit": segment.unit, "people": people, "actor": request.user, "segment": segment}
        common["source"] = f"messaging:segment:{segment.pk}"
        common["rate_per_second"] = data.get("rate_per_second")
        try:
            if kind == "email":
                send = services.create_email_send(
                    subject=data["subject"],
                    body_text=data["body_text"],
                    body_html=data["body_html"],
                    template=data.get("template"),
                    **common,
                )
            else:
                send = services.create_sms_send(body=data["body"], **common)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("messaging:send", kind, send.pk)
    return render(request, "messaging/send_form.html", {"form": form, "kind": kind})


@login_required
def send_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    send = _get_send(request, kind, pk)
    context = {
        "send": send,
        "kind": kind,
        "p": selectors.send_progress(send),
        "made_by": selectors.made_by(send),
        "manages": selectors.can_manage(request.user, send),
        "can_export": selectors.can_manage(request.user, send)
        and access.has_perm(request.user, Perm.EXPORT_PEOPLE, send.unit),
    }
    return render(request, "messaging/send_detail.html", context)


@login_required
def send_progress(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    send = _get_send(request, kind, pk)
    return render(request, "messaging/_progress.html", {"send": send, "kind": kind, "p": selectors.send_progress(send)})


@login_required
@require_POST
def send_queue(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    send = _get_send(request, kind, pk)
    if not selectors.can_manage(request.user, send):
        raise PermissionDenied("You do not run messaging for this unit.")
    services.queue_send(send)
    record("queued", request=request, obj=send, detail={"recipients": services.send_stats(send)["recipients"]})
    messages.success(request, "Queued: sending starts as soon as a worker picks it up.")
    return redirect("messaging:send", kind, send.pk)


@login_required
def send_export(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Each recipient's delivery record as CSV. Personal data: needs export rights at the unit; audited."""
    send = _get_send(request, kind, pk)
    if not (selectors.can_manage(request.user, send) and access.has_perm(request.user, Perm.EXPORT_PEOPLE, send.unit)):
        raise PermissionDenied("Exporting recipients needs messaging and export rights at this unit.")
    rows = selectors.recipient_rows(send)
    record("exported", request=request, obj=send, detail={"rows": len(rows), "what": "send recipients"})
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}-send-{send.pk}-recipients.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.RECIPIENT_COLUMNS)
    writer.writerows(rows)
    return response
