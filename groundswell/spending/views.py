"""Pages of the spending app: the seats an agent, treasurer, auditor or governing body can see; a seat's ledger
with its limits, deadlines and return; entering an item with its invoice; invoices served only after an access
check (audited); the national-money report and its CSV (audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from groundswell.accounts.access import Perm, has_perm, require, units_for
from groundswell.people.models import OrganisationUnit
from groundswell.targeting.services import latest_projection, our_party
from groundswell.web import error_dict, int_or_none

from . import notify, services
from .apportion import ROUNDING_NOTE, households_by_constituency, parse_shares
from .auditing import audit
from .elections import candidacy_dates
from .limits import pounds
from .models import CANDIDATE_CATEGORIES, PARTY_CATEGORIES, Candidacy, Election, Evidence, SpendingItem
from .party_return import build_party_return, party_return_csv
from .returns import build_return, return_csv, return_pdf, return_zip
from .selectors import candidacies_for, dashboard, national_money, seat_figures


def _election(request: HttpRequest) -> Election | None:
    wanted = request.GET.get("election")
    rows = Election.objects.filter(candidacies__isnull=False).distinct().order_by("-poll_date")
    if wanted:
        return rows.filter(election_id=wanted).first()
    return rows.first()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every seat the user can see, with its short-campaign headroom."""
    if not has_perm(request.user, Perm.VIEW_SPENDING):
        raise PermissionDenied("view_spending")
    election = _election(request)
    rows = dashboard(candidacies_for(request.user, election)) if election else []
    return render(request, "spending/home.html", _home_context(request, election, rows))


def _home_context(request: HttpRequest, election: Election | None, rows: list, form=None, errors=None) -> dict:
    return {
        "election": election, "rows": rows,
        "elections": Election.objects.filter(candidacies__isnull=False).distinct(),
        "form": form or {}, "errors": errors or {}, "categories": CANDIDATE_CATEGORIES,
        "methods": [m for m in SpendingItem.Method.choices if m[0] != "whole"],
        "manage_units": list(units_for(request.user, Perm.MANAGE_SPENDING).exclude(kind="branch")) if election else [],
        "national": has_perm(request.user, Perm.VIEW_NATIONAL_MONEY),
    }  # fmt: skip


def _seat(request: HttpRequest, pk: int, perm: Perm = Perm.VIEW_SPENDING) -> Candidacy:
    candidacy = get_object_or_404(Candidacy.objects.select_related("election", "constituency", "unit", "agent"), pk=pk)
    require(request.user, perm, candidacy.unit)
    return candidacy


