"""Pages of the tours app: the tours a person plans or works on, a tour (days, stops, plan, map, attributions,
the red/amber/green board), a stop (need-to-know: its venue and time for the team only, every view audited; its
two-person checklist), the agents' decisions, the phone's on-the-day sync and the printable day sheet."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from groundswell.accounts.access import Perm, has_perm, units_for
from groundswell.audit.web import audited_json_view
from groundswell.geography.models import Constituency
from groundswell.offline_sync import (
    BadBatch,
    ItemError,
    Refusal,
    client_id_field,
    client_id_of,
    parse_id,
    read_items,
    text_field,
)
from groundswell.spending.models import Candidacy, Election
from groundswell.web import attempt, error_dict, error_list, int_or_none

from . import daysheet, selectors, services
from .auditing import audit
from .models import Attribution, ChecklistItem, RoadNetwork, Stop, Tour, TourDay, TourMember
from .planning import PlanRefused

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAX_SYNC_ITEMS = 200  # arrivals and departures per request; a day has a few dozen


def tile_url() -> str:
    """Map tiles as the events map takes them: the GROUNDSWELL_TILE_URL setting or environment, else OpenStreetMap."""
    return getattr(settings, "GROUNDSWELL_TILE_URL", "") or os.environ.get("GROUNDSWELL_TILE_URL") or OSM_TILES


def _pence(text: str, field: str) -> int:
    """Pounds typed in a form (e.g. 461 or 461.50) as pence."""
    text = (text or "").strip().replace("£", "").replace(",", "")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: f"{text!r} is not an amount in pounds"}) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{text!r} is not an amount in pounds and pence"})
    return int(value * 100)


def _time(text: str, field: str) -> dt.time:
    try:
        return dt.time.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError({field: f"{text!r} is not a time (HH:MM)"}) from None


def _float(text: str, field: str) -> float:
    try:
        return float((text or "").strip())
    except ValueError:
        raise ValidationError({field: f"{text!r} is not a number"}) from None


def _tour(request: HttpRequest, pk: int) -> Tour:
    """The tour's pages carry its route (which places its stops), so they are for its team only: an organiser who
    is not on the team is refused like anyone else."""
    tour = get_object_or_404(Tour.objects.select_related("unit", "election"), pk=pk)
    if not selectors.is_member(request.user, tour):
        raise PermissionDenied("not on this tour's team: ask its tour manager to add you")
    return tour


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The tours I plan or work on, attributions waiting for me, and a form to start a tour."""
    form: dict[str, Any] = {}
    errors: dict = {}
    units = list(units_for(request.user, Perm.MANAGE_TOURS).exclude(kind="branch"))
    if request.method == "POST":
        form = request.POST
        try:
            unit = next((u for u in units if str(u.pk) == form.get("unit")), None)
            if unit is None:
                raise ValidationError({"unit": "choose a unit you organise"})
            election = Election.objects.filter(election_id=form.get("election", "")).first()
            if election is None:
                raise ValidationError({"election": "choose the election"})
            tour = services.create_tour(
                actor=request.user, unit=unit, election=election, name=form.get("name", ""),
                rate_basis=form.get("rate_basis", "entered"), day_rate_pence=_pence(form.get("day_rate"), "day_rate"),
                hire_pence_per_day=_pence(form.get("hire"), "hire"),
                fuel_pence_per_day=_pence(form.get("fuel"), "fuel"),
                staff_pence_per_day=_pence(form.get("staff"), "staff"), vehicles=form.get("vehicles", ""),
                minimise_local=bool(form.get("minimise_local")), request=request,
                network=RoadNetwork.objects.filter(pk=int_or_none(form.get("network", ""))).first(),
            )  # fmt: skip
            return redirect("tours:tour", pk=tour.pk)
        except ValidationError as exc:
            errors = error_dict(exc)
    context = {
        "tours": selectors.tours_for(request.user), "waiting": selectors.waiting_for(request.user),
        "team_tours": set(TourMember.objects.filter(user=request.user).values_list("tour_id", flat=True)),
        "my_stops": Stop.objects.filter(advance_team=request.user).select_related("day__tour"),
        "units": units, "elections": Election.objects.order_by("-poll_date")[:10], "form": form, "errors": errors,
        "rate_bases": Tour.RateBasis.choices, "networks": RoadNetwork.objects.order_by("-imported_at"),
    }  # fmt: skip
    return render(request, "tours/home.html", context)


