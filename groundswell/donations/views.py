"""The treasurer's pages: the ledger (filters, a chart by month), entering a cheque, cash or in-kind gift, a
donation's page with the permissibility panel (register matches to confirm, the decision and its evidence), the
30-day clock, the reports with their CSV downloads (audited), and a CSV import answered row by row. Everything is
scoped to the accounting units within the units where the user holds the permission."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from groundswell.accounts.access import Perm, has_perm, require, units_for
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Elector
from groundswell.web import error_dict

from . import reports, services
from .auditing import audit
from .imports import import_donations
from .matching import register_matches
from .models import AccountingUnit, Channel, Donation, DonorDetails, DonorType, PermissibilityCheck
from .rules import parse_pence, pre_poll_weeks, quarter_of
from .selectors import accounting_units_for, by_month, clock, clock_summary, donations_for

LEDGER_ROWS = 200
# The last UK general election: the default for the weekly pre-poll report's form (dissolution, polling day).
LAST_GENERAL_ELECTION = (dt.date(2024, 5, 30), dt.date(2024, 7, 4))


def _viewer(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.VIEW_DONATIONS):
        raise PermissionDenied("view_donations")


def _donation(request: HttpRequest, pk: int, perm: Perm = Perm.VIEW_DONATIONS) -> Donation:
    donation = get_object_or_404(
        Donation.objects.select_related("donor", "accounting_unit__unit", "decided_by", "candidate_constituency"),
        pk=pk,
    )
    require(request.user, perm, donation.accounting_unit.unit)
    return donation


def _filtered(request: HttpRequest):
    rows = donations_for(request.user)
    f = {k: request.GET.get(k, "").strip() for k in ("unit", "status", "channel", "year", "q", "kind")}
    if f["unit"].isdigit():
        rows = rows.filter(accounting_unit_id=int(f["unit"]))
    if f["status"] in Donation.Status.values:
        rows = rows.filter(status=f["status"])
    if f["channel"] in Channel.values:
        rows = rows.filter(channel=f["channel"])
    if f["year"].isdigit():
        rows = rows.filter(received_on__year=int(f["year"]))
    if f["q"]:
        rows = rows.filter(donor__full_name__icontains=f["q"])
    if f["kind"] == "donation":
        rows = rows.filter(is_donation=True)
    elif f["kind"] == "below":
        rows = rows.filter(is_donation=False)
    return rows, f


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    rows, f = _filtered(request)
    audit("donations.ledger.view", actor=request.user, request=request, object_type="donations.donation",
          object_label="donations ledger", query=request.GET.urlencode()[:500])  # fmt: skip
    can_manage = has_perm(request.user, Perm.MANAGE_DONATIONS)
    return render(request, "donations/ledger.html", {
        "rows": rows.order_by("-received_on", "-pk")[:LEDGER_ROWS], "count": rows.count(), "limit": LEDGER_ROWS,
        "f": f, "units": accounting_units_for(request.user), "statuses": Donation.Status.choices,
        "channels": Channel.choices, "chart": by_month(rows), "clock": clock_summary(request.user),
        "can_manage": can_manage, "today": dt.date.today(),
        "unregistered": _unregistered_units(request) if can_manage else [],
    })  # fmt: skip


def _unregistered_units(request: HttpRequest) -> list[OrganisationUnit]:
    return list(
        units_for(request.user, Perm.MANAGE_DONATIONS)
        .exclude(kind=OrganisationUnit.Kind.BRANCH)
        .filter(accounting_unit__isnull=True)[:200]
    )


@login_required
@require_POST
def register_unit(request: HttpRequest) -> HttpResponse:
    unit = get_object_or_404(OrganisationUnit, pk=request.POST.get("unit") or 0)
    au = services.register_accounting_unit(
        unit, actor=request.user, is_central=unit.parent_id is None and not AccountingUnit.objects.filter(
            is_central=True).exists(), ec_reference=request.POST.get("ec_reference", "").strip()[:40],
    )  # fmt: skip
    messages.success(request, f"{au.name} is registered as an accounting unit.")
    return redirect("donations:ledger")


FORM_FIELDS = ("accounting_unit", "donor_type", "full_name", "address_line1", "address_line2", "town", "postcode",
               "email", "company_number", "amount", "received_on", "channel", "description", "reference",
               "recipient", "on_register", "overseas_elector", "carrying_on_business_in_uk")  # fmt: skip
OFFLINE_CHANNELS = [c for c in Channel.choices if c[0] != Channel.ONLINE]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Enter a cheque, cash, transfer or in-kind gift; errors shown beside the form after submit."""
    if not has_perm(request.user, Perm.MANAGE_DONATIONS):
        raise PermissionDenied("manage_donations")
    units = list(accounting_units_for(request.user, Perm.MANAGE_DONATIONS))
    form = {k: request.POST.get(k, "") for k in FORM_FIELDS} if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            au = next((u for u in units if str(u.pk) == form["accounting_unit"]), None)
            if au is None:
                raise ValidationError({"accounting_unit": "accounting unit: choose one you keep the ledger for"})
            received = _form_date(form["received_on"], "received_on", "date received")
            amount = parse_pence(form["amount"])
            details = DonorDetails(
                donor_type=form["donor_type"], full_name=form["full_name"].strip(),
                address_line1=form["address_line1"], address_line2=form["address_line2"], town=form["town"],
                postcode=form["postcode"], email=form["email"], company_number=form["company_number"],
                on_register_declared=_yes_no(form["on_register"]), overseas_elector=form["overseas_elector"] == "yes",
                carrying_on_business_in_uk=_yes_no(form["carrying_on_business_in_uk"]),
            )  # fmt: skip
            donation = services.record_donation(
                accounting_unit=au, amount_pence=amount, received_on=received, channel=form["channel"],
                donor=details, actor=request.user, description=form["description"],
                nature="non_cash" if form["channel"] == Channel.IN_KIND else "cash", reference=form["reference"],
            )  # fmt: skip
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, f"Recorded donation #{donation.pk}.")
            return redirect("donations:detail", donation.pk)
    return render(request, "donations/new.html", {
        "form": form, "errors": errors, "units": units, "donor_types": DonorType.choices,
        "channels": OFFLINE_CHANNELS,
    }, status=400 if errors else 200)  # fmt: skip


