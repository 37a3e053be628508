"""Telling pages: the teller's page, its station data (JSON) and its sync endpoint. Rules live in telling.py.

The JSON endpoints answer 401/403 in JSON (never a login redirect) because the caller is the page's script,
which must tell "signed out" from "offline" and keep its queue either way.
"""

from __future__ import annotations

import re

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.audit.web import audited_json_view
from groundswell.offline_sync import BadBatch, read_items

from .. import assignments, caches, telling
from ..models import PollingDay
from ..offline import service_worker_response

MAX_ITEMS = 500  # per sync request; the page sends longer queues in several requests


def _day(request: HttpRequest, day_pk: int) -> PollingDay:
    polling_day = get_object_or_404(PollingDay.objects.select_related("unit"), pk=day_pk)
    telling.require_tell(request.user, polling_day)
    return polling_day


@require_GET
def telling_days(request: HttpRequest) -> HttpResponse:
    """Which polling day to tell for; straight to the page when there is only one."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    days = list(telling.days_for(request.user))
    if not days:
        raise PermissionDenied("You are not a teller for any polling day.")
    if len(days) == 1:
        return redirect("gotv:telling", day_pk=days[0].pk)
    return render(request, "gotv/telling_days.html", {"days": days})


@require_GET
@ensure_csrf_cookie
def telling_page(request: HttpRequest, day_pk: int) -> HttpResponse:
    """The page itself holds no register data: the chosen station's numbers come from telling_station."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    polling_day = _day(request, day_pk)
    boot = {
        "day": polling_day.pk,
        "user": request.user.pk,
        # Only the stations this teller is posted at (every one for those running the day).
        "stations": [
            {"id": s.pk, "name": s.name, "polling_districts": telling.station_districts(s)}
            for s in assignments.stations_for(request.user, polling_day)
        ],
        "station_url": reverse("gotv:telling_station", args=[polling_day.pk, 0]),
        "sync_url": reverse("gotv:telling_sync", args=[polling_day.pk]),
        "sw_url": reverse("gotv:telling_sw"),
        "sw_scope": reverse("gotv:days"),
    }
    return render(request, "gotv/telling.html", {"polling_day": polling_day, "boot": boot})


@require_GET
@never_cache
@audited_json_view
def telling_station(request: HttpRequest, day_pk: int, station_pk: int) -> HttpResponse:
    polling_day = _day(request, day_pk)
    station = get_object_or_404(polling_day.stations, pk=station_pk)
    assignments.require_tell_at(request.user, station, polling_day)
    payload = telling.station_payload(polling_day, station, request.user)
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=station,
        unit=polling_day.unit,
        detail={"what": "telling station numbers", "numbers": sum(len(v) for v in payload["numbers"].values())},
    )
    return JsonResponse(payload)


@require_POST
@never_cache
@audited_json_view
def telling_sync(request: HttpRequest, day_pk: int) -> HttpResponse:
    """Store queued entries and undos, in order. Per item status: recorded, already_voted, unknown,
    wrong_station, duplicate_client (already stored), undone, already_undone, not_found, forbidden (a station the
    teller is not posted at), error (with `field`). One bad item never costs the others.

    Every status but a network failure is final: the page drops the item from its queue and shows it.
    """
    # The day and its stations from the process cache (caches.py): a teller's number costs no query for them.
    context = caches.day_context(day_pk)
    if context is None:
        raise Http404("No such polling day")
    polling_day = context.polling_day
    telling.require_tell(request.user, polling_day)
    try:
        items = read_items(request.body, max_items=MAX_ITEMS)
    except BadBatch as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    return JsonResponse(telling.sync(polling_day, items, request.user, request=request, stations=context.stations))


@require_GET
def telling_sw(request: HttpRequest) -> HttpResponse:
    """Service worker for the telling page: a reload with no signal still opens the page; the station's numbers
    and the queue of entries come from IndexedDB, never from this cache."""
    return service_worker_response(
        name="Telling page",
        cache=TELLING_CACHE,
        shell=[
            static("css/groundswell.css"),
            static("gotv/telling.css"),
            static("gotv/telling.js"),
            static("gotv/telling_store.js"),
            static("js/offline-queue.js"),
        ],
        pages="^" + re.escape(reverse("gotv:days")) + r"\d+/telling/$",
        allowed=reverse("gotv:days"),
    )


TELLING_CACHE = "gs-telling-v1"  # telling.js adds the open page to this cache
