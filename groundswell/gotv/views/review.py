"""Coordinators' review of flagged numbers: per day (stations with numbers waiting) and per station (each
flagged entry with the nearest valid numbers, to resolve or dismiss). Rules live in review.py.

Needs Perm.MANAGE_POLLING_DAY at the day's unit. The station page names electors (the suggestions), so every
view is audited as a search of the register.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.offline_sync import parse_id
from groundswell.register.selectors import live_electors

from .. import review
from ..models import PollingDay, PollingStation, TellingEntry
from .setup import managed_day  # those who run the day (MANAGE_POLLING_DAY at its unit)


@login_required
@require_GET
@never_cache
def review_day(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    counts = review.flagged_counts(day)
    stations = [(s, counts.get(s.pk, 0)) for s in day.stations.all()]
    return render(request, "gotv/review_day.html", {"day": day, "stations": stations, "waiting": sum(counts.values())})


def _act(request: HttpRequest, day: PollingDay, station: PollingStation) -> None:
    entry = get_object_or_404(
        TellingEntry.objects.select_related("polling_day__unit", "station"),
        pk=parse_id(request.POST.get("entry")) or 0,
        polling_day=day,
        station=station,
    )
    action = request.POST.get("action")
    label = f"“{entry.raw_number}”"
    if action == "dismiss":
        review.dismiss(entry, request.user, request=request)
        messages.success(request, f"{label} dismissed.")
        return
    if action != "resolve":
        raise ValidationError("Choose resolve or dismiss.")
    elector_pk = parse_id(request.POST.get("elector"))
    typed = str(request.POST.get("number") or "").strip()
    if elector_pk is not None:
        elector = live_electors(day.constituency_id).filter(pk=elector_pk).first()
        if elector is None:
            raise ValidationError("That elector is no longer on the register.")
    elif typed:
        elector = review.elector_for_number(day, station, typed)
    else:
        raise ValidationError(f"{label}: pick a suggested elector or type the right number.")
    review.resolve(entry, elector, request.user, request=request)
    messages.success(request, f"{label} now counts as {elector.elector_number}'s vote.")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def review_station(request: HttpRequest, pk: int, station_pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    station = get_object_or_404(PollingStation, pk=station_pk, polling_day=day)
    if request.method == "POST":
        try:
            _act(request, day, station)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("gotv:review_station", pk=day.pk, station_pk=station.pk)
    rows = review.review_rows(day, station)
    reviewed = review.reviewed_entries(day, station)
    record(
        AuditEntry.Action.SEARCHED,
        request=request,
        obj=station,
        unit=day.unit,
        detail={
            "what": "flagged numbers review",
            "flagged": len(rows),
            "suggested_electors": len({s.elector_id for r in rows for s in r.suggestions}),
        },
    )
    return render(
        request, "gotv/review_station.html", {"day": day, "station": station, "rows": rows, "reviewed": reviewed}
    )