def _form_date(text: str, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError({name: f"{label}: {text!r} is not a date (YYYY-MM-DD)"}) from None


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = _donation(request, pk)
    audit("donations.donation.view", actor=request.user, request=request, obj=donation,
          unit=donation.accounting_unit.unit)  # fmt: skip
    return render(request, "donations/detail.html", _detail_context(request, donation))


def _detail_context(request: HttpRequest, donation: Donation, errors: dict | None = None) -> dict:
    can_manage = has_perm(request.user, Perm.MANAGE_DONATIONS, donation.accounting_unit.unit)
    pending = donation.status == Donation.Status.PENDING
    on = _on(request)
    matches = []
    if pending and donation.donor.donor_type == DonorType.INDIVIDUAL:
        matches = register_matches(donation.donor, on)
    checks = list(donation.checks.select_related("checked_by", "elector", "register_import"))
    return {
        "d": donation, "donor": donation.donor, "checks": checks, "latest": checks[0] if checks else None,
        "matches": matches, "on": on, "can_manage": can_manage, "pending": pending, "today": dt.date.today(),
        "outcomes": PermissibilityCheck.Outcome.choices, "errors": errors or {},
        "registered_body": donation.donor.donor_type in ("company", "llp"),
    }  # fmt: skip


def _on(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("on") or request.POST.get("on") or "")
    except ValueError:
        return dt.date.today()


def _decide(request: HttpRequest, pk: int, action) -> HttpResponse:
    donation = _donation(request, pk, Perm.MANAGE_DONATIONS)
    try:
        action(donation)
    except ValidationError as exc:
        context = _detail_context(request, donation, error_dict(exc))
        return render(request, "donations/detail.html", context, status=400)
    return redirect("donations:detail", donation.pk)


@login_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    def act(donation: Donation) -> None:
        elector = None
        if request.POST.get("elector", "").isdigit():
            elector = get_object_or_404(Elector, pk=int(request.POST["elector"]))
        services.record_check(
            donation, actor=request.user, outcome=request.POST.get("outcome", ""), on=_on(request),
            elector=elector, note=request.POST.get("note", ""),
            carrying_on_business_in_uk=_yes_no(request.POST.get("carrying_on_business_in_uk", "")),
        )  # fmt: skip
        messages.success(request, "The check and its evidence are recorded.")

    return _decide(request, pk, act)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    def act(donation: Donation) -> None:
        services.accept_donation(donation, actor=request.user, on=_on(request), note=request.POST.get("note", ""))
        messages.success(request, "Accepted.")

    return _decide(request, pk, act)


@login_required
@require_POST
def return_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(donation: Donation) -> None:
        services.return_donation(
            donation, actor=request.user, to=request.POST.get("to", ""), method=request.POST.get("method", ""),
            on=_on(request), note=request.POST.get("note", ""),
        )  # fmt: skip
        messages.success(request, "The return is recorded.")

    return _decide(request, pk, act)


@login_required
def clock_view(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    today = dt.date.today()
    rows = list(clock(request.user)[:500])
    audit("donations.ledger.view", actor=request.user, request=request, object_type="donations.donation",
          object_label="30-day clock")  # fmt: skip
    return render(request, "donations/clock.html", {"rows": rows, "today": today,
                                                    "summary": clock_summary(request.user, today)})  # fmt: skip


@login_required
def reports_view(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    today = dt.date.today()
    last_q = quarter_of(today) - 1 or 4
    year = today.year if last_q != 4 else today.year - 1
    dissolution, poll = LAST_GENERAL_ELECTION
    return render(request, "donations/reports.html", {
        "year": year, "quarter": last_q, "years": list(range(today.year, today.year - 7, -1)),
        "weeks": pre_poll_weeks(dissolution, poll), "dissolution": dissolution, "poll": poll,
        "columns": reports.COLUMNS,
    })  # fmt: skip


@login_required
def download(request: HttpRequest, kind: str) -> HttpResponse:
    """A report as CSV in the Commission's upload columns; every download is audited."""
    _viewer(request)
    scoped = donations_for(request.user)
    try:
        if kind == "quarterly":
            year, quarter = int(request.GET.get("year", "")), int(request.GET.get("quarter", ""))
            rows = reports.quarterly_report(year, quarter, scoped)
            name = f"donations-{year}-q{quarter}.csv"
        elif kind == "prepoll":
            start = _form_date(request.GET.get("start", ""), "start", "week from")
            end = _form_date(request.GET.get("end", ""), "end", "week to")
            rows = reports.pre_poll_report(start, end, scoped)
            name = f"donations-prepoll-{start:%Y%m%d}-{end:%Y%m%d}.csv"
        elif kind == "impermissible":
            rows = reports.impermissible_report(scoped)
            name = "donations-impermissible.csv"
        else:
            raise ValidationError({"kind": "no such report"})
    except (ValueError, ValidationError) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else "give a year and a quarter (1-4)"
        messages.error(request, f"Report not made: {text}")
        return redirect("donations:reports")
    audit("donations.report.export", actor=request.user, request=request, object_type="donations.donation",
          object_label=f"donations report {kind}", detail={"rows": len(rows), "file": name,
                                                           "query": request.GET.urlencode()[:300]})  # fmt: skip
    response = HttpResponse(reports.report_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.MANAGE_DONATIONS):
        raise PermissionDenied("manage_donations")
    results, problems = [], []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = ["choose a CSV file to import"]
        elif upload.size > 10 * 1024 * 1024:
            problems = ["the file is over 10 MB: split it"]
        else:
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            allowed = list(units_for(request.user, Perm.MANAGE_DONATIONS))
            results, problems = import_donations(text, actor=request.user, allowed_units=allowed)
            audit("donations.import", actor=request.user, request=request, object_type="donations.donation",
                  object_label="donations CSV import", detail={
                      "file": upload.name[:200], "recorded": sum(r.outcome == "recorded" for r in results),
                      "errors": sum(r.outcome == "error" for r in results)})  # fmt: skip
    return render(request, "donations/import.html", {
        "results": results, "problems": problems,
        "recorded": sum(r.outcome == "recorded" for r in results),
        "skipped": sum(r.outcome == "skipped" for r in results),
        "failed": sum(r.outcome == "error" for r in results), "ledger": reverse("donations:ledger"),
    })  # fmt: skip
