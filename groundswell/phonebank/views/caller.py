"""The caller's side: join a session by its link, then the call page and its small JSON API.

The API authenticates with the page's signed seat token (header `X-Caller-Seat`), not the login cookie:
it is the hot path, and a custom header cannot be sent cross-site, so CSRF does not apply to it.
Rules live in services.py; these views only parse and answer.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.people.normalise import InvalidValue, normalise_phone
from groundswell.questions.services import question_payload

from .. import seats, selectors, services, telephony
from ..models import Outcome, PhonebankSession, SessionCaller

MAX_BODY = 64 * 1024


@login_required
def my_calling(request: HttpRequest) -> HttpResponse:
    """A caller's own page: the sessions they have joined and those open to them, one click from calling."""
    return render(request, "phonebank/mine.html", selectors.sessions_for_caller(request.user))


def _open_session(token: str) -> PhonebankSession:
    return get_object_or_404(PhonebankSession.objects.select_related("campaign"), token=token)


@login_required
@never_cache
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The session link: the brief, and a button to start calling."""
    session = _open_session(token)
    if request.method == "POST" and session.active:
        phone = (request.POST.get("phone") or "").strip()
        seat = seats.join(session, request.user)
        if phone and phone != seat.phone:
            try:
                seat.phone = normalise_phone(phone)
                seat.save(update_fields=["phone"])
            except InvalidValue as exc:
                return render(request, "phonebank/join.html", {"session": session, "error": str(exc)}, status=400)
        return redirect("phonebank:call", token=token)
    return render(request, "phonebank/join.html", {"session": session, "bridging": telephony.get_backend().can_bridge})


@login_required
@never_cache
def call_page(request: HttpRequest, token: str) -> HttpResponse:
    session = _open_session(token)
    seat = SessionCaller.objects.filter(session=session, user=request.user).first()
    if seat is None:
        return redirect("phonebank:join", token=token)
    campaign = session.campaign
    config = {
        "seat": seats.issue(seat),
        "urls": {
            name: reverse(f"phonebank:api_{name}", args=[token])
            for name in ("next", "result", "skip", "tally", "bridge")
        },
        "introduction": campaign.question_set.introduction if campaign.question_set_id else "",
        "questions": _script(campaign),
        "outcomes": [{"value": v, "label": label} for v, label in Outcome.choices],
        "bridging": telephony.get_backend().can_bridge and bool(seat.phone),
    }
    return render(request, "phonebank/call.html", {"session": session, "campaign": campaign, "config": config})


def _script(campaign: Any) -> list[dict[str, Any]]:
    if not campaign.question_set_id:
        return []
    payload = question_payload(campaign.question_set)
    branches = {q.key: q.branches for q in campaign.question_set.questions.all()}
    for q in payload:
        q["branches"] = branches.get(q["key"]) or {}
    return payload


# ------------------------------------------------------------------------------------------ the JSON API


BUSY = {"detail": "The server is busy; your result is kept and will be resent."}

# What an API handler returns: a JSON object (200), or a status and one.
Answer = dict[str, Any] | tuple[int, dict[str, Any]]
Handler = Callable[[seats.Seat, PhonebankSession, dict[str, Any]], Answer]


def serve(handler: Handler, token: str, seat_token: str | None, method: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """One caller API request, whichever way it arrived (a Django view below, or the lean WSGI path in
    groundswell/core/fastpath.py): the seat checked by its signed token, the body read, the handler run, and every
    refusal answered as JSON with its status (a database error is a 503: the page keeps the result and resends it
    with the same client id; nothing is half-stored)."""
    try:
        seat, session = seats.check(seat_token, token)
    except seats.BadSeat as exc:
        return 401, {"detail": str(exc)}
    except DatabaseError:
        return 503, BUSY
    try:
        body: dict[str, Any] = {}
        if method == "POST" and raw:
            if len(raw) > MAX_BODY:
                return 413, {"detail": "Request too large."}
            body = _json_object(raw)
        answer = handler(seat, session, body)
    except BadBody as exc:
        return 400, {"detail": str(exc)}
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return 400, {"errors": {k: " ".join(v) for k, v in errors.items()}}
    except DatabaseError:
        return 503, BUSY
    return answer if isinstance(answer, tuple) else (200, answer)


def _seat_api(handler: Handler) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(handler)
    def view(request: HttpRequest, token: str) -> HttpResponse:
        status, payload = serve(handler, token, request.headers.get("X-Caller-Seat"), request.method, request.body)
        return JsonResponse(payload, status=status)

    return view


def _call_json(card: services.ContactCard | services.NoCall | None) -> dict[str, Any]:
    if isinstance(card, services.ContactCard):
        return {"call": card.as_json()}
    if isinstance(card, services.NoCall):
        return {"call": None, "none": card.as_json()}
    return {"call": None}


# ------------------------------------------------------------------------------------------ reading bodies
#
# Everything a caller's page sends is checked here before any service sees it, so that crafted JSON gets a 400
# naming the field rather than a 500 (a 10**30 id overflows the database's integers; a NUL or a lone surrogate
# cannot be stored as text; NaN is not JSON to PostgreSQL) or a 503 (a DataError looks like a busy database).

MAX_DEPTH = 8  # answers are an object of lists at most; deeper is never from the page
BIGINT = 2**63 - 1
INT = 2**31 - 1


class BadBody(Exception):
    """The body as a whole is unusable (not JSON, not an object): there is no field to name."""


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is too large")
    return value


def _json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object of plain, storable values; BadBody, or ValidationError naming the
    field."""
    try:
        body = json.loads(raw, parse_constant=_not_json_constant, parse_float=_finite)
    except RecursionError:
        raise BadBody("The request body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBody(f"The request body is not JSON ({exc}).") from None
    if not isinstance(body, dict):
        raise BadBody("The request body must be a JSON object.")
    # Iterative, so a deep body cannot exhaust the stack here either.
    stack: list[tuple[str, Any, int]] = [(key, value, 1) for key, value in body.items()]
    stack += [(key, key, 1) for key in body]
    while stack:
        field, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError({field: f"'{field}' is nested too deeply."})
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationError({field: f"'{field}' contains a NUL character."})
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationError({field: f"'{field}' contains an invalid character (a lone surrogate)."}) from None
        elif isinstance(value, dict):
            stack += [(field, v, depth + 1) for v in value.values()]
            stack += [(field, k, depth + 1) for k in value]
        elif isinstance(value, list):
            stack += [(field, v, depth + 1) for v in value]
    return body


def _int(body: dict[str, Any], key: str, high: int = BIGINT) -> int:
    """A JSON whole number from 0 to `high` (not a string, float or true/false: the page sends numbers)."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({key: f"'{key}' must be a whole number."})
    if not 0 <= value <= high:
        raise ValidationError({key: f"'{key}' is out of range."})
    return value


def _text(body: dict[str, Any], key: str, max_length: int) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({key: f"'{key}' must be text."})
    if len(value) > max_length:
        raise ValidationError({key: f"'{key}' is longer than {max_length} characters."})
    return value


def _callback_at(body: dict[str, Any]) -> datetime.datetime | None:
    value = body.get("callback_at")
    if value in (None, ""):
        return None
    message = "Give the call-back time as an ISO date and time within the next year."
    if not isinstance(value, str):
        raise ValidationError({"callback_at": message})
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but not a date (month 13)
        parsed = None
    if parsed is None:
        raise ValidationError({"callback_at": message})
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    # Bounded, so that a year-1 or year-9999 time cannot overflow on its way to UTC or the database.
    now = timezone.now()
    try:
        in_range = now - datetime.timedelta(days=1) <= parsed <= now + datetime.timedelta(days=366)
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValidationError({"callback_at": message})
    return parsed


def next_payload(seat: seats.Seat, session: PhonebankSession, body: dict) -> Answer:
    return _call_json(services.next_call(session, seat.user_id))


def result_payload(seat: seats.Seat, session: PhonebankSession, body: dict) -> Answer:
    answers = body.get("answers") or {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Answers must be an object of question key to answer."})
    result = services.submit_result(
        session,
        services.CallerRef(seat.user_id),
        client_id=_text(body, "client_id", 64),
        target_id=_int(body, "target"),
        lease_seq=_int(body, "lease", INT),
        outcome=_text(body, "outcome", 20),
        answers=answers,
        notes=_text(body, "notes", MAX_BODY),  # the service keeps the first 2,000 characters
        callback_at=_callback_at(body),
    )
    return {"stored": True, "duplicate": not result.created, "applied": result.applied, **_call_json(result.next)}


def skip_payload(seat: seats.Seat, session: PhonebankSession, body: dict) -> Answer:
    card = services.skip_call(
        session, services.CallerRef(seat.user_id), target_id=_int(body, "target"), lease_seq=_int(body, "lease", INT)
    )
    return _call_json(card)


def tally_payload(seat: seats.Seat, session: PhonebankSession, body: dict) -> Answer:
    return {"mine": selectors.caller_tally(session, seat.user_id), "team": selectors.leaderboard(session)}


def bridge_payload(seat: seats.Seat, session: PhonebankSession, body: dict) -> Answer:
    """Ring the caller's phone and connect it to the contact they currently hold (numbers stay hidden)."""
    backend = telephony.get_backend()
    if not backend.can_bridge:
        return 404, {"detail": "This phonebank dials from your own phone."}
    target_id, lease_seq = _int(body, "target"), _int(body, "lease", INT)
    caller_phone = SessionCaller.objects.filter(pk=seat.seat_id).values_list("phone", flat=True).first()
    if not caller_phone:
        raise ValidationError({"phone": "Add your phone number when joining to use bridged calls."})
    number = services.leased_number(session.campaign, seat.user_id, target_id, lease_seq)
    if number is None:
        return 409, {"detail": "That call is no longer yours: press Next call."}
    bridge = backend.bridge(caller_phone, number, reference=f"pb{session.pk}-t{target_id}")
    return {"bridge": bridge.bridge_id, "status": bridge.status}


# The hot pair (next, and result + next) also have a lean path beside Django: groundswell/core/fastpath.py.
LEAN_HANDLERS: dict[str, Handler] = {"next": next_payload, "result": result_payload}

api_next = require_POST(_seat_api(next_payload))
api_result = require_POST(_seat_api(result_payload))
api_skip = require_POST(_seat_api(skip_payload))
api_tally = require_http_methods(["GET"])(_seat_api(tally_payload))
api_bridge = require_POST(_seat_api(bridge_payload))
