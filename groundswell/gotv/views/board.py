"""The live polling-day board, for the whole constituency and for one committee room, and its JSON refresh.

The constituency board is for those who run the day (MANAGE_POLLING_DAY at its unit). A committee room's board
is also open to that room's coordinator. The figures are aggregates (no elector is named), but they are still
the party's canvass data, so every view is audited; the JSON refresh (every 45 seconds) is audited on first
fetch and then at most every ten minutes per session and board, so the log records who watched without
an entry per poll.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

from .. import board as selectors
from .. import services
from ..assignments import can_manage
from ..models import CommitteeRoom, PollingDay
from .setup import day_links, managed_day, room_links

JSON_AUDIT_EVERY = 600  # seconds
REFRESH_SECONDS = 45


def can_see_room(user: Any, room: CommitteeRoom) -> bool:
    """Those who run the day, and the room's own coordinator (while they still hold a role under the day's unit)."""
    day = room.polling_day
    if can_manage(user, day):
        return True
    return (
        room.coordinator_id is not None
        and room.coordinator_id == getattr(user, "pk", None)
        and getattr(user, "is_active", False)
        and services.is_eligible_coordinator(user, day.unit)
    )


def _room(request: HttpRequest, pk: int) -> CommitteeRoom:
    room = get_object_or_404(
        CommitteeRoom.objects.select_related("polling_day__unit", "polling_day__constituency", "coordinator"), pk=pk
    )
    if not can_see_room(request.user, room):
        raise PermissionDenied("This is not your committee room.")
    return room


def _audit(request: HttpRequest, day: PollingDay, room: CommitteeRoom | None, page: str) -> None:
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=room or day,
        unit=day.unit,
        detail={"page": page, "polling_day": day.pk},
    )


def _audit_json(request: HttpRequest, day: PollingDay, room: CommitteeRoom | None) -> None:
    key = f"gotv-board-audit-{'room' if room else 'day'}-{(room or day).pk}"
    now = time.time()
    last = request.session.get(key)
    if last is None or now - float(last) >= JSON_AUDIT_EVERY:
        _audit(request, day, room, "board data")
        request.session[key] = now


def _context(board: selectors.Board, **extra: Any) -> dict[str, Any]:
    return {
        "b": board,
        "day": board.polling_day,
        "room": board.room,
        "method": selectors.METHOD,
        "refresh_seconds": REFRESH_SECONDS,
        **extra,
    }


def _payload(board: selectors.Board) -> dict[str, Any]:
    """The board as JSON, with the projection's wording rendered by the same templates as the page (plain text)."""
    data = board.as_dict()
    context = {"p": board.projection}
    data["projection_text"] = {
        "headline": render_to_string("gotv/board_projection_headline.html", context).strip(),
        "label": " ".join(render_to_string("gotv/board_projection_label.html", context).split()),
    }
    return data


@login_required
@never_cache
def day_board(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    data = selectors.day_board(day)
    _audit(request, day, None, "board")
    links = [(label, url) for label, url in day_links(day) if label != "Board"]
    return render(request, "gotv/board.html", _context(data, links=links))


@login_required
@never_cache
def day_board_json(request: HttpRequest, pk: int) -> JsonResponse:
    day = managed_day(request, pk)
    data = selectors.day_board(day)
    _audit_json(request, day, None)
    return JsonResponse(_payload(data))


@login_required
@never_cache
def room_board(request: HttpRequest, pk: int) -> HttpResponse:
    room = _room(request, pk)
    data = selectors.room_board(room)
    _audit(request, room.polling_day, room, "room board")
    manager = can_manage(request.user, room.polling_day)
    return render(
        request,
        "gotv/board.html",
        _context(
            data, links=[(label, url) for label, url in room_links(room) if label != "Room board"], manager=manager
        ),
    )


@login_required
@never_cache
def room_board_json(request: HttpRequest, pk: int) -> JsonResponse:
    room = _room(request, pk)
    data = selectors.room_board(room)
    _audit_json(request, room.polling_day, room)
    return JsonResponse(_payload(data))