@login_required
def seat(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _seat(request, pk)
    items = (
        SpendingItem.objects.filter(allocations__candidacy=candidacy)
        .distinct()
        .prefetch_related("evidence", "allocations")
        .order_by("-incurred_on", "-pk")
    )
    return render(request, "spending/seat.html", _seat_context(request, candidacy, items))


def _seat_context(request: HttpRequest, candidacy: Candidacy, items, form=None, errors=None) -> dict:
    dates = candidacy_dates(candidacy)
    ret = getattr(candidacy, "spending_return", None)
    return {
        "c": candidacy, "dates": dates, "figures": seat_figures(candidacy), "items": items,
        "calendar": dates.calendar(), "today": dt.date.today(), "submitted": bool(ret and ret.submitted_at),
        "can_manage": has_perm(request.user, Perm.MANAGE_SPENDING, candidacy.unit),
        "can_override": has_perm(request.user, Perm.OVERRIDE_SPENDING_LIMIT, candidacy.unit),
        "categories": CANDIDATE_CATEGORIES, "statuses": SpendingItem.Status.choices,
        "authorisers": [c for c in SpendingItem.AuthorisedBy.choices if c[0] != "party"],
        "form": form or {}, "errors": errors or {},
        "messages_sent": _messages_sent(candidacy), "rounding": ROUNDING_NOTE,
        "personal": candidacy.personal_expenses.all(), "p_form": {}, "p_errors": {},
    }  # fmt: skip


def _messages_sent(candidacy: Candidacy) -> list[tuple[Any, str, str]]:
    """The limit warnings and return reminders sent to the agent, newest first: (when, what, how it went)."""
    rows = [
        (
            w.sent_at,
            f"{w.threshold}% of the {w.get_period_display().lower()} limit ({w.percent}%)",
            notify.delivery(w.email_send, w.emailed_to),
        )
        for w in candidacy.warnings.select_related("email_send")
    ]
    rows += [(r.sent_at, f"return due in {r.days_before} days", notify.delivery(r.email_send, r.emailed_to))
             for r in candidacy.reminders.select_related("email_send")]  # fmt: skip
    return sorted(rows, key=lambda row: row[0], reverse=True)


def _pence(text: str) -> int:
    """ "£1,234.56" or "1234.56" → 123456; refused (naming the field) if not money or with fractions of a penny."""
    cleaned = (text or "").replace("£", "").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError({"amount_pence": f"amount: {text!r} is not an amount in pounds"}) from None
    pence = value * 100
    if pence != pence.to_integral_value():
        raise ValidationError({"amount_pence": "amount: give pounds and whole pence"})
    return int(pence)


def _date(text: str, name: str, required: bool = False) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise ValidationError({name: "give the date"})
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: f"{text!r} is not a date (YYYY-MM-DD)"}) from None


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter an item for this seat with its invoice; on any error nothing is stored and the form comes back."""
    candidacy = _seat(request, pk, Perm.MANAGE_SPENDING)
    post = request.POST
    evidence: list[Evidence] = []
    try:
        with transaction.atomic():
            amount = _pence(post.get("amount", ""))
            paid_on = _date(post.get("paid_on"), "paid_on")
            if request.FILES.get("invoice"):
                evidence.append(services.upload_evidence(
                    actor=request.user, election=candidacy.election, unit=candidacy.unit,
                    upload=request.FILES["invoice"], kind=post.get("evidence_kind") or Evidence.Kind.INVOICE,
                ))  # fmt: skip
            splits, method = _form_splits(candidacy, post, amount)
            services.record_item(
                actor=request.user, election=candidacy.election, unit=candidacy.unit, request=request,
                splits=splits, evidence=evidence, method=method, method_note=post.get("method_note", ""),
                override_reason=post.get("override_reason", ""),
                description=post.get("description", ""), supplier=post.get("supplier", ""),
                invoice_number=post.get("invoice_number", ""), amount_pence=amount,
                category=post.get("category", ""), status=post.get("status") or "invoiced",
                incurred_on=_date(post.get("incurred_on"), "incurred_on", required=True),
                invoice_received_on=_date(post.get("invoice_received_on"), "invoice_received_on"),
                paid_on=paid_on, authorised_by=post.get("authorised_by", ""),
                authorised_person=post.get("authorised_person", ""),
            )  # fmt: skip
    except ValidationError as exc:
        for stored in evidence:  # the rows were rolled back: leave no file behind either
            stored.file.delete(save=False)
        errors = error_dict(exc)
        items = SpendingItem.objects.filter(allocations__candidacy=candidacy).distinct().order_by("-incurred_on")
        messages.error(request, "The item was not saved: " + " ".join(f"{k}: {v[0]}" for k, v in errors.items()))
        context = _seat_context(request, candidacy, items, form=post, errors=errors)
        return render(request, "spending/seat.html", context, status=400)
    messages.success(request, "Item saved.")
    return redirect("spending:seat", pk=candidacy.pk)


WITHDRAWABLE = (SpendingItem.Status.PLANNED, SpendingItem.Status.COMMITTED)


def _seat_item(request: HttpRequest, pk: int, item_pk: int) -> tuple[Candidacy, SpendingItem]:
    """The seat (the user must manage it) and one of its items."""
    candidacy = _seat(request, pk, Perm.MANAGE_SPENDING)
    found = get_object_or_404(SpendingItem.objects.filter(allocations__candidacy=candidacy).distinct(), pk=item_pk)
    require(request.user, Perm.MANAGE_SPENDING, found.unit)
    return candidacy, found


CORRECTION_FIELDS = ("item", "reason", "description", "amount_pence", "supplier", "invoice_number", "incurred_on",
                     "paid_on", "file", "evidence", "override_reason")  # fmt: skip


@login_required
def correct_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Enter a correction to an item: a new entry linked to it; the item itself is never changed or deleted."""
    candidacy, original = _seat_item(request, pk, item_pk)
    errors: dict[str, list[str]] = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        evidence: list[Evidence] = []
        try:
            with transaction.atomic():
                if request.FILES.get("invoice"):
                    evidence.append(services.upload_evidence(
                        actor=request.user, election=candidacy.election, unit=original.unit,
                        upload=request.FILES["invoice"],
                    ))  # fmt: skip
                services.record_correction(
                    actor=request.user, original=original, candidacy=candidacy, request=request,
                    reason=form.get("reason", ""), evidence=evidence, reduce=form.get("direction") == "reduce",
                    spread=form.get("spread") == "on",
                    override_reason=form.get("override_reason", ""),
                    description=form.get("description", ""), amount_pence=_pence(form.get("amount", "")),
                    status=form.get("status") or None, supplier=form.get("supplier", ""),
                    invoice_number=form.get("invoice_number", ""),
                    incurred_on=_date(form.get("incurred_on"), "incurred_on"),
                    paid_on=_date(form.get("paid_on"), "paid_on"),
                )  # fmt: skip
        except ValidationError as exc:
            for stored in evidence:
                stored.file.delete(save=False)
            errors = error_dict(exc)
            # Errors of fields the form shows sit beside them; any other (splits, category…) go above the form.
            other = [m for k, msgs in errors.items() if k not in CORRECTION_FIELDS for m in msgs]
            errors = {k: v for k, v in errors.items() if k in CORRECTION_FIELDS}
            if other:
                errors["item"] = errors.get("item", []) + other
        else:
            messages.success(request, f"Correction to “{original.description}” saved as a new entry.")
            return redirect("spending:seat", pk=candidacy.pk)
    context = {"c": candidacy, "it": original, "form": form, "errors": errors, "statuses": SpendingItem.Status.choices,
               "can_override": has_perm(request.user, Perm.OVERRIDE_SPENDING_LIMIT, candidacy.unit),
               "corrections": original.corrections.order_by("pk"),
               "seats": original.allocations.count()}  # fmt: skip
    return render(request, "spending/correct.html", context, status=400 if errors else 200)


