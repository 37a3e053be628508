"""Promises and knock-up pages. Thin: check access, call promises/knockup/packs, render, audit.

Organisers and coordinators (MANAGE_POLLING_DAY at the day's unit) set the promise rule and targets, watch the
counts, export postal reminders, make knock-up rounds, print packs and run the lifts desk. Volunteers (KNOCK_UP
at the day's unit) open a round on their phone: the knock-up sheet, which keeps the round and a queue of results
in IndexedDB and syncs them to `knockup_sync` with client ids. JSON endpoints answer 401/403 in JSON (never a
login redirect) so the sheet's script can tell "signed out" from "offline" and keep its queue either way.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.audit.web import audited_json_view
from groundswell.offline_sync import (
    BadBatch,
    ItemError,
    client_id_field,
    client_id_of,
    group_items,
    parse_id,
    read_items,
    text_field,
)
from groundswell.questions.support_codes import support_codes_for
from groundswell.register.models import Elector

from .. import assignments, knockup, packs, promises, services
from ..assignments import can_manage
from ..models import CommitteeRoom, KnockUpItem, KnockUpResult, KnockUpRound, Lift, PollingDay
from ..offline import service_worker_response

MAX_ITEMS = 500  # results per sync request; the sheet sends longer queues in several requests


# ---------------------------------------------------------------- access helpers


def _day(request: HttpRequest, day_pk: int) -> PollingDay:
    day = get_object_or_404(PollingDay.objects.select_related("unit", "constituency"), pk=day_pk)
    access.require(request.user, Perm.MANAGE_POLLING_DAY, day.unit)
    return day


def _room(request: HttpRequest, room_pk: int) -> CommitteeRoom:
    room = get_object_or_404(
        CommitteeRoom.objects.select_related("polling_day__unit", "polling_day__constituency"), pk=room_pk
    )
    access.require(request.user, Perm.MANAGE_POLLING_DAY, room.polling_day.unit)
    return room


def _round(request: HttpRequest, round_pk: int) -> KnockUpRound:
    """A round the user may work: its room's volunteers and coordinator, and those who run the day."""
    knock_round = get_object_or_404(
        KnockUpRound.objects.select_related("committee_room__polling_day__unit"), pk=round_pk
    )
    assignments.require_round(request.user, knock_round)
    return knock_round


def _int(value: Any) -> int | None:
    return parse_id(value)


# ---------------------------------------------------------------- promises


