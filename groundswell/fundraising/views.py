"""Pages of the fundraising app. Public (no login): an appeal's page with its gift form, the progress bar that page
polls, the thank-you page and the donor's own page for a monthly gift (by signed personal link). Organisers and
treasurers: appeals in their units with totals, charts and donors, the editor, and the audited CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from groundswell.accounts.access import Perm, has_perm, require, units_for
from groundswell.audit.services import record
from groundswell.donations.selectors import accounting_unit_for
from groundswell.web import error_dict

from . import ratelimit, selectors, services
from .forms import AppealForm, GiftForm, parse_pounds, pounds
from .models import Appeal, Gift

# ------------------------------------------------------------------------------------------ public pages


def _public(slug: str) -> Appeal:
    appeal = selectors.public_appeal(slug)
    if appeal is None:
        raise Http404("No such appeal")
    return appeal


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, problems in error_dict(exc).items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, problems)


def appeal_page(request: HttpRequest, slug: str) -> HttpResponse:
    appeal = _public(slug)
    form = GiftForm(appeal, request.POST or None)
    limited = ""
    if request.method == "POST":
        limited = ratelimit.check(ratelimit.client_address(request), request.POST.get("email", ""))
        if limited:
            form.is_valid()
            form.add_error(None, limited)
        elif form.is_valid() and form.gift is not None:
            try:
                _, url = services.start_gift(appeal, form.gift, base_url=request.build_absolute_uri("/").rstrip("/"))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(url)
    return render(
        request,
        "fundraising/appeal.html",
        {
            "appeal": appeal,
            "form": form,
            "progress": selectors.progress(appeal),
            "open": appeal.is_open(),
            "cancelled": request.GET.get("cancelled") == "1",
        },
        status=429 if limited else 200,
    )


@require_GET
def appeal_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """The progress bar alone, for the appeal page's htmx poll."""
    appeal = _public(slug)
    return render(request, "fundraising/_progress.html", {"appeal": appeal, "progress": selectors.progress(appeal)})


def thanks(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    gift = services.gift_from_thanks_token(token)
    if gift is None or gift.appeal.slug != slug:
        raise Http404("No such gift")
    return render(
        request,
        "fundraising/thanks.html",
        {"gift": gift, "appeal": gift.appeal, "amount": pounds(gift.amount_pence),
         "progress": selectors.progress(gift.appeal)},
    )  # fmt: skip


def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The donor's own page: their monthly gift, a new amount, or stop it."""
    gift = services.gift_from_manage_token(token)
    if gift is None:
        raise Http404("No such gift")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                services.cancel_monthly(gift)
                messages.success(request, "Your monthly gift is stopped. No further payments will be taken.")
            else:
                amount = parse_pounds(request.POST.get("amount", ""), field="amount")
                services.change_monthly_amount(gift, amount)
                messages.success(request, f"Your monthly gift is now {pounds(amount)}, from the next payment.")
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return redirect("fundraising:manage", token=token)
    given = sum(line.net_pence for line in gift.payments.all())
    return render(
        request,
        "fundraising/manage.html",
        {"gift": gift, "appeal": gift.appeal, "amount": pounds(gift.amount_pence), "given": pounds(given),
         "errors": errors, "general_errors": errors.get("__all__", []), "value": request.POST.get("amount", "")},
        status=400 if errors else 200,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ organisers' pages


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Appeals in the reader's units: totals by unit and appeal, recurring income, the weekly chart."""
    if not has_perm(request.user, Perm.VIEW_FUNDRAISING):
        raise PermissionDenied("view_fundraising")
    appeals = selectors.appeals_for(request.user)
    rows = selectors.appeal_rows(appeals)
    return render(
        request,
        "fundraising/home.html",
        {
            "rows": rows,
            "units": selectors.unit_rows(rows),
            "run_rate": pounds(selectors.run_rate_pence(appeals)),
            "chart": selectors.weekly_chart(appeals),
            "can_manage": has_perm(request.user, Perm.MANAGE_APPEALS),
        },
    )


def _appeal(request: HttpRequest, pk: int, perm: Perm = Perm.VIEW_FUNDRAISING) -> Appeal:
    appeal = get_object_or_404(Appeal.objects.select_related("unit"), pk=pk)
    require(request.user, perm, appeal.unit)
    return appeal


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One appeal: progress, chart, recurring income and every gift (names and addresses: the view is audited)."""
    appeal = _appeal(request, pk)
    status = request.GET.get("status", "")
    if status not in Gift.Status.values:
        status = ""
    gifts = list(selectors.gifts_for(appeal, status=status)[:500])
    record("viewed", actor=request.user, request=request, obj=appeal, unit=appeal.unit,
           detail={"event": "fundraising.gifts.view", "status": status, "rows": len(gifts)})  # fmt: skip
    qs = Appeal.objects.filter(pk=appeal.pk)
    return render(
        request,
        "fundraising/appeal_detail.html",
        {
            "appeal": appeal,
            "progress": selectors.progress(appeal),
            "run_rate": pounds(selectors.run_rate_pence(qs)),
            "chart": selectors.weekly_chart(qs),
            "gifts": gifts,
            "status": status,
            "statuses": Gift.Status.choices,
            "accounting_unit": accounting_unit_for(appeal.unit),
            "can_manage": has_perm(request.user, Perm.MANAGE_APPEALS, appeal.unit),
            "suggested": ", ".join(pounds(p) for p in appeal.suggested_pence),
        },
    )


@login_required
def appeal_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every gift to the appeal as CSV (audited: it carries names and home addresses)."""
    appeal = _appeal(request, pk)
    rows = selectors.csv_rows(appeal)
    record("exported", actor=request.user, request=request, obj=appeal, unit=appeal.unit,
           detail={"event": "fundraising.gifts.export", "rows": len(rows) - 1})  # fmt: skip
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appeal-{appeal.slug}-{timezone.localdate():%Y%m%d}.csv"'
    return response


@login_required
def appeal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    appeal = _appeal(request, pk, Perm.MANAGE_APPEALS) if pk else None
    units = units_for(request.user, Perm.MANAGE_APPEALS)
    if not units.exists():
        raise PermissionDenied("manage_appeals")
    initial: dict[str, Any] = {}
    if appeal is not None:
        initial = {
            **{f: getattr(appeal, f) for f in ("unit", "title", "slug", "campaign", "story", "allow_one_off",
                                                "allow_monthly", "opens_on", "closes_on", "published")},
            "target": pounds(appeal.target_pence)[1:],
            "suggested": ", ".join(pounds(p)[1:] for p in appeal.suggested_pence),
        }  # fmt: skip
    form = AppealForm(units, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = {k: d[k] for k in ("unit", "title", "slug", "campaign", "story", "allow_one_off", "allow_monthly",
                                    "opens_on", "closes_on", "published")}  # fmt: skip
        fields["target_pence"], fields["suggested_pence"] = d["target_pence"], d["suggested_pence"]
        try:
            saved = services.save_appeal(request.user, fields, appeal)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Appeal saved{' and published' if saved.published else ''}.")
            return redirect("fundraising:appeal_detail", pk=saved.pk)
    return render(request, "fundraising/appeal_form.html", {"form": form, "appeal": appeal})