@login_required
def withdraw_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Withdraw a planned or committed item with a reason: kept, versioned and audited, no longer counted."""
    candidacy, found = _seat_item(request, pk, item_pk)
    errors: dict[str, list[str]] = {}
    if found.status not in WITHDRAWABLE:
        status = found.get_status_display().lower()
        errors["item"] = [f"only planned or committed items are withdrawn; this one is {status}: enter a correction"]
    elif found.withdrawn:
        errors["item"] = ["this item is already withdrawn"]
    if request.method == "POST" and not errors:
        try:
            services.withdraw_item(actor=request.user, item=found, reason=request.POST.get("reason", ""),
                                   request=request)  # fmt: skip
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, f"“{found.description}” withdrawn: it no longer counts against the limit.")
            return redirect("spending:seat", pk=candidacy.pk)
    context = {"c": candidacy, "it": found, "errors": errors, "form": request.POST}
    return render(
        request, "spending/withdraw.html", context, status=400 if errors and request.method == "POST" else 200
    )


@login_required
def dispute_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Mark a claim as disputed (with what is disputed), or settle the dispute: a new version of the item."""
    candidacy, found = _seat_item(request, pk, item_pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        disputed = request.POST.get("disputed") == "yes"
        try:
            services.set_disputed(actor=request.user, item=found, disputed=disputed,
                                  note=request.POST.get("dispute_note", ""), request=request)  # fmt: skip
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            what = "marked as a disputed claim" if disputed else "no longer disputed"
            messages.success(request, f"“{found.description}” {what}.")
            return redirect("spending:seat", pk=candidacy.pk)
    context = {"c": candidacy, "it": found, "errors": errors, "form": request.POST}
    return render(request, "spending/dispute.html", context, status=400 if errors else 200)


@login_required
def add_personal_expense(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one of the candidate's personal expenses (listed on the return, outside the limit)."""
    candidacy = _seat(request, pk, Perm.MANAGE_SPENDING)
    if request.method != "POST":
        return redirect(reverse("spending:seat", args=[candidacy.pk]) + "#personal")
    form = request.POST
    errors: dict[str, list[str]] = {}
    try:
        services.record_personal_expense(
            actor=request.user, candidacy=candidacy, description=form.get("p_description", ""),
            amount_pence=_pence(form.get("p_amount", "")),
            incurred_on=_date(form.get("p_incurred_on"), "incurred_on", required=True),
            paid_on=_date(form.get("p_paid_on"), "paid_on"), request=request,
        )  # fmt: skip
    except ValidationError as exc:
        errors = error_dict(exc)
    else:
        messages.success(request, "Personal expense recorded: it is on the return, outside the limit.")
        return redirect(reverse("spending:seat", args=[candidacy.pk]) + "#personal")
    items = SpendingItem.objects.filter(allocations__candidacy=candidacy).distinct().order_by("-incurred_on", "-pk")
    context = _seat_context(request, candidacy, items)
    context.update({"p_form": form, "p_errors": errors})
    return render(request, "spending/seat.html", context, status=400)


SPLIT_PARTS = (("long", "long"), ("short", "short"), ("party", None))  # form field → period (None: the party's)


def _form_splits(candidacy: Candidacy, post: Any, amount: int) -> tuple[list[services.Split], str]:
    """The item form's split: the whole item to this seat, or parts for the long campaign, the short campaign and
    the party's national spending, as exact amounts (pence that must add up) or in proportion to days."""
    mode = post.get("split") or "whole"
    if mode == "whole":
        return [services.Split(candidacy, post.get("period") or None)], SpendingItem.Method.WHOLE
    if mode not in ("manual", "days"):
        raise ValidationError({"split": f"{mode!r} is not a way to split an item"})
    splits, errors = [], {}
    for name, period in SPLIT_PARTS:
        raw = (post.get(f"part_{name}") or "").strip()
        if not raw:
            continue
        seat = candidacy if name != "party" else None
        try:
            if mode == "manual":
                splits.append(services.Split(seat, period, amount_pence=_pence(raw)))
            else:
                days = Decimal(raw)
                if days < 0 or not days.is_finite():
                    raise InvalidOperation
                splits.append(services.Split(seat, period, basis=days))
        except (ValidationError, InvalidOperation):
            what = "pounds and whole pence, more than nothing" if mode == "manual" else "a number of days, 0 or more"
            errors[f"part_{name}"] = f"{raw!r} is not {what}"
    if errors:
        raise ValidationError(errors)
    if not splits:
        raise ValidationError({"split": "give at least one part (long campaign, short campaign or party)"})
    return splits, mode


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = _seat(request, pk, Perm.MANAGE_SPENDING)
    try:
        services.submit_return(actor=request.user, candidacy=candidacy, request=request)
        messages.success(request, "Return marked as delivered: its items can no longer be changed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("spending:seat", pk=candidacy.pk)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """An invoice, receipt or authority: served after the access check, every view audited."""
    found = get_object_or_404(Evidence.objects.select_related("unit"), pk=pk)
    require(request.user, Perm.VIEW_SPENDING, found.unit)
    audit("spending.evidence.view", actor=request.user, request=request, obj=found, unit=found.unit)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="evidence-{found.pk}.{found.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def return_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The candidate's return as PDF, CSV or a ZIP of invoices numbered to its lines (audited)."""
    candidacy = _seat(request, pk)
    ret = build_return(candidacy)
    audit("spending.return.export", actor=request.user, request=request, obj=candidacy, unit=candidacy.unit,
          detail={"format": fmt, "lines": len(ret.lines)})  # fmt: skip
    name = f"spending-return-{candidacy.constituency.code}"
    if fmt == "pdf":
        body, ctype = return_pdf(ret), "application/pdf"
    elif fmt == "csv":
        body, ctype = return_csv(ret).encode(), "text/csv; charset=utf-8"
    else:
        body, ctype = return_zip(ret), "application/zip"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def national(request: HttpRequest) -> HttpResponse:
    """Party-funded spending reaching each seat beside its class and majority, with flags; CSV export."""
    if not has_perm(request.user, Perm.VIEW_NATIONAL_MONEY):
        raise PermissionDenied("view_national_money")
    election = _election(request)
    rows = (
        national_money(election, candidacies_for(request.user, election, Perm.VIEW_NATIONAL_MONEY)) if election else []
    )
    if request.GET.get("format") == "csv":
        audit("spending.national.export", actor=request.user, request=request, object_type="spending.election",
              object_id=election.pk if election else "", detail={"rows": len(rows)})  # fmt: skip
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(
            [
                "code",
                "constituency",
                "class",
                "manual_class_override",
                "majority",
                "majority_percent",
                "national",
                "local",
                "flags",
            ]
        )
        for r in rows:
            w.writerow([r.candidacy.constituency.code, r.candidacy.constituency.name, r.seat_class, r.override,
                        r.majority if r.majority is not None else "", r.majority_percent or "",
                        pounds(r.national_pence), pounds(r.local_pence), "; ".join(r.flags)])  # fmt: skip
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="national-money.csv"'
        return response
    audit("spending.national.view", actor=request.user, request=request, object_type="spending.election",
          object_id=election.pk if election else "")  # fmt: skip
    points = [
        {"name": r.candidacy.constituency.name, "lat": (c.min_lat + c.max_lat) / 2, "lon": (c.min_lon + c.max_lon) / 2,
         "national": r.national_pence / 100, "flagged": bool(r.flags), "cls": r.seat_class}
        for r in rows if (c := r.candidacy.constituency).min_lat is not None
    ]  # fmt: skip
    projection = latest_projection()
    return render(request, "spending/national.html", {"election": election, "rows": rows, "points": points,
                                                      "projection": projection, "party": our_party()})  # fmt: skip


@login_required
def party_return(request: HttpRequest) -> HttpResponse:
    """The party's national return (treasurer, auditor, governing body), as a page or CSV (audited)."""
    units = [a.unit for a in request.user.roles.select_related("unit")
             if has_perm(request.user, Perm.VIEW_NATIONAL_MONEY, a.unit)]  # fmt: skip
    if not units:
        raise PermissionDenied("view_national_money")
    unit = min(units, key=lambda u: len(u.path))
    election = _election(request)
    if election is None:
        return render(request, "spending/party_return.html", {"ret": None})
    ret = build_party_return(election, unit)
    if request.GET.get("format") == "csv":
        audit("spending.national.export", actor=request.user, request=request, object_type="spending.election",
              object_id=election.pk, unit=unit, detail={"report": "party_return"})  # fmt: skip
        response = HttpResponse(party_return_csv(ret), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="party-return.csv"'
        return response
    labels = {c.value: c.label for c in PARTY_CATEGORIES}
    rows = [(labels[k], v) for k, v in ret.by_category.items()]
    return render(request, "spending/party_return.html", {"ret": ret, "rows": rows, "unit": unit})


@login_required
@require_POST
def shared_item(request: HttpRequest) -> HttpResponse:
    """An item shared by several seats (a treasurer's leaflet run, a regional staffer), split by a stated method:
    the figures typed per seat, or households from canvass walks. Nothing is saved unless all of it is right."""
    election = _election(request)
    post = request.POST
    unit = get_object_or_404(OrganisationUnit, pk=int_or_none(post.get("unit", "")) or 0)
    require(request.user, Perm.MANAGE_SPENDING, unit)
    try:
        if election is None:
            raise ValidationError({"election": "no election has ledgers yet"})
        method = post.get("method", "")
        walks = [int(w) for w in post.get("walks", "").replace(",", " ").split() if w.isdigit()]
        seats = {c.constituency.code: c for c in candidacies_for(request.user, election, Perm.MANAGE_SPENDING)}
        if walks:
            by_id = {c.constituency_id: c for c in seats.values()}
            counts = households_by_constituency(walks)
            splits = [services.Split(by_id[cid], basis=n) for cid, n in counts.items() if cid in by_id]
            if not splits:
                raise ValidationError({"walks": "those walks reach no seat with a ledger you keep"})
            method, note = "households", f"households on walks {', '.join(map(str, walks))}"
        else:
            splits, note = [], post.get("method_note", "")
            for code, figure in parse_shares(post.get("shares", "")):
                if code not in seats:
                    raise ValidationError({"shares": f"{code} is not a seat with a ledger you keep"})
                if method == "manual":
                    splits.append(services.Split(seats[code], amount_pence=_pence(str(figure))))
                else:
                    splits.append(services.Split(seats[code], basis=figure))
        services.record_item(
            actor=request.user, election=election, unit=unit, request=request, splits=splits, method=method,
            method_note=note, walk_ids=walks, description=post.get("description", ""),
            supplier=post.get("supplier", ""), invoice_number=post.get("invoice_number", ""),
            amount_pence=_pence(post.get("amount", "")), category=post.get("category", ""),
            status=post.get("status") or "invoiced",
            incurred_on=_date(post.get("incurred_on"), "incurred_on", required=True),
            authorised_by=post.get("authorised_by") or "agent",
        )  # fmt: skip
    except ValidationError as exc:
        errors = error_dict(exc)
        messages.error(request, "The item was not saved: " + " ".join(f"{k}: {v[0]}" for k, v in errors.items()))
        rows = dashboard(candidacies_for(request.user, election)) if election else []
        return render(request, "spending/home.html", _home_context(request, election, rows, post, errors), status=400)
    messages.success(request, "Shared item saved and split across its seats.")
    return redirect(f"{reverse('spending:home')}?election={election.election_id}")
