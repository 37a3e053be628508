"""The audit log page and the data-protection officer's subject-access and erasure pages."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.people.models import Person

from . import dataprotection
from .models import AuditEntry
from .services import VerifyResult, record, verify_chain

PAGE_SIZE = 50
# Re-hashing a long log on every page view is wasteful; a short cache keyed by the newest sequence
# still shows a fresh answer as soon as anything is appended.
VERIFY_CACHE_SECONDS = 300


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AuditEntry.Action.choices])
    actor = forms.CharField(required=False, max_length=254, label="Actor email contains")
    object_type = forms.CharField(required=False, max_length=60, label="Object type", help_text="e.g. people.person")
    object_id = forms.CharField(required=False, max_length=64, label="Object id")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))


def visible_entries(user) -> QuerySet[AuditEntry]:
    """The entries `user` may read: those under the units where they hold VIEW_AUDIT (or all, see access)."""
    if access.sees_whole_audit_log(user):
        return AuditEntry.objects.all()
    return access.scope(AuditEntry.objects.all(), user, Perm.VIEW_AUDIT, "unit_path")


def _apply_filters(qs: QuerySet[AuditEntry], data: dict) -> QuerySet[AuditEntry]:
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("actor"):
        qs = qs.filter(actor_label__icontains=data["actor"].strip())
    if data.get("object_type"):
        qs = qs.filter(object_type=data["object_type"].strip())
    if data.get("object_id"):
        qs = qs.filter(object_id=data["object_id"].strip())
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=tz))
    if data.get("date_to"):
        # "To" includes the whole of that day.
        day_after = data["date_to"] + datetime.timedelta(days=1)
        qs = qs.filter(at__lt=datetime.datetime.combine(day_after, datetime.time.min, tzinfo=tz))
    return qs


def chain_status() -> VerifyResult:
    newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    key = f"groundswell.audit.verify.{newest}"
    result = cache.get(key)
    if result is None:
        result = verify_chain()
        cache.set(key, result, VERIFY_CACHE_SECONDS)
    return result


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Perm.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None)
    qs = visible_entries(request.user)
    if form.is_bound and form.is_valid():
        qs = _apply_filters(qs, form.cleaned_data)
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs.order_by("-sequence"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Evaluate now: the "searched" entry written below must not shift this page's slice.
    page.object_list = list(page.object_list)
    whole_log = access.sees_whole_audit_log(request.user)
    verified = chain_status() if access.sees_audit_chain_status(request.user) else None
    record(
        AuditEntry.Action.SEARCHED,
        request=request,
        object_type="audit.auditentry",
        query=request.GET.urlencode(),
        detail={"results": page.paginator.count},
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "verified": verified, "whole_log": whole_log, "query": params.urlencode()},
    )


@login_required
def subject_access(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
    access.require(request.user, Perm.SUBJECT_ACCESS, person)
    reason = (request.GET.get("reason") or "").strip()
    if not reason:
        return render(
            request, "audit/subject_access_reason.html", {"person": person, "missing": "reason" in request.GET}
        )
    fmt = "json" if request.GET.get("format") == "json" else "html"
    export = dataprotection.subject_access_export(person, request.user, reason, request=request, fmt=fmt)
    if fmt == "json":
        response = HttpResponse(json.dumps(export, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{person.pk}.json"'
        return response
    return render(
        request,
        "audit/subject_access.html",
        {
            "person": person,
            "sections": dataprotection.display_sections(export),
            "json_query": urlencode({"format": "json", "reason": reason}),
            "can_erase": access.can_access_person(request.user, Perm.ERASE_PEOPLE, person),
        },
    )


class EraseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    confirm = forms.CharField(max_length=10, label='Type "ERASE" to confirm')

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != "ERASE":
            raise forms.ValidationError("Type ERASE in capitals to confirm.")
        return "ERASE"


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, person_id: int) -> HttpResponse:
    """GET shows the confirmation form and changes nothing; only a confirmed POST erases."""
    person = get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
    access.require(request.user, Perm.ERASE_PEOPLE, person)
    if person.erased_at:
        messages.info(request, f"Person #{person.pk} has already been erased.")
        return render(request, "audit/erase.html", {"person": person, "form": None}, status=409)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            dataprotection.erase_person(person, request.user, form.cleaned_data["reason"], request=request)
            messages.success(request, f"Person #{person.pk} has been erased.")
            target = reverse("audit:log") + "?" + urlencode({"object_type": "people.person", "object_id": person.pk})
            return redirect(target)
        return render(request, "audit/erase.html", {"person": person, "form": form}, status=400)
    return render(request, "audit/erase.html", {"person": person, "form": form})