@login_required
def tour(request: HttpRequest, pk: int) -> HttpResponse:
    t = _tour(request, pk)
    manage = selectors.can_manage(request.user, t)
    days = list(t.days.prefetch_related("stops", "attributions__candidacy__constituency"))
    board = {row.stop.pk: row for row in selectors.board(t)}
    for day in days:
        day.stop_rows = [(s, board.get(s.pk)) for s in day.stops.all()]
        day.suggestions = selectors.suggest_stops(day) if manage else []
    candidacies = (
        Candidacy.objects.filter(election=t.election).select_related("constituency").order_by("constituency__name")
    )
    audit("tours.stop.location.view", actor=request.user, obj=t, unit=t.unit, request=request,
          detail={"stops": sum(1 for d in days for s in d.stops.all() if not s.published_at)})  # fmt: skip
    return render(request, "tours/tour.html", {
        "tour": t, "days": days, "manage": manage, "candidacies": candidacies,
        "notices": t.notices.all()[:20], "members": t.members.select_related("user"), "tile_url": tile_url(),
        "purposes": Stop.Purpose.choices,
    })  # fmt: skip


@login_required
@require_POST
def add_day(request: HttpRequest, pk: int) -> HttpResponse:
    t = _tour(request, pk)
    p = request.POST

    def act() -> None:
        services.add_day(
            actor=request.user, tour=t, date=_date(p.get("date")),
            start=(p.get("start_name", "Start"), _float(p.get("start_lat"), "start_lat"),
                   _float(p.get("start_lon"), "start_lon")),
            end=(p.get("end_name", "End"), _float(p.get("end_lat"), "end_lat"), _float(p.get("end_lon"), "end_lon")),
            depart_at=_time(p.get("depart_at") or "08:00", "depart_at"),
            arrive_by=_time(p.get("arrive_by") or "20:00", "arrive_by"), request=request,
        )  # fmt: skip

    attempt(request, act, "Day added.")
    return redirect("tours:tour", pk=t.pk)


