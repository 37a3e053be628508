"""Walk pages for organisers and coordinators. Thin: check access, call selectors/services, render, audit.

Every page asks `access.require(user, Perm.MANAGE_CANVASS, campaign.unit)`: cutting, moving and assigning
walks and printing sheets is organising work over the register, which organisers and coordinators hold.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.canvassing.models import CanvassCampaign, Walk
from groundswell.offline_sync import parse_id
from groundswell.register.models import Property

from . import selectors, services
from .sheets import walk_sheet_pdf

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
WALK_PERM = access.Perm.MANAGE_CANVASS


def _campaign(request: HttpRequest, campaign_id: int) -> CanvassCampaign:
    campaign = get_object_or_404(CanvassCampaign.objects.select_related("unit"), pk=campaign_id)
    access.require(request.user, WALK_PERM, campaign.unit)
    return campaign


def _walk(request: HttpRequest, walk_id: int) -> Walk:
    walk = get_object_or_404(Walk.objects.select_related("campaign__unit"), pk=walk_id)
    access.require(request.user, WALK_PERM, walk.campaign.unit)
    return walk


def _url(request: HttpRequest, name: str, **kwargs: int) -> str:
    """Reverse one of our URLs under whatever namespace the project mounted them ("walks", or nested
    as "canvassing:walks"), so the pages work wherever the include lives."""
    match = request.resolver_match
    namespace = match.namespace if match and match.namespace else "walks"
    return reverse(f"{namespace}:{name}", kwargs=kwargs)


def _int(value: str | None) -> int | None:
    # Bounded: an id past the databases' integer range is no id (SQLite raises OverflowError on it).
    return parse_id(value)


@login_required
@require_http_methods(["GET", "POST"])
def walk_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's walks (size, route, assignees) and a form to cut walks for polling districts."""
    campaign = _campaign(request, campaign_id)
    districts = list(
        Property.objects.filter(constituency_id=campaign.constituency_id)
        .order_by("polling_district")
        .values_list("polling_district", flat=True)
        .distinct()
    )
    if request.method == "POST":
        chosen = [d for d in request.POST.getlist("polling_district") if d in districts]
        sizes = [_int(request.POST.get(name)) for name in ("min_size", "target_size", "max_size")]
        if not chosen:
            messages.error(request, "Choose at least one polling district.")
        elif None in sizes or not 0 < sizes[0] <= sizes[1] <= sizes[2]:
            messages.error(request, "Sizes must be whole numbers with minimum ≤ target ≤ maximum.")
        else:
            # Only doors not yet on a walk: cutting again fills in, never reshuffles walks already out.
            households = Property.objects.filter(
                constituency_id=campaign.constituency_id, polling_district__in=chosen
            ).exclude(walk_stops__campaign=campaign)
            walks = services.cut_walks(
                campaign,
                households,
                min_size=sizes[0],
                target_size=sizes[1],
                max_size=sizes[2],
                name_prefix=request.POST.get("name_prefix", "").strip()[:60],
                actor=request.user,
            )
            messages.success(request, f"Cut {len(walks)} walks.")
        return redirect(_url(request, "list", campaign_id=campaign.pk))
    walks = list(selectors.campaign_walks(campaign))
    for walk in walks:
        walk.detail_url = _url(request, "detail", walk_id=walk.pk)
        walk.sheet_url = _url(request, "sheet", walk_id=walk.pk)
    return render(
        request,
        "canvassing/walks/list.html",
        {
            "campaign": campaign,
            "walks": walks,
            "districts": districts,
            "total_doors": sum(w.doors for w in walks),
            "report_url": _url(request, "report", campaign_id=campaign.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def walk_detail(request: HttpRequest, walk_id: int) -> HttpResponse:
    """One walk: map and doors in route order; move a street or chosen doors; assign canvassers."""
    walk = _walk(request, walk_id)
    campaign = walk.campaign
    if request.method == "POST":
        _walk_action(request, walk)
        return redirect(_url(request, "detail", walk_id=walk.pk))
    stops = selectors.walk_stops(walk)
    record("viewed", request=request, obj=walk, unit=campaign.unit, detail={"doors": len(stops)})
    points = [
        {
            "order": s.order,
            "lat": s.household.latitude,
            "lon": s.household.longitude,
            "address": s.household.house_label or "",
            "street": s.household.street,
            "number": s.household.house_number,
        }
        for s in stops
        if s.household.latitude is not None and s.household.longitude is not None
    ]
    assigned = [a.user for a in walk.assignments.select_related("user")]
    return render(
        request,
        "canvassing/walks/detail.html",
        {
            "walk": walk,
            "campaign": campaign,
            "stops": stops,
            "streets": selectors.walk_streets(walk),
            "other_walks": Walk.objects.filter(campaign=campaign).exclude(pk=walk.pk).order_by("name"),
            "assigned": assigned,
            "assignable": selectors.assignable_users(campaign).exclude(pk__in=[u.pk for u in assigned]),
            "points": points,
            "tile_url": getattr(settings, "GROUNDSWELL_TILE_URL", DEFAULT_TILE_URL),
            "list_url": _url(request, "list", campaign_id=campaign.pk),
            "sheet_url": _url(request, "sheet", walk_id=walk.pk),
        },
    )


def _walk_action(request: HttpRequest, walk: Walk) -> None:
    action = request.POST.get("action")
    campaign = walk.campaign
    if action in ("move_street", "move_doors"):
        to_walk = Walk.objects.filter(campaign=campaign, pk=_int(request.POST.get("to_walk"))).first()
        if to_walk is None or to_walk.pk == walk.pk:
            messages.error(request, "Choose another walk of this campaign to move to.")
            return
        try:
            if action == "move_street":
                moved = services.move_street(walk, request.POST.get("street", ""), to_walk, actor=request.user)
            else:
                ids = [i for i in map(_int, request.POST.getlist("household")) if i is not None]
                on_this_walk = set(walk.stops.filter(household_id__in=ids).values_list("household_id", flat=True))
                if not on_this_walk:
                    messages.error(request, "Tick the doors to move.")
                    return
                moved = services.move_households(on_this_walk, to_walk, actor=request.user)
        except services.WalkError as exc:
            messages.error(request, str(exc))
            return
        messages.success(request, f"Moved {moved} doors to {to_walk.name}.")
    elif action in ("assign", "unassign"):
        user = selectors.assignable_users(campaign).filter(pk=_int(request.POST.get("user"))).first()
        if user is None:
            messages.error(request, "Choose someone who works in this campaign's area.")
            return
        if action == "assign":
            services.assign_walk(walk, user, actor=request.user)
            messages.success(request, f"Assigned to {user.email}.")
        else:
            services.unassign_walk(walk, user, actor=request.user)
            messages.success(request, f"{user.email} no longer has this walk.")
    else:
        messages.error(request, "Unknown action.")


@login_required
@require_GET
def walk_sheet(request: HttpRequest, walk_id: int) -> HttpResponse:
    """The printable walk sheet. It lists electors, so it is an export of personal data and audited."""
    walk = _walk(request, walk_id)
    pdf = walk_sheet_pdf(walk)
    record(
        "exported",
        request=request,
        obj=walk,
        object_label=f"walk sheet for walk #{walk.pk}",
        reason="walk sheet",
        detail={"doors": walk.stops.count(), "format": "pdf"},
        unit=walk.campaign.unit,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    safe_name = "".join(c if c.isalnum() else "-" for c in walk.name).strip("-") or f"walk-{walk.pk}"
    response["Content-Disposition"] = f'inline; filename="walk-sheet-{safe_name}.pdf"'
    return response


@login_required
@require_GET
def board_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Counts per walk and per street (doors, electors, contacts, support) as a page or CSV (?format=csv)."""
    campaign = _campaign(request, campaign_id)
    report = selectors.board_report(campaign)
    fmt = request.GET.get("format", "html")
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="walks-report-campaign-{campaign.pk}.csv"'
        selectors.write_board_report_csv(report, response)
        return response
    if fmt != "html":
        raise Http404("Unknown format")
    return render(
        request,
        "canvassing/walks/report.html",
        {
            "campaign": campaign,
            "report": report,
            "totals": report.totals(),
            "csv_url": _url(request, "report", campaign_id=campaign.pk) + "?format=csv",
            "list_url": _url(request, "list", campaign_id=campaign.pk),
        },
    )
