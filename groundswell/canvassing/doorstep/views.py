"""Doorstep app: the app shell, its service worker and manifest, and the JSON API (walks, one walk, sync).

Every walk fetch and every sync is audited. The API answers in JSON (never a login redirect) because the
caller is JavaScript that must tell "signed out" from "offline".
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

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
from groundswell.register.models import Elector

from .. import selectors
from ..models import Contact, DoorOutcome, Walk
from ..services import check_occurred_at, record_contact

MAX_ITEMS = 500  # one sync request; a queue longer than this is sent in several requests


@ensure_csrf_cookie
def app(request: HttpRequest) -> HttpResponse:
    """The app shell. It holds no personal data (that comes from the API), so the service worker may cache it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "canvassing/doorstep/app.html")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "canvassing/doorstep/sw.js", content_type="text/javascript")
    # Served from the app's own path, so its scope is the app; the header states that explicitly.
    response["Service-Worker-Allowed"] = reverse("canvassing:doorstep")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    start = reverse("canvassing:doorstep")
    data = {
        "name": "Groundswell doorstep",
        "short_name": "Doorstep",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#fafafa",
        "theme_color": "#b3003c",
        "icons": [
            {
                "src": reverse("canvassing:doorstep_icon"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any maskable",
            }
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@require_GET
def icon(request: HttpRequest) -> HttpResponse:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="#b3003c"/>'
        '<path d="M128 400V232l128-104 128 104v168H296V296h-80v104z" fill="#fff"/></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=86400"
    return response


@require_GET
@never_cache
@audited_json_view
def api_walks(request: HttpRequest) -> HttpResponse:
    walks = [
        {"id": w.pk, "name": w.name, "campaign": w.campaign.name, "doors": w.doors}
        for w in selectors.assigned_walks(request.user)
    ]
    return JsonResponse({"walks": walks})


@require_GET
@never_cache
@audited_json_view
def api_walk(request: HttpRequest, pk: int) -> HttpResponse:
    walk = get_object_or_404(Walk.objects.select_related("campaign__unit", "campaign__question_set"), pk=pk)
    # The doorstep app is the canvasser's tool: assignment and running campaign are required, even for
    # organisers (who have the organiser pages and keyboard entry).
    selectors.require_walk(request.user, walk, manage_ok=False)
    payload = selectors.walk_payload(walk)
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=walk,
        unit=walk.campaign.unit,
        detail={
            "what": "doorstep walk data",
            "doors": len(payload["doors"]),
            "electors": sum(len(d["electors"]) for d in payload["doors"]),
        },
    )
    return JsonResponse(payload)


def _occurred_at(item: dict[str, Any]) -> datetime.datetime | None:
    value = item.get("occurred_at")
    if value in (None, ""):
        return None
    text = text_field(item, "occurred_at", max_length=40)
    try:
        parsed = parse_datetime(text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        raise ItemError("occurred_at", "is not a date and time")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _likelihood(item: dict[str, Any]) -> Any:
    value = item.get("likelihood")
    if value in ("", None):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ItemError("likelihood", "must be a number from 0 to 10")
    return value


def _issues(item: dict[str, Any]) -> list[str]:
    value = item.get("issues")
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ItemError("issues", "must be a list of texts")
    return value


def _answers(item: dict[str, Any]) -> dict[str, Any] | None:
    value = item.get("answers")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ItemError("answers", "must be an object {question key: answer}")
    return value or None


# The built-in questions arrive in their own fields; the others are answers.<key>.
_BUILT_IN_FIELDS = {"support": "support_code", "likelihood": "likelihood", "previous_vote": "previous_vote"}


def _field_of(message: str) -> str:
    """The field a refusal from record_contact concerns, read from its message (which names it first)."""
    lowered = message.lower()
    for prefix, field in (
        ("unknown support code", "support_code"),
        ("likelihood", "likelihood"),
        ("outcome", "outcome"),
        ("client_id", "client_id"),
        ("occurred_at", "occurred_at"),
        ("the contact is dated", "occurred_at"),
        ("pass ", "answers"),
        ("unknown question", "answers"),
    ):
        if lowered.startswith(prefix):
            return field
    key = message.split(":", 1)[0] if ":" in message else ""
    if key and " " not in key:
        return _BUILT_IN_FIELDS.get(key, key if key in ("issues", "notes") else f"answers.{key}")
    return "elector_id"  # the elector's own state (left the register, another constituency)


def _sync_item(request: HttpRequest, item: dict[str, Any], walk: Walk) -> dict[str, Any]:
    result: dict[str, Any] = {"client_id": client_id_of(item)}
    try:
        client_id = client_id_field(item)
        method = text_field(item, "method", max_length=10) or Contact.Method.DOOR
        if method not in (Contact.Method.DOOR, Contact.Method.PAPER):
            raise ItemError("method", f"{method!r} is not allowed here")
        outcome = text_field(item, "outcome", max_length=20) or DoorOutcome.SPOKE
        if outcome not in DoorOutcome.values:
            raise ItemError("outcome", f"{outcome!r} is not a doorstep outcome")
        fields = {
            "outcome": outcome,
            "support_code": text_field(item, "support_code", max_length=10),
            "likelihood": _likelihood(item),
            "previous_vote": text_field(item, "previous_vote", max_length=20),
            "issues": _issues(item),
            "notes": text_field(item, "notes", max_length=2000),
            "answers": _answers(item),
        }
        occurred_at = _occurred_at(item)
        check_occurred_at(walk.campaign, occurred_at, method)
        elector_number = text_field(item, "elector_number", max_length=40)
    except ItemError as exc:
        return result | {"status": "error", "error": exc.message, "field": exc.field}
    except ValidationError as exc:
        return result | {"status": "error", "error": " ".join(exc.messages), "field": "occurred_at"}
    if item.get("elector_id"):
        # The phone's copy of the walk may predate a register update: an elector removed since is still on
        # this walk's doors, and what they said is kept (their history survives deletion).
        on_walk = Elector.objects.filter(household_id__in=walk.stops.values("household_id"))
        elector_id = parse_id(item["elector_id"])
        elector = on_walk.filter(pk=elector_id).first() if elector_id is not None else None
    else:
        elector = selectors.find_walk_elector(walk, elector_number)
    if elector is None:
        return result | {"status": "unknown_elector", "error": "No such elector on this walk", "field": "elector_id"}
    try:
        contact, created = record_contact(
            elector,
            campaign=walk.campaign,
            canvasser=request.user,
            method=method,
            client_id=client_id,
            occurred_at=occurred_at,
            walk=walk,
            recorded_offline=True,
            **fields,
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        return result | {"status": "error", "error": message, "field": _field_of(message)}
    return result | {
        "status": "created" if created else "duplicate",
        "contact_id": contact.pk,
        "elector_id": elector.pk,
        "elector_number": elector.elector_number,
    }


@require_POST
@never_cache
@audited_json_view
def api_sync(request: HttpRequest) -> HttpResponse:
    """Store queued results. Per-item status: created, duplicate (already stored), error, unknown_elector, forbidden;
    a refused item's answer has `error` (the reason) and `field` (what it concerns). Each item is stored or
    refused on its own: one bad item never costs the others.

    Clients drop items answered created/duplicate, keep network failures for retry, and show errors.
    """
    try:
        items = read_items(request.body, max_items=MAX_ITEMS)
    except BadBatch as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)

    results, by_walk = group_items(items, "walk_id")
    for walk_id, indexes in by_walk.items():
        walk = Walk.objects.select_related("campaign__unit", "campaign__question_set").filter(pk=walk_id or 0).first()
        how = ""
        if walk is not None:
            try:
                how = selectors.require_walk(request.user, walk)
            except PermissionDenied:
                how = ""
        if not how:
            for i in indexes:
                results[i] = {"client_id": client_id_of(items[i]), "status": "forbidden", "field": "walk_id"}
            continue
        counts: dict[str, int] = defaultdict(int)
        for i in indexes:
            results[i] = _sync_item(request, items[i], walk)
            counts[results[i]["status"]] += 1
        record(
            AuditEntry.Action.CREATED,
            request=request,
            obj=walk,
            unit=walk.campaign.unit,
            detail={"what": "canvass results synced", "as": how, **counts},
        )
    # 403 only when nothing was for a walk this user may work (the page then shows "not allowed").
    forbidden = bool(items) and all(r is not None and r["status"] == "forbidden" for r in results)
    return JsonResponse({"results": results}, status=403 if forbidden else 200)