def _date(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError({"date": f"{text!r} is not a date"}) from None


@login_required
@require_POST
def add_stop(request: HttpRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(TourDay.objects.select_related("tour"), pk=pk)
    _tour(request, day.tour_id)
    p = request.POST

    def act() -> None:
        candidacy = None
        if p.get("candidacy"):
            candidacy = Candidacy.objects.filter(pk=p.get("candidacy"), election=day.tour.election).first()
        services.add_stop(
            actor=request.user, day=day, title=p.get("title", ""), purpose=p.get("purpose", ""),
            venue_name=p.get("venue_name", ""), address=p.get("address", ""), postcode=p.get("postcode", ""),
            latitude=_float(p.get("latitude"), "latitude"), longitude=_float(p.get("longitude"), "longitude"),
            window=(_time(p.get("window_start"), "window_start"), _time(p.get("window_end"), "window_end")),
            candidacy=candidacy, minutes_on_site=int(p.get("minutes_on_site") or 45),
            own_costs_pence=_pence(p.get("own_costs"), "own_costs"),
            stewards_needed=int(p.get("stewards_needed") or 0), request=request,
        )  # fmt: skip

    attempt(request, act, "Stop added.")
    return redirect("tours:tour", pk=day.tour_id)


@login_required
@require_POST
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(TourDay.objects.select_related("tour__election"), pk=pk)
    _tour(request, day.tour_id)
    minimise = bool(request.POST.get("minimise"))
    try:
        result = services.plan_day(actor=request.user, day=day, minimise=minimise, request=request)
        messages.success(request, f"Planned: {result.km:.0f} km, {len(result.passed)} seats passed on the network "
                         f"(nothing attributed), {len(result.attributions)} attributions.")  # fmt: skip
    except PlanRefused as exc:
        messages.error(request, f"Plan refused: {exc}")
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(error_list(exc)))
    return redirect(reverse("tours:tour", args=[day.tour_id]) + f"#day-{day.pk}")


@login_required
def day_map(request: HttpRequest, pk: int) -> JsonResponse:
    """The day's route, stops and seats (coloured by headroom and by what the plan attributes) for the map."""
    day = get_object_or_404(TourDay.objects.select_related("tour"), pk=pk)
    t = _tour(request, day.tour_id)
    p = day.plan or {}
    attributed: dict[str, int] = {}
    for a in p.get("attributions", []):
        if a.get("code"):
            attributed[a["code"]] = attributed.get(a["code"], 0) + a["amount_pence"]
    codes = {row["code"] for row in p.get("seats_crossed", [])} | set(p.get("headroom", {}))
    seats = []
    for c in Constituency.objects.filter(code__in=codes, boundary_set_id="2024").exclude(geometry=""):
        h = p.get("headroom", {}).get(c.code, {})
        seats.append({"type": "Feature", "geometry": json.loads(c.simplified or c.geometry),
                      "properties": {"code": c.code, "name": c.name, "headroom": h.get("headroom"),
                                     "attributed": attributed.get(c.code, 0)}})  # fmt: skip
    stops = []
    for s in day.stops.all():
        if services.view_location(actor=request.user, stop=s, request=request):
            stops.append({"title": s.title, "lat": s.latitude, "lon": s.longitude, "venue": s.venue_name,
                          "arrive": str(s.planned_arrival or "")})  # fmt: skip
    vehicle = None
    if selectors.is_member(request.user, t):  # the live position: the tour team only, each view audited
        latest = t.positions.first()
        if latest is not None:
            vehicle = {"lat": latest.latitude, "lon": latest.longitude, "at": latest.at.isoformat()}
        audit("tours.position.view", actor=request.user, obj=t, unit=t.unit, request=request, detail={"day": day.pk})
    return JsonResponse({"legs": p.get("legs", []), "stops": stops, "vehicle": vehicle,
                         "seats": {"type": "FeatureCollection", "features": seats}})  # fmt: skip


@login_required
@require_POST
def position(request: HttpRequest, pk: int) -> JsonResponse:
    """The vehicle's position from a team member's phone."""
    t = get_object_or_404(Tour, pk=pk)
    try:
        services.record_position(actor=request.user, tour=t, lat=_float(request.POST.get("lat"), "lat"),
                                 lon=_float(request.POST.get("lon"), "lon"), request=request)  # fmt: skip
    except ValidationError as exc:
        return JsonResponse({"status": "error", "error": " ".join(error_list(exc))}, status=400)
    return JsonResponse({"status": "saved"})


@login_required
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(Stop.objects.select_related("day__tour__unit", "candidacy__constituency", "event"), pk=pk)
    if not services.view_location(actor=request.user, stop=s, request=request):
        raise PermissionDenied("need-to-know: this stop's venue and time are for the tour team until published")
    t = s.day.tour
    return render(request, "tours/stop.html", {
        "stop": s, "tour": t, "manage": selectors.can_manage(request.user, t),
        "items": s.checklist.select_related("confirmed_by", "checked_by"),
        "attributions": s.attributions.select_related("candidacy__constituency"),
        "stewards": selectors.stewards_signed_up(s), "ready": selectors.is_ready(s),
        "notices": s.notices.all()[:10],
        "on_team": selectors.is_member(request.user, t) or s.advance_team.filter(pk=request.user.pk).exists(),
    })  # fmt: skip


@login_required
@require_POST
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ChecklistItem.objects.select_related("stop__day__tour"), pk=pk)
    if request.POST.get("action") == "check":
        attempt(request, lambda: services.check_item(actor=request.user, item=item, request=request), "Checked.")
    else:
        attempt(request, lambda: services.confirm_item(actor=request.user, item=item,
                detail=request.POST.get("detail", ""), request=request), "Confirmed.")  # fmt: skip
    return redirect("tours:stop", pk=item.stop_id)


