"""Event pages. Public (no login): the map and list, an event's page with its RSVP form, iCal files, JSON/GeoJSON/
iCal feeds, the embeddable widget and 'near me'. Signed in: proposing events, moderation, a host's attendees,
messages, check-in at the door, meetup follow-ups and invitations. Thin: rules live in services/selectors."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.canvassing.models import CanvassCampaign
from groundswell.people.models import OrganisationUnit, Person
from groundswell.phonebank.models import CallCampaign, PhonebankSession
from groundswell.targeting import services as targeting
from groundswell.targeting.nearest import nearest_targets
from groundswell.web import int_or_none

from . import ical, pages, reach, selectors
from .forms import EventForm, FollowUpForm, InviteForm, MessageForm, RSVPForm, WalkInForm
from .models import RSVP, Event
from .services import lifecycle, meetups, rsvps

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MANAGE = access.Perm.MANAGE_EVENTS


def _tile_url() -> str:
    """Map tiles: the GROUNDSWELL_TILE_URL setting or environment variable, else OpenStreetMap's."""
    return getattr(settings, "GROUNDSWELL_TILE_URL", "") or os.environ.get("GROUNDSWELL_TILE_URL") or DEFAULT_TILE_URL


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


# ------------------------------------------------------------------------------------------ public


def _search(request: HttpRequest) -> tuple[selectors.SearchResult | None, dict[str, list[str]]]:
    try:
        params = selectors.parse_search(request.GET)
    except ValidationError as exc:
        return None, exc.message_dict
    return selectors.search_events(params), {}


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    result, errors = _search(request)
    query = request.GET.urlencode()
    return render(
        request,
        "events/map.html",
        {
            "result": result,
            "errors": errors,
            "query": query,
            "kinds": Event.Kind.choices,
            "chosen_kinds": request.GET.getlist("kind"),
            "tile_url": _tile_url(),
            "geojson_url": reverse("events:feed_geojson") + (f"?{query}" if query else ""),
            "ics_url": reverse("events:feed_ics") + (f"?{query}" if query else ""),
            "json_url": reverse("events:feed_json") + (f"?{query}" if query else ""),
        },
    )


