"""Pages of dues: a member's own "My membership" (standing in plain words, set up, change, cancel); the dues
overview of a unit for organisers, treasurers and auditors (members by standing, recurring income, dues received,
the arrears list and its CSV, both audited); a treasurer's view of one membership (record a cheque or cash)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from groundswell.accounts.access import Perm, has_perm, require, units_for
from groundswell.people.models import Membership, OrganisationUnit
from groundswell.web import error_dict

from . import selectors, services
from .auditing import audit
from .forms import choice, parse_pounds
from .models import Arrangement, Interval, MembershipType, Method, Rate
from .services import DuesError
from .standing import pounds

MEMBER_METHODS = [(Method.DIRECT_DEBIT.value, "Direct Debit"), (Method.CARD.value, "Card")]
OFFLINE_METHODS = [(Method.CHEQUE.value, "Cheque"), (Method.CASH.value, "Cash"), (Method.TRANSFER.value, "Transfer")]


def _own_memberships(request: HttpRequest) -> list[Membership]:
    person_id = getattr(request.user, "person_id", None)
    if not person_id or not has_perm(request.user, Perm.VIEW_OWN_RECORD):
        return []
    return list(Membership.objects.filter(person_id=person_id).select_related("person"))


def _own(request: HttpRequest, pk: int) -> Membership:
    membership = next((m for m in _own_memberships(request) if m.pk == pk), None)
    if membership is None:
        raise PermissionDenied("Not your membership.")
    return membership


@login_required
def me(request: HttpRequest, errors: dict | None = None, form: dict | None = None) -> HttpResponse:
    pages = [selectors.member_page(m) for m in _own_memberships(request)]
    return render(
        request, "dues/me.html",
        {"pages": pages, "types": selectors.offered_types(), "methods": MEMBER_METHODS, "errors": errors or {},
         "form": form or {}},
        status=400 if errors else 200,
    )  # fmt: skip


def _type(value: str) -> MembershipType:
    found = MembershipType.objects.filter(code=value, active=True).first()
    if found is None:
        raise ValidationError({"membership_type": "Choose a membership type."})
    return found


@login_required
@require_POST
def set_up(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _own(request, pk)
    post = request.POST
    try:
        kind = _type(post.get("membership_type", ""))
        interval = choice(post.get("interval", ""), Interval.values, "interval")
        method = choice(post.get("method", ""), [m for m, _ in MEMBER_METHODS], "method")
        amount = parse_pounds(post.get("amount", ""))
        with transaction.atomic():  # no pending arrangement is left behind if the provider refuses
            arrangement = services.set_up_dues(
                membership, membership_type=kind, interval=interval, method=method, actor=request.user,
                amount_pence=amount,
            )  # fmt: skip
            url = services.start_payment(
                arrangement, return_url=request.build_absolute_uri(reverse("dues:done", args=[arrangement.pk])),
                cancel_url=request.build_absolute_uri(reverse("dues:me")),
            )  # fmt: skip
    except ValidationError as exc:
        return me(request, errors=error_dict(exc), form=post.dict())
    except DuesError as exc:
        return me(request, errors={"__all__": [str(exc)]}, form=post.dict())
    return redirect(url)


@login_required
def done(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = get_object_or_404(Arrangement.objects.select_related("membership_type"), pk=pk)
    membership = _own(request, arrangement.membership_id)
    return render(request, "dues/done.html", {"arrangement": arrangement, "page": selectors.member_page(membership)})


@login_required
@require_POST
def change(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _own(request, pk)
    arrangement = selectors.current_arrangement(membership)
    try:
        if arrangement is None:
            raise DuesError("You have no dues arrangement to change; set one up instead.")
        kind = _type(request.POST.get("membership_type", ""))
        amount = parse_pounds(request.POST.get("amount", ""))
        services.change_dues(arrangement, membership_type=kind, amount_pence=amount, actor=request.user)
    except ValidationError as exc:
        return me(request, errors=error_dict(exc), form=request.POST.dict())
    except DuesError as exc:
        return me(request, errors={"__all__": [str(exc)]}, form=request.POST.dict())
    messages.success(request, "Your dues are changed from today.")
    return redirect("dues:me")


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _own(request, pk)
    arrangement = selectors.current_arrangement(membership)
    try:
        if arrangement is None:
            raise DuesError("You have no dues arrangement to cancel.")
        services.cancel_dues(arrangement, actor=request.user, reason=request.POST.get("reason", ""))
    except DuesError as exc:
        return me(request, errors={"__all__": [str(exc)]})
    messages.success(
        request,
        "Your regular payment is cancelled. You stay a member until your dues run out; set up dues again any time.",
    )
    return redirect("dues:me")


# ------------------------------------------------------------------------------------------------ treasurers


def _unit(request: HttpRequest) -> tuple[OrganisationUnit | None, list[OrganisationUnit]]:
    units = list(units_for(request.user, Perm.VIEW_DUES).exclude(kind="branch").order_by("path"))
    wanted = request.GET.get("unit", "")
    unit = next((u for u in units if u.code == wanted), units[0] if units else None)
    return unit, units


def _scoped(request: HttpRequest, unit: OrganisationUnit):
    return selectors.memberships_for(request.user, Perm.VIEW_DUES).filter(person__unit__path__startswith=unit.path)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_DUES):
        raise PermissionDenied("view_dues")
    unit, units = _unit(request)
    view = selectors.overview(_scoped(request, unit), unit, timezone.localdate()) if unit else None
    if view is not None:
        audit(
            "dues.overview.view", request=request, unit=unit, object_type="people.organisationunit",
            object_id=unit.pk, detail={"arrears_listed": len(view.arrears)},
        )  # fmt: skip
    return render(request, "dues/overview.html", {"view": view, "units": units, "unit": unit})


@login_required
def arrears_csv(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_DUES):
        raise PermissionDenied("view_dues")
    unit, _ = _unit(request)
    if unit is None:
        raise PermissionDenied("view_dues")
    view = selectors.overview(_scoped(request, unit), unit, timezone.localdate())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["membership_number", "name", "status", "months_behind", "arrears", "paid_through", "reason"])
    for m, s in view.arrears:
        writer.writerow(
            [m.number, m.person.display_name, s.status, s.months_behind, pounds(s.arrears_pence),
             s.paid_through.isoformat() if s.paid_through else "", s.reason]
        )  # fmt: skip
    audit(
        "dues.arrears.export", request=request, unit=unit, object_type="people.organisationunit", object_id=unit.pk,
        detail={"rows": len(view.arrears)},
    )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dues-arrears-{unit.code}-{dt.date.today()}.csv"'
    return response


def _membership_for_treasurer(request: HttpRequest, pk: int) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("person__unit"), pk=pk)
    require(request.user, Perm.VIEW_DUES, membership.person.unit)
    return membership


@login_required
def membership(request: HttpRequest, pk: int, errors: dict | None = None) -> HttpResponse:
    m = _membership_for_treasurer(request, pk)
    audit("dues.overview.view", request=request, obj=m, unit=m.person.unit, detail={"membership": m.pk})
    return render(
        request, "dues/membership.html",
        {"page": selectors.member_page(m), "methods": OFFLINE_METHODS, "errors": errors or {},
         "manage": has_perm(request.user, Perm.MANAGE_DUES, m.person.unit),
         "sources": selectors.payment_sources([m]).get(m.pk), "today": timezone.localdate()},
        status=400 if errors else 200,
    )  # fmt: skip


@login_required
@require_POST
def record_payment(request: HttpRequest, pk: int) -> HttpResponse:
    m = _membership_for_treasurer(request, pk)
    require(request.user, Perm.MANAGE_DUES, m.person.unit)
    post = request.POST
    try:
        amount = parse_pounds(post.get("amount", ""))
        if amount is None:
            raise ValidationError({"amount": "Enter the amount received."})
        method = choice(post.get("method", ""), [v for v, _ in OFFLINE_METHODS], "method")
        try:
            paid_on = dt.date.fromisoformat(post.get("paid_on", ""))
        except ValueError:
            raise ValidationError({"paid_on": "Enter the date it was received."}) from None
        if paid_on > timezone.localdate():
            raise ValidationError({"paid_on": "The date received cannot be in the future."})
        services.record_offline_payment(
            m, amount_pence=amount, paid_on=paid_on, method=method, actor=request.user,
            payer_name=post.get("payer_name", ""),
        )  # fmt: skip
    except ValidationError as exc:
        return membership(request, pk, errors=error_dict(exc))
    except DuesError as exc:
        return membership(request, pk, errors={"__all__": [str(exc)]})
    services.refresh_statuses(Membership.objects.filter(pk=m.pk))
    messages.success(request, f"{pounds(amount)} recorded.")
    return redirect("dues:membership", pk=m.pk)


# -------------------------------------------------------------------------------------------- rates and rules


@login_required
def rules(request: HttpRequest, errors: dict | None = None) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_DUES):
        raise PermissionDenied("view_dues")
    manage_units = list(units_for(request.user, Perm.MANAGE_DUES).exclude(kind="branch").order_by("path"))
    rates = Rate.objects.select_related("membership_type").order_by(
        "membership_type__position", "interval", "-effective_from"
    )
    return render(
        request, "dues/rules.html",
        {"rates": rates, "types": MembershipType.objects.all(), "rows": selectors.rules_rows_for(request.user),
         "manage_units": manage_units, "root": services.is_root_treasurer(request.user), "errors": errors or {},
         "today": timezone.localdate()},
        status=400 if errors else 200,
    )  # fmt: skip


@login_required
@require_POST
def add_rate(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        kind = MembershipType.objects.filter(code=post.get("membership_type", "")).first()
        if kind is None:
            raise ValidationError({"membership_type": "Choose a membership type."})
        amount = parse_pounds(post.get("amount", ""))
        if amount is None:
            raise ValidationError({"amount": "Enter the new rate in pounds."})
        try:
            effective_from = dt.date.fromisoformat(post.get("effective_from", ""))
        except ValueError:
            raise ValidationError({"effective_from": "Enter the date the rate takes effect."}) from None
        interval = choice(post.get("interval", ""), Interval.values, "interval")
        services.add_rate(
            actor=request.user, membership_type=kind, interval=interval, amount_pence=amount,
            effective_from=effective_from, source=post.get("source", ""),
        )  # fmt: skip
    except ValidationError as exc:
        return rules(request, errors=error_dict(exc))
    except DuesError as exc:
        return rules(request, errors={"__all__": [str(exc)]})
    messages.success(request, "Rate added.")
    return redirect("dues:rules")


def _whole(post, field: str) -> int:
    try:
        return int(post.get(field, ""))
    except ValueError:
        raise ValidationError({field: "Enter a whole number."}) from None


@login_required
@require_POST
def set_rules(request: HttpRequest) -> HttpResponse:
    post = request.POST
    code = post.get("unit", "")
    try:
        unit = None
        if code:
            unit = OrganisationUnit.objects.filter(code=code).first()
            if unit is None:
                raise ValidationError({"unit": "Choose a unit."})
        services.set_rules(
            unit, actor=request.user, grace_months=_whole(post, "grace_months"),
            lapse_after_months=_whole(post, "lapse_after_months"),
            lapse_warning_months=_whole(post, "lapse_warning_months"),
            renewal_notice_days=_whole(post, "renewal_notice_days"), source=post.get("source", ""),
        )  # fmt: skip
    except ValidationError as exc:
        return rules(request, errors=error_dict(exc))
    except DuesError as exc:
        return rules(request, errors={"__all__": [str(exc)]})
    messages.success(request, "Rules saved.")
    return redirect("dues:rules")
