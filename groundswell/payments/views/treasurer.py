"""The treasurer's pages: money in for their units, one payment (with refunds), webhook exceptions, and the
reconciliation with the providers' payouts. Every list of payers is audited; exports are audited as exports."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from groundswell.accounts.access import Perm, require

from .. import reconciliation, selectors, services
from ..amounts import format_pence, parse_amount_pence
from ..auditing import audit
from ..errors import PaymentError
from ..models import Method, Payment, Payout, Provider, StatusChange
from ..providers import provider_names

PAGE_SIZE = 100


def _plain(pence: int | None) -> str:
    """Pence as pounds for a spreadsheet: 123456 → "1234.56" (no £, no thousands comma); None → ""."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def _csv(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PAYMENTS)
    return render(request, "payments/home.html", {"s": selectors.summary(request.user)})


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PAYMENTS)
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "method", "purpose", "q")}
    payments = selectors.payments_for(request.user)
    if filters["status"] in Payment.Status.values:
        payments = payments.filter(status=filters["status"])
    if filters["method"] in Method.values:
        payments = payments.filter(method=filters["method"])
    if filters["purpose"]:
        payments = payments.filter(purpose=filters["purpose"])
    if filters["q"]:
        payments = payments.filter(provider_ref__icontains=filters["q"]) | payments.filter(
            payer_name__icontains=filters["q"]
        )
    payments = payments.order_by("-created_at", "-id")
    active = {k: v for k, v in filters.items() if v}
    if request.GET.get("format") == "csv":
        audit("payments.payments.export", request=request, object_type="payments.payment", detail=active)
        rows = [
            [
                p.pk,
                p.provider,
                p.provider_ref,
                p.method,
                p.status,
                _plain(p.amount_pence),
                _plain(p.refunded_pence),
                p.purpose,
                p.purpose_ref,
                p.payer_name,
                p.unit.code if p.unit_id else "",
                p.charged_on or "",
                p.paid_at.isoformat() if p.paid_at else "",
                p.payout.provider_ref if p.payout_id else "",
            ]
            for p in payments.select_related("payout")
        ]
        header = ["id", "provider", "reference", "method", "status", "amount", "refunded", "purpose", "purpose_ref"]
        header += ["payer", "unit", "charged_on", "paid_at", "payout"]
        return _csv("payments.csv", header, rows)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    audit(
        "payments.payments.view",
        request=request,
        object_type="payments.payment",
        detail={**active, "page": page.number},
    )
    return render(
        request,
        "payments/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Payment.Status.choices,
            "methods": Method.choices,
            "query": request.GET.urlencode(),
        },
    )


def _payment(request: HttpRequest, pk: int, perm: Perm = Perm.VIEW_PAYMENTS) -> Payment:
    payment = get_object_or_404(Payment.objects.select_related("unit", "subscription", "payout", "payer"), pk=pk)
    if not selectors.can_see_payment(request.user, payment, perm):
        raise PermissionDenied("This payment belongs to a unit you do not hold.")
    return payment


@login_required
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(request, pk)
    audit("payments.payments.view", request=request, obj=payment, detail={"payment": payment.pk})
    return render(request, "payments/detail.html", _detail_context(request, payment))


def _detail_context(request: HttpRequest, payment: Payment, **extra) -> dict:
    history = StatusChange.objects.filter(object_type="payment", object_id=payment.pk).order_by("at", "id")
    return {
        "p": payment,
        "history": history,
        "refunds": payment.refunds.order_by("created_at"),
        "can_manage": selectors.can_see_payment(request.user, payment, Perm.MANAGE_PAYMENTS),
        **extra,
    }


@login_required
@require_POST
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(request, pk, Perm.MANAGE_PAYMENTS)
    form = {"amount": request.POST.get("amount", ""), "reason": request.POST.get("reason", "").strip()}
    errors: dict[str, str] = {}
    if not form["reason"]:
        errors["reason"] = "Say why the money is going back (the donor asked, a duplicate gift…)."
    try:
        amount = parse_amount_pence(form["amount"])
    except PaymentError as exc:
        errors["amount"] = str(exc)
    if not errors:
        try:
            services.refund(payment, amount_pence=amount, actor=request.user, reason=form["reason"])
        except PaymentError as exc:
            errors["amount"] = str(exc)
        else:
            messages.success(request, f"Refunded {format_pence(amount)}.")
            return redirect("payments:detail", pk=payment.pk)
    context = _detail_context(request, payment, form=form, errors=errors)
    return render(request, "payments/detail.html", context, status=400)


@login_required
def exceptions(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PAYMENTS)
    outcome = request.GET.get("outcome", "error")
    events = selectors.exceptions_for(request.user)
    if outcome in ("error", "ignored"):
        events = events.filter(outcome=outcome)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/exceptions.html", {"page": page, "outcome": outcome})


@login_required
def reconciliation_report(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PAYMENTS)
    provider = request.GET.get("provider") or None
    if provider not in (None, *provider_names()):
        provider = None
    differences = selectors.differences_for(request.user, provider)
    detail = {"provider": provider or "all", "differences": len(differences)}
    if request.GET.get("format") == "csv":
        audit("payments.reconciliation.export", request=request, object_type="payments.payout", detail=detail)
        header = ["kind", "provider", "payment_ref", "payout_ref", "ours", "theirs", "explanation"]
        rows = [
            [
                d.kind,
                d.provider,
                d.payment_ref,
                d.payout_ref,
                _plain(d.ours_pence),
                _plain(d.theirs_pence),
                d.explanation,
            ]
            for d in differences
        ]
        return _csv("reconciliation.csv", header, rows)
    audit("payments.reconciliation.view", request=request, object_type="payments.payout", detail=detail)
    return render(
        request,
        "payments/reconciliation.html",
        {
            "differences": differences,
            "provider": provider,
            "providers": provider_names(),
            "payouts": Payout.objects.all()[:20] if selectors.sees_whole_party(request.user) else [],
            "can_import": selectors.sees_whole_party(request.user, Perm.MANAGE_PAYMENTS),
            "online": [c for c in Provider.choices if c[0] != Provider.MANUAL],
        },
    )


@login_required
@require_POST
def import_payouts(request: HttpRequest) -> HttpResponse:
    if not selectors.sees_whole_party(request.user, Perm.MANAGE_PAYMENTS):
        raise PermissionDenied("Importing payouts is for a treasurer of the whole party.")
    provider = request.POST.get("provider", "")
    if provider not in provider_names():
        messages.error(request, f"Choose a provider (not '{provider}').")
        return redirect("payments:reconciliation")
    try:
        report = reconciliation.run(provider)
    except PaymentError as exc:
        messages.error(request, str(exc))
    else:
        audit("payments.payouts.import", request=request, object_type="payments.payout", detail={"provider": provider})
        messages.success(
            request,
            f"{len(report.payouts)} payouts from {provider}; {report.matched} payments matched; "
            f"{len(report.differences)} differences.",
        )
    return redirect(f"{reverse('payments:reconciliation')}?provider={provider}")