def _feed_error(errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


@require_GET
def feed_json(request: HttpRequest) -> HttpResponse:
    try:
        params = selectors.parse_search(request.GET)
    except ValidationError as exc:
        return _feed_error(exc.message_dict)
    return HttpResponse(
        selectors.feed_json_text(params),
        content_type="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


@require_GET
def feed_geojson(request: HttpRequest) -> HttpResponse:
    result, errors = _search(request)
    if result is None:
        return _feed_error(errors)
    return JsonResponse(
        selectors.as_geojson(result.events),
        content_type="application/geo+json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


@require_GET
def feed_ics(request: HttpRequest) -> HttpResponse:
    result, errors = _search(request)
    if result is None:
        return _feed_error(errors)
    events = Event.objects.in_bulk([r["id"] for r in result.events])
    pairs = [(events[r["id"]], request.build_absolute_uri(r["url"])) for r in result.events if r["id"] in events]
    return HttpResponse(ical.calendar(pairs), content_type="text/calendar; charset=utf-8")


def _viewable(request: HttpRequest, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("unit"), pk=pk)
    if not selectors.can_view(request.user, event, request.GET.get("k", "")):
        # 404, not 403: an invite-only event's existence is not advertised.
        raise Http404("No such event")
    return event


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _viewable(request, pk)
    form = RSVPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = rsvps.rsvp(
                event,
                given_name=d["given_name"],
                family_name=d["family_name"],
                email=d["email"],
                phone=d["phone"],
                postcode=d["postcode"],
                consents={"email": d["consent_email"], "sms": d["consent_sms"]},
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("events:rsvp_status", token=result.rsvp.token)
    share = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    if event.visibility != Event.Visibility.PUBLIC:
        share += f"?k={event.token}"
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "form": form,
            "share_url": share,
            "places_left": selectors.places_left(event),
            "tile_url": _tile_url(),
            "open": event.status == Event.Status.PUBLISHED and event.ends_at >= timezone.now(),
            "can_run": selectors.can_see_attendees(request.user, event),
            "token": request.GET.get("k", ""),
            "sections": pages.event_page_sections(request, event),
        },
    )


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = _viewable(request, pk)
    url = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    response = HttpResponse(
        ical.calendar([(event, url)], name=event.title), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def rsvp_status(request: HttpRequest, token: str) -> HttpResponse:
    booking = get_object_or_404(RSVP.objects.select_related("event", "person"), token=token)
    return render(request, "events/rsvp_status.html", {"rsvp": booking, "event": booking.event})


def rsvp_cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = get_object_or_404(RSVP.objects.select_related("event", "person"), token=token)
    if request.method == "POST":
        rsvps.cancel_rsvp(booking)
        messages.success(request, "Your place is cancelled. Thank you for letting us know.")
        return redirect("events:rsvp_status", token=token)
    return render(request, "events/rsvp_cancel.html", {"rsvp": booking, "event": booking.event})


@xframe_options_exempt
@require_GET
def widget(request: HttpRequest, code: str) -> HttpResponse:
    """A branch's upcoming public events, for an <iframe> on its own website (no site chrome)."""
    unit = get_object_or_404(OrganisationUnit, code=code)
    params = selectors.SearchParams(starts=timezone.now(), limit=20, unit_path=unit.path)
    result = selectors.search_events(params)
    return render(request, "events/widget.html", {"unit": unit, "events": result.events})


@require_GET
def near_me(request: HttpRequest) -> HttpResponse:
    """Events near a supporter's postcode and, where targeting has a projection, the nearest target seats."""
    postcode = request.GET.get("postcode", "").strip()
    context: dict[str, Any] = {"postcode": postcode, "tile_url": _tile_url()}
    if postcode:
        try:
            params = selectors.parse_search({"near": postcode, "radius": "15"})
        except ValidationError as exc:
            context["error"] = _messages(exc)
        else:
            context["result"] = selectors.search_events(params)
            context["seats"] = _nearest_seats(postcode)
    return render(request, "events/near_me.html", context)


def _nearest_seats(postcode: str) -> list[Any]:
    projection = targeting.latest_projection()
    if projection is None:
        return []
    try:
        return nearest_targets(postcode, projection, targeting.our_party(), limit=3)[1]
    except (LookupError, ValueError):
        return []


# ------------------------------------------------------------------------------------------ proposing


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    ids = list(access.units_for(request.user, access.Perm.VIEW_OWN_RECORD).values_list("pk", flat=True))
    ids += list(access.units_for(request.user, MANAGE).values_list("pk", flat=True))
    units = OrganisationUnit.objects.filter(pk__in=ids).order_by("path")
    if not units.exists():
        raise PermissionDenied("You need a role in a branch or constituency party to propose events.")
    form = EventForm(request.POST or None, units=units, initial={"visibility": Event.Visibility.PUBLIC})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = lifecycle.propose_event(request.user, d["unit"], **form.event_fields())
            if d.get("repeat"):
                lifecycle.make_recurring(event, d["repeat"], d["occurrences"], actor=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if event.status == Event.Status.PENDING:
                messages.info(request, "Thanks: your event is waiting for an organiser to approve it.")
            else:
                messages.success(request, "Your event is published.")
            return redirect("events:manage", pk=event.pk)
    return render(request, "events/propose.html", {"form": form})


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    access.require(request.user, MANAGE)
    return render(request, "events/moderation.html", {"events": selectors.moderation_queue(request.user)})


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    try:
        lifecycle.moderate(event, request.user, request.POST.get("decision") == "approve", request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(request, f"{event.title}: {event.get_status_display().lower()}.")
    return redirect("events:moderation")


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    when = request.GET.get("when") if request.GET.get("when") in selectors.EVENTS_I_RUN_WHEN else "upcoming"
    try:
        unit_id = int_or_none(request.GET.get("unit"))
    except ValidationError:
        unit_id = None  # a mangled link shows all my units rather than an error page
    text = request.GET.get("q", "")[:100]
    events = selectors.events_i_run(request.user, when, unit_id, text)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    pending = Event.objects.filter(proposed_by=request.user, status=Event.Status.PENDING)
    context = {
        "page": page,
        "events": page.object_list,
        "pending": pending,
        "moderator": access.has_perm(request.user, MANAGE),
        "when": when,
        "whens": selectors.EVENTS_I_RUN_WHEN,
        "unit_id": unit_id,
        "units": selectors.units_of_events_i_run(request.user),
        "q": text,
    }
    return render(request, "events/mine.html", context)


# ------------------------------------------------------------------------------------------ hosts


def _runnable(request: HttpRequest, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("unit"), pk=pk)
    if not selectors.can_see_attendees(request.user, event):
        raise PermissionDenied("Only this event's hosts and its unit's organisers can see its attendees.")
    return event


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    event = _runnable(request, pk)
    rows = list(selectors.attendees(event))
    record("searched", request=request, obj=event, query="event attendees", detail={"rows": len(rows)})
    message_form = MessageForm(request.POST or None)
    if request.method == "POST" and message_form.is_valid():
        try:
            sent = rsvps.message_attendees(
                event, message_form.cleaned_data["subject"], message_form.cleaned_data["body"], request.user
            )
        except ValidationError as exc:
            _form_errors(message_form, exc)
        else:
            messages.success(request, f"Message sent to {sent} {'person' if sent == 1 else 'people'}.")
            return redirect("events:manage", pk=pk)
    widget_url = request.build_absolute_uri(reverse("events:widget", args=[event.unit.code]))
    counts = selectors.counts(event)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "rows": rows,
            "counts": counts,
            "chart": _bars(counts),
            "message_form": message_form,
            "can_manage": selectors.can_manage(request.user, event),
            "widget_url": widget_url,
        },
    )


_BAR_COLOURS = {"going": "#1d6b33", "attended": "#2b5797", "waitlist": "#f0a202", "no_show": "#999999"}


def _bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    """One stacked bar: going, attended, waiting, did not come (labelled in the table beside it too)."""
    total = sum(counts[k] for k in _BAR_COLOURS) or 1
    bars, x = [], 0.0
    for key, colour in _BAR_COLOURS.items():
        w = 300 * counts[key] / total
        bars.append(
            {
                "x": round(x, 1),
                "w": round(w, 1),
                "colour": colour,
                "n": counts[key],
                "label": dict(RSVP.Status.choices)[key],
            }
        )
        x += w
    return bars


@login_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = _runnable(request, pk)
    try:
        if action == "close":
            n = rsvps.close_event(event, request.user)
            messages.success(request, f"Event closed: {n} marked as not coming.")
        elif action == "cancel":
            lifecycle.cancel_event(event, request.user)
            messages.success(request, "Event cancelled; everyone coming has been told.")
        elif action == "capacity":
            raw = request.POST.get("capacity", "").strip()
            try:
                capacity = int(raw) if raw else None
            except ValueError:
                raise ValidationError({"capacity": "Capacity must be a whole number."}) from None
            promoted = rsvps.set_capacity(event, capacity, request.user)
            messages.success(request, f"Capacity changed; {len(promoted)} moved off the waiting list.")
        else:
            raise Http404("Unknown action")
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return redirect("events:manage", pk=pk)


@login_required
def check_in_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = _runnable(request, pk)
    q = request.GET.get("q", "").strip()
    rows = selectors.find_attendees(event, q) if q else list(selectors.attendees(event)[:50])
    record("searched", request=request, obj=event, query=f"check-in search ({len(q)} chars)")
    context = {"event": event, "rows": rows, "q": q, "walk_in": WalkInForm(), "counts": selectors.counts(event)}
    if request.htmx:
        return render(request, "events/_checkin_rows.html", context)
    return render(request, "events/checkin.html", context)


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int, rsvp_pk: int) -> HttpResponse:
    event = _runnable(request, pk)
    booking = get_object_or_404(RSVP, pk=rsvp_pk, event=event)
    booking = rsvps.check_in(booking, request.user)
    if request.htmx:
        return render(request, "events/_checkin_row.html", {"r": booking, "event": event})
    messages.success(request, f"{booking.person.display_name} checked in.")
    return redirect("events:checkin", pk=pk)


@login_required
@require_POST
def walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    event = _runnable(request, pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            booking = rsvps.walk_in(event, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _messages(exc))
        else:
            messages.success(request, f"{booking.person.display_name} added and checked in.")
    else:
        messages.error(request, "Give at least the walk-in's first name.")
    return redirect("events:checkin", pk=pk)


# ------------------------------------------------------------------------------------------ meetups


@login_required
def meetup(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("unit"), pk=pk, kind=Event.Kind.MEETUP)
    if not selectors.can_see_attendees(request.user, event):
        raise PermissionDenied("Only the meetup's hosts and organisers can run its follow-ups.")
    units = event.unit.subtree().order_by("path")
    table = Person.objects.filter(event_rsvps__event=event).exclude(event_rsvps__status=RSVP.Status.CANCELLED)
    form = FollowUpForm(
        request.POST or None,
        units=units,
        call_campaigns=CallCampaign.objects.filter(access.within_units([event.unit])),
        canvass_campaigns=CanvassCampaign.objects.filter(access.within_units([event.unit])),
        people=table.distinct(),
        initial={
            "title": f"Follow-up from {event.title}",
            "day": event.starts_at.astimezone(selectors.LONDON).date(),
            "postcode": event.postcode,
            "venue_name": event.venue_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meetups.create_follow_up(
                event,
                unit=d["unit"],
                actor=request.user,
                group=d["group"],
                signups=d["people"],
                kind=d["kind"],
                title=d["title"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                venue_name=d["venue_name"],
                postcode=d["postcode"],
                call_campaign=d["call_campaign"],
                canvass_campaign=d["canvass_campaign"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Follow-up created and the people at your table signed up.")
            return redirect("events:meetup", pk=pk)
    return render(
        request, "events/meetup.html", {"event": event, "form": form, "outcomes": selectors.meetup_outcomes(event)}
    )


# ------------------------------------------------------------------------------------------ inviting nearby


@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("unit"), pk=pk)
    access.require(request.user, MANAGE, event.unit)
    form = InviteForm(request.POST or request.GET or None)
    count = None
    error = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            people = selectors.invite_candidates(
                event, request.user, d["radius_km"], d["channel"], d["not_contacted_days"]
            )
            count = people.count()
        except ValidationError as exc:
            error = _messages(exc)
        else:
            record(
                "searched",
                request=request,
                obj=event,
                query="invite preview",
                detail={"radius_km": d["radius_km"], "channel": d["channel"], "count": count},
            )
            if request.method == "POST":
                return _send_invite(request, event, people, d, count)

    invites = [(row, reach.invite_stats(row)) for row in event.invites.order_by("-created_at")]
    context = {
        "event": event,
        "form": form,
        "count": count,
        "error": error,
        "invites": invites,
    }
    if request.htmx:
        return render(request, "events/_invite_count.html", context)
    return render(request, "events/invite.html", context)


def _send_invite(request: HttpRequest, event: Event, people: Any, d: dict, count: int) -> HttpResponse:
    try:
        invite_row = reach.send_invite(
            event,
            people,
            request.user,
            **d,
            count=count,
            event_url=request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
        )
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(request, f"Invitation queued for {invite_row.recipients} people.")
    return redirect("events:invite", pk=event.pk)


@login_required
@require_POST
def publish_session(request: HttpRequest, session_pk: int) -> HttpResponse:
    """'Also put this phonebank session on the events map' (offered on the phonebank session page)."""
    session = get_object_or_404(PhonebankSession.objects.select_related("campaign__unit"), pk=session_pk)
    join_url = request.build_absolute_uri(reverse("phonebank:join", args=[session.token]))
    try:
        event = meetups.publish_phonebank_session(
            session,
            request.user,
            postcode=request.POST.get("postcode", "").strip(),
            join_url=join_url,
            visibility=request.POST.get("visibility") or Event.Visibility.MEMBERS,
        )
    except ValidationError as exc:
        messages.error(request, _messages(exc))
        return redirect("phonebank:session", pk=session.pk)
    messages.success(request, "The session is on the events map.")
    return redirect("events:manage", pk=event.pk)