@login_required
@require_http_methods(["GET", "POST"])
def promises_page(request: HttpRequest, day_pk: int) -> HttpResponse:
    """The promise rule, targets per polling district, and promises (and promises voted) against target."""
    day = _day(request, day_pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "targets":
                targets = {
                    key.removeprefix("target_"): value.strip()
                    for key, value in request.POST.items()
                    if key.startswith("target_")
                }
                services.update_polling_day(day, actor=request.user, targets=targets)
                messages.success(request, "Targets saved.")
            else:
                rule = {
                    "support_codes": request.POST.getlist("support_codes"),
                    "min_likelihood": request.POST.get("min_likelihood", "").strip(),
                    "contacted_since": request.POST.get("contacted_since", "").strip(),
                }
                services.update_polling_day(day, actor=request.user, promise_rule=rule)
                messages.success(request, "Promise rule saved.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("gotv:promises", day_pk=day.pk)

    rows = promises.promise_counts(day)
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=day,
        unit=day.unit,
        detail={"what": "promise counts", "districts": len(rows)},
    )
    rule = day.promise_rule or {}
    codes = support_codes_for(day.unit)
    default_codes = sorted(promises.rule_codes(day)) if not rule.get("support_codes") else []
    target_districts = sorted(set(services.day_districts(day)) | {r.polling_district for r in rows})
    return render(
        request,
        "gotv/promises.html",
        {
            "day": day,
            "rows": rows,
            "total": promises.totals(rows),
            "rule": rule,
            "codes": list(codes.values()),
            "chosen_codes": set(rule.get("support_codes") or []),
            "default_codes": default_codes,
            "targets": [(pd, (day.targets or {}).get(pd, "")) for pd in target_districts],
            "rooms": day.committee_rooms.all(),
        },
    )


@login_required
@require_GET
def postal_promises_page(request: HttpRequest, day_pk: int) -> HttpResponse:
    """Promises who vote by post, for reminders; `?format=csv` downloads them (audited as an export)."""
    day = _day(request, day_pk)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        n = promises.write_postal_csv(day, out)
        record(
            AuditEntry.Action.EXPORTED,
            request=request,
            obj=day,
            unit=day.unit,
            reason="postal vote reminders",
            query=json.dumps(day.promise_rule or {}, sort_keys=True),
            detail={"what": "postal promises", "rows": n, "format": "csv"},
        )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="postal-promises-day-{day.pk}.csv"'
        return response
    electors = list(promises.postal_promises(day).order_by("polling_district", "number", "suffix"))
    voted = set(promises.voted_elector_ids(day).values_list("elector_id", flat=True))
    for e in electors:
        e.has_voted = e.pk in voted
    record(
        AuditEntry.Action.SEARCHED,
        request=request,
        obj=day,
        unit=day.unit,
        query=json.dumps(day.promise_rule or {}, sort_keys=True),
        detail={"what": "postal promises", "rows": len(electors)},
    )
    return render(request, "gotv/promises_postal.html", {"day": day, "electors": electors})


# ---------------------------------------------------------------- committee room: rounds, pack, lifts


@login_required
@require_http_methods(["GET", "POST"])
def knockup_room(request: HttpRequest, room_pk: int) -> HttpResponse:
    """A committee room's knock-up: the list still to knock, rounds (make the next, mark one done), packs."""
    room = _room(request, room_pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "regenerate":
                size = _int(request.POST.get("round_size", ""))
                priority = request.POST.get("priority") or "walk"
                if priority not in knockup.PRIORITIES:
                    raise ValidationError("Unknown order")
                knock_round = knockup.regenerate(room, request.user, size, priority=priority)
                messages.success(request, f"Round {knock_round.number}: {knock_round.items.count()} electors.")
            elif action == "complete":
                round_pk = _int(request.POST.get("round")) or 0
                knock_round = get_object_or_404(KnockUpRound, pk=round_pk, committee_room=room)
                knockup.complete_round(knock_round, request.user)
                messages.success(request, f"Round {knock_round.number} marked done.")
            else:
                messages.error(request, "Unknown action.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("gotv:knockup_room", room_pk=room.pk)

    remaining = knockup.knock_up_list(room)
    rounds = list(
        room.rounds.annotate(
            electors=Count("items", distinct=True), results_count=Count("results", distinct=True)
        ).order_by("-number")
    )
    outcomes = Counter(KnockUpResult.objects.filter(committee_room=room).values_list("outcome", flat=True))
    open_lifts = Lift.objects.filter(committee_room=room, status__in=[Lift.Status.NEEDED, Lift.Status.ARRANGED])
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=room,
        unit=room.polling_day.unit,
        detail={"what": "knock-up room", "remaining": len(remaining), "rounds": len(rounds)},
    )
    return render(
        request,
        "gotv/knockup_room.html",
        {
            "room": room,
            "day": room.polling_day,
            "remaining": len(remaining),
            "postal_remaining": sum(1 for e in remaining if e.postal_voter),
            "rounds": rounds,
            "outcomes": [(label, outcomes.get(value, 0)) for value, label in KnockUpResult.Outcome.choices],
            "open_lifts": open_lifts.count(),
            "priorities": [("walk", "Walk order"), ("unreliable_first", "Likely but unreliable voters first")],
            "max_rounds": packs.MAX_ROUNDS,
        },
    )


@login_required
@require_GET
def knockup_pack(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The room's printable pack (PDF): a round's list (`?round=ID`) or the current list. Audited as an export."""
    room = _room(request, room_pk)
    knock_round = None
    if request.GET.get("round"):
        knock_round = get_object_or_404(KnockUpRound, pk=_int(request.GET["round"]) or 0, committee_room=room)
    boxes = _int(request.GET.get("rounds", "")) or packs.DEFAULT_ROUNDS
    pdf = packs.pack_pdf(room, knock_round=knock_round, rounds=boxes)
    record(
        AuditEntry.Action.EXPORTED,
        request=request,
        obj=room,
        unit=room.polling_day.unit,
        reason="polling day pack",
        detail={"format": "pdf", "round": knock_round.number if knock_round else None},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="polling-day-pack-room-{room.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lifts_page(request: HttpRequest, room_pk: int) -> HttpResponse:
    """The room's lifts desk: who needs a lift, the driver, and arranged / done / cancelled."""
    room = _room(request, room_pk)
    if request.method == "POST":
        lift = get_object_or_404(Lift, pk=_int(request.POST.get("lift")) or 0, committee_room=room)
        try:
            knockup.update_lift(
                lift,
                status=request.POST.get("status", ""),
                driver=request.POST.get("driver"),
                user=request.user,
                request=request,
            )
            messages.success(request, "Lift updated.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("gotv:lifts", room_pk=room.pk)
    lifts = list(knockup.room_lifts(room))
    record(
        AuditEntry.Action.SEARCHED,
        request=request,
        obj=room,
        unit=room.polling_day.unit,
        detail={"what": "lifts", "rows": len(lifts)},
    )
    return render(
        request,
        "gotv/lifts.html",
        {"room": room, "day": room.polling_day, "lifts": lifts, "statuses": Lift.Status.choices},
    )


# ---------------------------------------------------------------- volunteers: rounds on the phone


@login_required
@require_GET
def knockup_home(request: HttpRequest) -> HttpResponse:
    """Open rounds a volunteer may knock up (polling days from yesterday on, at units where they hold KNOCK_UP)."""
    paths = access.unit_paths_with(request.user, Perm.KNOCK_UP)
    if not paths:
        raise PermissionDenied("You do not have 'knock_up' anywhere.")
    where = access.within_units(paths, "committee_room__polling_day__unit__path")
    since = timezone.localdate() - datetime.timedelta(days=1)
    rooms = CommitteeRoom.objects.filter(
        pk__in=KnockUpRound.objects.filter(
            where, completed_at__isnull=True, committee_room__polling_day__date__gte=since
        ).values("committee_room_id")
    )
    # Only the rounds of rooms this volunteer works from (or coordinates, or runs the day of).
    rounds = (
        KnockUpRound.objects.filter(
            committee_room__in=[r.pk for r in assignments.rooms_for(request.user, rooms)], completed_at__isnull=True
        )
        .select_related("committee_room__polling_day")
        .annotate(electors=Count("items"))
        .order_by("committee_room__polling_day__date", "committee_room__name", "-number")
    )
    manageable = [
        room
        for room in CommitteeRoom.objects.filter(polling_day__date__gte=since).select_related("polling_day__unit")
        if can_manage(request.user, room.polling_day)
    ]
    return render(request, "gotv/knockup_home.html", {"rounds": rounds, "rooms": manageable})


@ensure_csrf_cookie
@require_GET
def knockup_sheet(request: HttpRequest, round_pk: int) -> HttpResponse:
    """The knock-up sheet's shell. It holds no personal data (that comes from `knockup_round_data`), so the
    service worker may keep it for offline use."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    knock_round = _round(request, round_pk)
    return render(
        request,
        "gotv/knockup_sheet.html",
        {
            "round_pk": round_pk,
            "room": knock_round.committee_room,
            "data_url": reverse("gotv:knockup_round_data", kwargs={"round_pk": round_pk}),
            "sync_url": reverse("gotv:knockup_sync"),
            "sw_url": reverse("gotv:knockup_sw"),
            "scope": reverse("gotv:knockup_home"),
        },
    )


@require_GET
def knockup_sw(request: HttpRequest) -> HttpResponse:
    """Service worker for the knock-up sheet: caches the shell and its modules, never the round data."""
    rounds = reverse("gotv:knockup_home") + "rounds/"
    return service_worker_response(
        name="Knock-up sheet",
        cache="gs-knockup-v1",  # knockup.js adds the open round's page to this cache
        shell=[
            static("css/groundswell.css"),
            static("gotv/knockup.js"),
            static("gotv/knockup-store.js"),
            static("js/offline-queue.js"),
            static("canvassing/dom.js"),
        ],
        pages="^" + re.escape(rounds) + r"\d+/$",
        allowed=reverse("gotv:knockup_home"),
    )


@require_GET
@never_cache
@audited_json_view
def knockup_round_data(request: HttpRequest, round_pk: int) -> HttpResponse:
    knock_round = _round(request, round_pk)
    payload = knockup.round_payload(knock_round)
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=knock_round,
        unit=knock_round.committee_room.polling_day.unit,
        detail={"what": "knock-up sheet data", "electors": len(payload["electors"])},
    )
    return JsonResponse(payload)


@require_POST
@never_cache
@audited_json_view
def knockup_sync(request: HttpRequest) -> HttpResponse:
    """Store queued knock-up results: {"items": [{client_id, round_id, elector_id, outcome, notes?}, …]}.

    Per-item status: created, duplicate (already stored), error (with `field`), unknown_elector (not on that
    round), forbidden (a round of a room the user does not work from). One bad item never costs the others.
    """
    try:
        items = read_items(request.body, max_items=MAX_ITEMS)
    except BadBatch as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)

    results, by_round = group_items(items, "round_id")
    for round_id, indexes in by_round.items():
        knock_round = (
            KnockUpRound.objects.select_related("committee_room__polling_day__unit").filter(pk=round_id or 0).first()
        )
        if knock_round is None or not assignments.can_work_room(request.user, knock_round.committee_room):
            for i in indexes:
                results[i] = {
                    "client_id": client_id_of(items[i]),
                    "status": "forbidden",
                    "error": "This round is for another committee room's volunteers",
                    "field": "round_id",
                }
            continue
        on_round = set(KnockUpItem.objects.filter(round=knock_round).values_list("elector_id", flat=True))
        counts: Counter[str] = Counter()
        for i in indexes:
            results[i] = _sync_item(request, items[i], knock_round, on_round)
            counts[results[i]["status"]] += 1
        record(
            AuditEntry.Action.CREATED,
            request=request,
            obj=knock_round,
            unit=knock_round.committee_room.polling_day.unit,
            detail={"what": "knock-up results synced", **counts},
        )
    forbidden = bool(items) and all(r is not None and r["status"] == "forbidden" for r in results)
    if forbidden:
        record(AuditEntry.Action.DENIED, request=request, query=request.path)
    return JsonResponse({"results": results}, status=403 if forbidden else 200)


def _sync_item(request: HttpRequest, item: dict[str, Any], knock_round: KnockUpRound, on_round: set[int]) -> dict:
    result: dict[str, Any] = {"client_id": client_id_of(item)}
    try:
        client_id = client_id_field(item)
        outcome = text_field(item, "outcome", max_length=20)
        notes = text_field(item, "notes", max_length=300)
    except ItemError as exc:
        return result | {"status": "error", "error": exc.message, "field": exc.field}
    elector_id = parse_id(item.get("elector_id"))
    if elector_id is None or elector_id not in on_round:
        return result | {"status": "unknown_elector", "error": "No such elector on this round", "field": "elector_id"}
    elector = Elector.objects.get(pk=elector_id)
    try:
        stored, created = knockup.record_result(
            knock_round.committee_room,
            elector,
            outcome,
            client_id=client_id,
            user=request.user,
            round=knock_round,
            notes=notes,
        )
    except ValidationError as exc:
        return result | {"status": "error", "error": " ".join(exc.messages)}
    return result | {"status": "created" if created else "duplicate", "result_id": stored.pk, "elector_id": elector_id}