@login_required
@require_POST
def stop_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    s = get_object_or_404(Stop.objects.select_related("day__tour"), pk=pk)
    if action == "confirm":
        attempt(request, lambda: services.confirm_stop(actor=request.user, stop=s, request=request), "Confirmed.")
    elif action == "publish":
        attempt(request, lambda: services.publish_stop(actor=request.user, stop=s, request=request),
                "Published: the event is on the public map.")  # fmt: skip
    return redirect("tours:stop", pk=s.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(Attribution.objects.select_related("day__tour", "candidacy__unit"), pk=pk)
    accept = request.POST.get("decision") == "accept"
    attempt(request, lambda: services.decide(actor=request.user, attribution=a, accept=accept,
            reason=request.POST.get("reason", ""), request=request), "Decision recorded.")  # fmt: skip
    return redirect("tours:home")


def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "tours/sw.js", content_type="text/javascript")
    # Served from the days' own path, so its scope covers every day's on-the-day page and nothing else.
    response["Service-Worker-Allowed"] = "/tours/days/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def on_the_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page: today's stops for the team, arrivals and departures saved offline and sent when online."""
    day = get_object_or_404(TourDay.objects.select_related("tour"), pk=pk)
    t = day.tour
    stops = [s for s in day.stops.all() if services.view_location(actor=request.user, stop=s, request=request)]
    if not stops and not selectors.is_member(request.user, t):
        raise PermissionDenied("not on this tour's team")
    return render(request, "tours/on_the_day.html", {"day": day, "tour": t, "stops": stops})


@require_POST
@never_cache
@audited_json_view
def sync(request: HttpRequest) -> JsonResponse:
    """The phone's queued arrivals and departures: {"items": [{client_id, stop, kind, at}, …]}, answered item by
    item (saved, duplicate, error with its field); one bad item never costs the others."""
    try:
        items = read_items(request.body, max_items=MAX_SYNC_ITEMS)
    except BadBatch as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    results = []
    for item in items:
        if isinstance(item, Refusal):
            results.append(item.answer())
            continue
        results.append(_sync_item(request, item))
    return JsonResponse({"results": results})


def _sync_item(request: HttpRequest, item: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"client_id": client_id_of(item)}
    try:
        client_id = client_id_field(item)
        kind = text_field(item, "kind", max_length=10)
        at_text = text_field(item, "at", max_length=40)
    except ItemError as exc:
        return result | {"status": "error", "error": exc.message, "field": exc.field}
    s = Stop.objects.select_related("day__tour").filter(pk=parse_id(item.get("stop")) or 0).first()
    if s is None:
        return result | {"status": "error", "error": "no such stop", "field": "stop"}
    try:
        at = dt.datetime.fromisoformat(at_text.replace("Z", "+00:00"))
    except ValueError:
        return result | {"status": "error", "error": "not a time", "field": "at"}
    if at.tzinfo is None:
        return result | {"status": "error", "error": "give the time with its zone", "field": "at"}
    try:
        answer = services.record_timing(actor=request.user, stop=s, kind=kind, at=at, client_id=client_id,
                                        request=request)  # fmt: skip
    except PermissionDenied:
        return result | {"status": "forbidden", "error": "not on this stop's team", "field": "stop"}
    except ValidationError as exc:
        return result | {"status": "error", "error": " ".join(error_list(exc))}
    return result | answer


@login_required
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable day sheet (PDF) for drivers and advance staff: audited as an export."""
    day = get_object_or_404(TourDay.objects.select_related("tour"), pk=pk)
    t = _tour(request, day.tour_id)
    if not (selectors.is_member(request.user, t)):
        raise PermissionDenied("the day sheet carries the venues: for the tour team only")
    audit("tours.daysheet.export", actor=request.user, obj=day, unit=t.unit, request=request)
    response = HttpResponse(daysheet.render(day), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="day-sheet-{day.date}.pdf"'
    return response


def can_reach(user: Any) -> bool:
    """Whether the nav shows Tours: planners, agents and treasurers (their decisions), and every team member."""
    return has_perm(user, Perm.MANAGE_TOURS) or has_perm(user, Perm.MANAGE_SPENDING) or selectors.tours_for(
        user
    ).exists()  # fmt: skip
