"""Reads about events: who may see what, the map search, feeds, a host's attendees, a meetup's results, the
people an organiser could invite, and upcoming events by constituency for the targeting pages.

Visibility rules (one place, `can_view`):
- public: everyone, signed in or not; the only kind on the map, in feeds and in widgets;
- members: anyone signed in holding a role (every member, volunteer and organiser);
- invite only: the share link (it carries the event's secret token), its hosts, and MANAGE_EVENTS at its unit.
Pending, rejected and cancelled events are seen only by their proposer, hosts and the unit's organisers
(a cancelled event's page stays up, marked cancelled, so links in calendars do not break).
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from shapely.geometry import shape

from groundswell.accounts import access
from groundswell.canvassing.models import Contact
from groundswell.geography.lookup import lookup_point
from groundswell.geography.models import ConstituencyOverlap, Postcode, Ward
from groundswell.geography.postcodes import InvalidPostcode, normalise_postcode
from groundswell.geography.selectors import constituencies, current_boundary_set
from groundswell.messaging.services import last_contacted
from groundswell.people.models import OrganisationUnit, Person, TimelineEntry
from groundswell.people.selectors import contactable
from groundswell.phonebank.models import CallAttempt

from . import geo
from .models import RSVP, Event

LONDON = ZoneInfo("Europe/London")
MANAGE = access.Perm.MANAGE_EVENTS
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 200.0
MAX_RESULTS = 200
MAX_LENGTH = datetime.timedelta(days=7)
SEARCH_FIELDS = (
    "id",
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "venue_name",
    "postcode",
    "latitude",
    "longitude",
    "capacity",
)
KIND_LABELS = dict(Event.Kind.choices)


# ------------------------------------------------------------------------------------------ who sees what


def is_host(user: Any, event: Event) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and event.hosts.filter(pk=user.pk).exists()


def can_manage(user: Any, event: Event) -> bool:
    return access.has_perm(user, MANAGE, event.unit)


def can_see_attendees(user: Any, event: Event) -> bool:
    """Hosts see their own events' attendees; organisers (MANAGE_EVENTS) any event's in their units."""
    return can_manage(user, event) or is_host(user, event)


def _is_member(user: Any) -> bool:
    return bool(access.roles_of(user))


def can_view(user: Any, event: Event, token: str = "") -> bool:
    if event.status not in (Event.Status.PUBLISHED, Event.Status.CANCELLED):
        return can_see_attendees(user, event) or (
            getattr(user, "is_authenticated", False) and event.proposed_by_id == user.pk
        )
    if event.visibility == Event.Visibility.PUBLIC:
        return True
    if event.visibility == Event.Visibility.MEMBERS:
        return _is_member(user) or (bool(token) and token == event.token)
    return (bool(token) and token == event.token) or can_see_attendees(user, event)


def visible_events(user: Any) -> QuerySet[Event]:
    """Published events this user may see in lists (invite-only ones only where they host or manage)."""
    qs = Event.objects.filter(status=Event.Status.PUBLISHED)
    allowed = Q(visibility=Event.Visibility.PUBLIC)
    if _is_member(user):
        allowed |= Q(visibility=Event.Visibility.MEMBERS)
        allowed |= Q(hosts=user)
        allowed |= access.within_units(access.unit_paths_with(user, MANAGE))
    return qs.filter(allowed).distinct()


def managed_events(user: Any) -> QuerySet[Event]:
    """Events this user runs: hosted by them, or in units where they hold MANAGE_EVENTS."""
    q = Q(hosts=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    q |= access.within_units(access.unit_paths_with(user, MANAGE))
    return Event.objects.filter(q).distinct()


EVENTS_I_RUN_WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All dates"}


def events_i_run(user: Any, when: str = "upcoming", unit_id: int | None = None, text: str = "") -> QuerySet[Event]:
    """ "Events I run", narrowed by date (upcoming, past or all), by unit (and the units below it) and by title.
    Upcoming events soonest first; past ones most recent first, so last week's meetup is at the top."""
    now = timezone.now()
    events = managed_events(user).select_related("unit")
    if when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    elif when == "all":
        events = events.order_by("-starts_at", "-id")
    else:
        events = events.filter(ends_at__gte=now).order_by("starts_at", "id")
    if unit_id is not None:
        unit = OrganisationUnit.objects.filter(pk=unit_id).first()
        events = events.filter(access.within_units([unit], "unit__path")) if unit else events.none()
    if text.strip():
        events = events.filter(title__icontains=text.strip())
    return events


def units_of_events_i_run(user: Any) -> QuerySet[OrganisationUnit]:
    """The units the user's events belong to, for the filter's choice by name."""
    return OrganisationUnit.objects.filter(pk__in=managed_events(user).values("unit_id")).order_by("path")


def moderation_queue(user: Any) -> QuerySet[Event]:
    events = access.scope(Event.objects.filter(status=Event.Status.PENDING), user, MANAGE)
    return events.select_related("unit", "proposed_by")


# ------------------------------------------------------------------------------------------ search


@dataclass
class Centre:
    lat: float
    lon: float
    label: str


@dataclass
class SearchParams:
    centre: Centre | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    kinds: list[str] = field(default_factory=list)
    starts: datetime.datetime | None = None  # events still running at or after this
    ends: datetime.datetime | None = None  # events starting before this
    limit: int = 100
    unit_path: str = ""


_place_cache: dict[str, Centre | None] = {}


def _area_centre(areas: QuerySet, text: str) -> Centre | None:
    qs = areas.exclude(geometry="")
    row = (
        qs.filter(name__iexact=text).first()
        or qs.filter(name__istartswith=text).order_by("name").first()
        or qs.filter(name__icontains=text).order_by("name").first()
    )
    if row is None:
        return None
    point = shapely.point_on_surface(shape(json.loads(row.simplified or row.geometry)))
    return Centre(point.y, point.x, row.name)


def resolve_place(text: str) -> Centre:
    """A postcode, or a place name matched against constituency then ward names (there is no gazetteer in the
    shared data, so 'Reading' finds Reading East; a point inside the area stands for it)."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"near": "Give a postcode or a place."})
    try:
        postcode = normalise_postcode(text)
    except InvalidPostcode:
        postcode = None
    if postcode is not None:
        # The postcode table straight (one indexed read): the map search needs only the point, not the areas.
        row = Postcode.objects.filter(postcode=postcode).values_list("latitude", "longitude").first()
        if row is None:
            raise ValidationError({"near": f"{postcode} is not a postcode we know."})
        if row[0] is None:
            raise ValidationError({"near": f"{postcode} has no location in the postcode table."})
        return Centre(row[0], row[1], postcode)
    key = text.lower()
    if key not in _place_cache:
        if len(_place_cache) > 2000:
            _place_cache.clear()
        # Events are new work: a place name is matched against the current set's seats.
        _place_cache[key] = _area_centre(constituencies(), text) or _area_centre(Ward.objects.all(), text)
    centre = _place_cache[key]
    if centre is None:
        raise ValidationError({"near": f"No postcode, constituency or ward called {text!r}."})
    return centre


def local_day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a UK calendar day (23, 24 or 25 hours long around the clock changes)."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=LONDON)


def this_weekend(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """Saturday 00:00 to Monday 00:00, UK time; on a Saturday or Sunday, the weekend under way."""
    today = (now or timezone.now()).astimezone(LONDON).date()
    saturday = (
        today + datetime.timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() < 5
        else (today - datetime.timedelta(days=today.weekday() - 5))
    )
    return local_day_start(saturday), local_day_start(saturday + datetime.timedelta(days=2))


def _date(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"{value!r} is not a date (use YYYY-MM-DD)."}) from None


def parse_search(data: Any, now: datetime.datetime | None = None) -> SearchParams:
    """Search parameters from a query string: near (postcode or place) or lat+lng, radius (km), kind (repeatable),
    from/to (dates, UK calendar days, inclusive), weekend=1. Raises ValidationError naming the field."""
    params = SearchParams()
    errors: dict[str, list[str]] = {}
    try:
        if data.get("lat") and data.get("lng"):
            lat, lon = float(data["lat"]), float(data["lng"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            params.centre = Centre(lat, lon, f"{lat:.4f}, {lon:.4f}")
        elif (data.get("near") or "").strip():
            params.centre = resolve_place(data["near"])
    except ValueError:
        errors["near"] = ["lat and lng must be a latitude and longitude in degrees."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    radius = data.get("radius") or ""
    if radius:
        try:
            params.radius_km = float(radius)
            if not 0 < params.radius_km <= MAX_RADIUS_KM:
                raise ValueError
        except ValueError:
            errors["radius"] = [f"Radius must be a number of km between 1 and {MAX_RADIUS_KM:g}."]
    kinds = data.getlist("kind") if hasattr(data, "getlist") else data.get("kind") or []
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k]
    bad = [k for k in kinds if k not in Event.Kind.values]
    if bad:
        errors["kind"] = [f"Unknown event type {bad[0]!r}."]
    params.kinds = kinds
    now = now or timezone.now()
    params.starts = now
    try:
        if data.get("weekend"):
            params.starts, params.ends = this_weekend(now)
            params.starts = max(params.starts, now)
        else:
            day_from, day_to = _date(data.get("from", ""), "from"), _date(data.get("to", ""), "to")
            if day_from:
                params.starts = max(local_day_start(day_from), now)
            if day_to:
                params.ends = local_day_start(day_to + datetime.timedelta(days=1))
            if day_from and day_to and day_to < day_from:
                errors["to"] = ["The end date is before the start date."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        params.limit = max(1, min(MAX_RESULTS, int(data.get("limit") or params.limit)))
    except ValueError:
        errors["limit"] = ["limit must be a whole number."]
    if errors:
        raise ValidationError(errors)
    return params


@dataclass
class SearchResult:
    events: list[dict]
    total: int  # events listed (at most the limit)
    params: SearchParams
    more: bool = False  # more matched than the limit (counting them all is work nobody reads)


def search_events(params: SearchParams) -> SearchResult:
    """Public, published events matching the search, soonest first, each with its distance when there is a centre.

    Radius search: the grid cells of the radius's bounding box plus the box itself narrow the rows in SQL (one
    index range per cell), then the exact great-circle distance decides. The date range is applied in SQL.
    """
    qs = Event.objects.filter(status=Event.Status.PUBLISHED, visibility=Event.Visibility.PUBLIC)
    if params.starts is not None:
        # Events last at most MAX_LENGTH, so the lower bound on starts_at lets the (cell, starts_at) index skip
        # the past instead of reading it.
        qs = qs.filter(ends_at__gte=params.starts, starts_at__gte=params.starts - MAX_LENGTH)
    if params.ends is not None:
        qs = qs.filter(starts_at__lt=params.ends)
    if params.kinds:
        qs = qs.filter(kind__in=params.kinds)
    if params.unit_path:
        qs = qs.filter(access.within_units([params.unit_path]))
    centre = params.centre
    if centre is None:
        rows = list(qs.order_by("starts_at", "id").values(*SEARCH_FIELDS)[: params.limit + 1])
        return SearchResult(
            [_row(r, None) for r in rows[: params.limit]],
            min(len(rows), params.limit),
            params,
            more=len(rows) > params.limit,
        )
    min_lat, min_lon, max_lat, max_lon = geo.bounding_box(centre.lat, centre.lon, params.radius_km)
    cells = geo.cells_for_box(min_lat, min_lon, max_lat, max_lon)
    if cells is not None:
        qs = qs.filter(grid_cell__in=cells)
    box = (min_lat, min_lon, max_lat, max_lon)
    if _fast_path_cells(params) is not None:
        rows = _soonest_per_cell(params, cells, box)
    else:
        qs = qs.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))
        # The exact distance in SQL, so only the soonest `limit` rows come back to Python.
        qs = qs.annotate(km=geo.haversine_sql(centre.lat, centre.lon)).filter(km__lte=params.radius_km)
        rows = list(qs.order_by("starts_at", "id").values(*SEARCH_FIELDS, "km")[: params.limit + 1])
    listed = [_row(r, r["km"]) for r in rows[: params.limit]]
    return SearchResult(listed, len(listed), params, more=len(rows) > params.limit)


# The hot path of the public map, written out so Django does not compile it on every request (it costs more
# than the query). It must filter exactly as search_events' ORM path does; a PostgreSQL test compares the two.
_HAVERSINE = (
    "(%(two_r)s * asin(sqrt(power(sin((radians(latitude) - %(p1)s) / 2), 2)"
    " + %(cos_p1)s * cos(radians(latitude)) * power(sin((radians(longitude) - %(l1)s) / 2), 2))))"
)
_SOONEST_SQL = (
    "SELECT ev.id, ev.title, ev.kind, ev.starts_at, ev.ends_at, ev.venue_name, ev.postcode, ev.latitude,"
    " ev.longitude, ev.capacity, top.km FROM ("
    " SELECT e.id, e.starts_at, e.km FROM unnest(%(cells)s::integer[]) AS c(cell) CROSS JOIN LATERAL ("
    " SELECT id, starts_at, " + _HAVERSINE + " AS km FROM events_event"
    " WHERE grid_cell = c.cell AND status = 'published' AND visibility = 'public'"
    " AND starts_at >= %(earliest)s AND ends_at >= %(starts)s {ends}{kinds}"
    " AND latitude BETWEEN %(min_lat)s AND %(max_lat)s AND longitude BETWEEN %(min_lon)s AND %(max_lon)s"
    " AND " + _HAVERSINE + " <= %(radius)s"
    " ORDER BY starts_at, id LIMIT %(limit)s"
    " ) AS e ORDER BY e.starts_at, e.id LIMIT %(limit)s"
    ") AS top JOIN events_event ev ON ev.id = top.id ORDER BY top.starts_at, top.id"
)
FAST_PATH = True


def _fast_path_cells(params: SearchParams) -> tuple[list[int], tuple[float, float, float, float]] | None:
    """(cells, box) when the search can take PostgreSQL's written-out path: a radius search from today on."""
    centre = params.centre
    if not (FAST_PATH and centre and connection.vendor == "postgresql" and params.starts and not params.unit_path):
        return None
    box = geo.bounding_box(centre.lat, centre.lon, params.radius_km)
    cells = geo.cells_for_box(*box)
    return (cells, box) if cells else None


def _soonest_per_cell(params: SearchParams, cells: list[int], box: tuple[float, float, float, float]) -> list[dict]:
    """PostgreSQL: the soonest events of each cell (an index range scan per cell that stops at the limit), merged.

    A dense city's box then costs `limit` rows per cell rather than every event in it.
    """
    sql, values = _soonest_query(params, cells, box)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        names = [col.name for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _soonest_query(
    params: SearchParams, cells: list[int], box: tuple[float, float, float, float]
) -> tuple[str, dict[str, Any]]:
    centre = params.centre
    assert centre is not None and params.starts is not None
    sql = _SOONEST_SQL.format(
        ends=" AND starts_at < %(ends)s" if params.ends is not None else "",
        kinds=" AND kind = ANY(%(kinds)s)" if params.kinds else "",
    )
    values = {
        "cells": cells,
        "two_r": 2 * geo.EARTH_KM,
        "p1": math.radians(centre.lat),
        "cos_p1": math.cos(math.radians(centre.lat)),
        "l1": math.radians(centre.lon),
        "earliest": params.starts - MAX_LENGTH,
        "starts": params.starts,
        "ends": params.ends,
        "kinds": list(params.kinds),
        "min_lat": box[0],
        "min_lon": box[1],
        "max_lat": box[2],
        "max_lon": box[3],
        "radius": params.radius_km,
        "limit": params.limit + 1,
    }
    return sql, values


# The JSON feed's hot path on PostgreSQL: the database writes the events' JSON itself, so no row, datetime or
# dict is built in Python (they cost more than the query). Times are UK time to the second with their offset,
# exactly as as_json writes them; a PostgreSQL test compares the two.
_UK_TIME = (
    "to_char({0} AT TIME ZONE 'Europe/London', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || to_char(({0} AT TIME ZONE 'Europe/London') - ({0} AT TIME ZONE 'UTC'), '\"+\"HH24:MI')"
)
_FEED_SQL = (
    "SELECT count(*), coalesce(json_agg(json_build_object("
    "'id', r.id, 'title', r.title, 'kind', r.kind, 'kind_label', %(labels)s::jsonb ->> r.kind,"
    " 'starts_at', " + _UK_TIME.format("r.starts_at") + ", 'ends_at', " + _UK_TIME.format("r.ends_at") + ","
    " 'venue', r.venue_name, 'postcode', r.postcode, 'lat', r.latitude, 'lng', r.longitude,"
    " 'km', round(r.km::numeric, 2), 'url', '/events/' || r.id || '/'"
    ") ORDER BY r.starts_at, r.id) FILTER (WHERE r.n <= %(shown)s), '[]'::json)::text"
    " FROM (SELECT s.*, row_number() OVER (ORDER BY s.starts_at, s.id) AS n FROM ({soonest}) AS s) AS r"
)


def feed_json_text(params: SearchParams) -> str:
    """The JSON feed's body: the search's envelope (count, more, centre, radius) and its events."""
    centre = params.centre
    envelope = {
        "count": 0,
        "more": False,
        "centre": {"lat": centre.lat, "lng": centre.lon, "label": centre.label} if centre else None,
        "radius_km": params.radius_km if centre else None,
    }
    fast = _fast_path_cells(params)
    if fast is None:
        result = search_events(params)
        envelope.update(count=result.total, more=result.more, events=[as_json(r) for r in result.events])
        return json.dumps(envelope, cls=DjangoJSONEncoder)
    cells, box = fast
    sql, values = _soonest_query(params, cells, box)
    values.update(labels=json.dumps(KIND_LABELS), shown=params.limit)
    with connection.cursor() as cursor:
        cursor.execute(_FEED_SQL.format(soonest=sql), values)
        found, events = cursor.fetchone()
    envelope.update(count=min(found, params.limit), more=found > params.limit)
    return json.dumps(envelope, cls=DjangoJSONEncoder)[:-1] + ', "events": ' + events + "}"


def _row(r: dict, km: float | None) -> dict:
    r["km"] = round(km, 2) if km is not None else None
    r["kind_label"] = KIND_LABELS.get(r["kind"], r["kind"])
    r["url"] = f"/events/{r['id']}/"
    return r


def as_json(row: dict) -> dict:
    """A search row as the JSON feed gives it (times in ISO 8601 with the UK offset)."""
    return {
        "id": row["id"],
        "title": row["title"],
        "kind": row["kind"],
        "kind_label": row["kind_label"],
        "starts_at": row["starts_at"].astimezone(LONDON).isoformat(timespec="seconds"),
        "ends_at": row["ends_at"].astimezone(LONDON).isoformat(timespec="seconds"),
        "venue": row["venue_name"],
        "postcode": row["postcode"],
        "lat": row["latitude"],
        "lng": row["longitude"],
        "km": row["km"],
        "url": row["url"],
    }


def as_geojson(rows: list[dict]) -> dict:
    features = []
    for row in rows:
        if row["latitude"] is None:
            continue
        props = as_json(row)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ------------------------------------------------------------------------------------------ other reads


def upcoming_public_events_by_constituency(
    codes: list[str], limit: int = 3, boundary_set: str | None = None
) -> dict[str, list[dict]]:
    """ONS code → its next `limit` public events ({"title", "starts_at", "url"}), for the targeting pages.

    `codes` name seats of `boundary_set` (default: the current set, the one events are stored in). Codes of the
    other set are answered by each candidate event's point: the events stored in the seats those codes overlap
    (ConstituencyOverlap) are placed in the asked set's seat containing them, so a 2010-set projection's seats
    still find the events inside their old boundaries."""
    out: dict[str, list[dict]] = {}
    if not codes:
        return out
    upcoming = Event.objects.filter(
        status=Event.Status.PUBLISHED, visibility=Event.Visibility.PUBLIC, ends_at__gte=timezone.now()
    ).order_by("starts_at", "id")
    if boundary_set is None or boundary_set == current_boundary_set():
        rows = upcoming.filter(constituency_code__in=codes).values("id", "title", "starts_at", "constituency_code")
        placed = ((r, r["constituency_code"]) for r in rows)
    else:
        placed = _events_placed_in(upcoming, codes, boundary_set)
    for r, code in placed:
        bucket = out.setdefault(code, [])
        if len(bucket) < limit:
            bucket.append({"title": r["title"], "starts_at": r["starts_at"], "url": f"/events/{r['id']}/"})
    return out


def _events_placed_in(upcoming: QuerySet[Event], codes: list[str], boundary_set: str) -> list[tuple[dict, str]]:
    """(event row, code) for the events inside the seats `codes` of `boundary_set`, found by point-in-polygon among
    the events stored under those codes or the codes of the seats they overlap."""
    wanted = {c.upper() for c in codes}
    overlaps = ConstituencyOverlap.objects.filter(
        Q(from_set=boundary_set, from_code__in=wanted) | Q(to_set=boundary_set, to_code__in=wanted)
    ).values_list("from_set", "from_code", "to_code")
    stored = set(wanted)
    for from_set, from_code, to_code in overlaps:
        stored.add(to_code if from_set == boundary_set else from_code)
    rows = upcoming.filter(constituency_code__in=stored, latitude__isnull=False, longitude__isnull=False).values(
        "id", "title", "starts_at", "latitude", "longitude"
    )
    out = []
    for r in rows:
        try:
            found = lookup_point(r["latitude"], r["longitude"])
        except (LookupError, ValueError):
            continue
        code = getattr(found, f"constituency_code_{boundary_set}", None)
        if code in wanted:
            out.append((r, code))
    return out


def counts(event: Event) -> dict[str, int]:
    by_status = dict(event.rsvps.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {s: by_status.get(s, 0) for s in RSVP.Status.values}


def places_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    c = counts(event)
    return max(0, event.capacity - c["going"] - c["attended"])


def attendees(event: Event) -> QuerySet[RSVP]:
    """Who is coming (or came), with only what a host needs: name and primary contact details."""
    return (
        event.rsvps.exclude(status=RSVP.Status.CANCELLED)
        .select_related("person")
        .prefetch_related("person__email_addresses", "person__phone_numbers")
        .order_by("person__given_name", "person__family_name", "id")
    )


def find_attendees(event: Event, text: str) -> list[RSVP]:
    """Check-in search: attendees whose name contains every word typed."""
    qs = attendees(event)
    for word in text.split():
        qs = qs.filter(Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word))
    return list(qs[:30])


@dataclass
class FollowUpSummary:
    event: Event
    going: int
    attended: int
    calls: int
    doors: int


def meetup_outcomes(meetup: Event) -> dict[str, Any]:
    """What a meetup produced: its follow-up events by group, people signed up, and calls made and doors knocked
    at them (calls: CallAttempts in the linked call campaign's sessions during the event; doors: doorstep
    contacts in the linked canvass campaign during the event)."""
    rows = []
    for ev in meetup.follow_ups.exclude(status=Event.Status.REJECTED).order_by("meetup_group", "starts_at"):
        c = counts(ev)
        calls = doors = 0
        if ev.call_campaign_id:
            attempts = CallAttempt.objects.filter(
                campaign_id=ev.call_campaign_id,
                session__isnull=False,
                submitted_at__gte=ev.starts_at,
                submitted_at__lte=ev.ends_at,
            )
            if ev.phonebank_session_id:
                attempts = attempts.filter(session_id=ev.phonebank_session_id)
            calls = attempts.count()
        if ev.canvass_campaign_id:
            doors = Contact.objects.filter(
                campaign_id=ev.canvass_campaign_id,
                method=Contact.Method.DOOR,
                occurred_at__gte=ev.starts_at,
                occurred_at__lte=ev.ends_at,
            ).count()
        rows.append(FollowUpSummary(ev, c["going"] + c["attended"], c["attended"], calls, doors))
    people_signed = (
        RSVP.objects.filter(event__meetup=meetup)
        .exclude(status=RSVP.Status.CANCELLED)
        .values("person")
        .distinct()
        .count()
    )
    groups: dict[str, list[FollowUpSummary]] = {}
    for row in rows:
        groups.setdefault(row.event.meetup_group or "Ungrouped", []).append(row)
    return {
        "groups": groups,
        "events": len(rows),
        "people": people_signed,
        "calls": sum(r.calls for r in rows),
        "doors": sum(r.doors for r in rows),
    }


def people_near(lat: float, lon: float, radius_km: float, queryset: QuerySet[Person]) -> list[int]:
    """Ids of people in `queryset` living within the radius (by their geocoded postcode)."""
    min_lat, min_lon, max_lat, max_lon = geo.bounding_box(lat, lon, radius_km)
    rows = queryset.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon)).values_list(
        "pk", "latitude", "longitude"
    )
    return [pk for pk, la, lo in rows if geo.haversine_km(lat, lon, la, lo) <= radius_km]


def invite_candidates(
    event: Event, user: Any, radius_km: float, channel: str = "email", not_contacted_days: int = 14
) -> QuerySet[Person]:
    """People an organiser may invite to `event`: in units they cover, living within the radius, contactable on
    the channel for promotion (consent granted, not suppressed), not already coming, and not contacted by email
    or text in the last N days (the messaging layer's record, and the timeline)."""
    if event.latitude is None:
        raise ValidationError("This event has no location, so there is nobody 'nearby' to invite.")
    if channel not in ("email", "sms"):
        raise ValidationError({"channel": "Invite by email or SMS."})
    if not 0 < radius_km <= 50:
        raise ValidationError({"radius_km": "Radius must be between 1 and 50 km."})
    base = access.people_for(user, MANAGE)
    ids = people_near(event.latitude, event.longitude, radius_km, base)
    qs = contactable(Person.objects.filter(pk__in=ids), channel)
    coming = RSVP.objects.filter(event=event, person=OuterRef("pk")).exclude(status=RSVP.Status.CANCELLED)
    qs = qs.exclude(Exists(coming))
    since = timezone.now() - datetime.timedelta(days=not_contacted_days)
    # Emails recorded on the timeline (hosts' messages, other apps' emails) count as contact too.
    touched = TimelineEntry.objects.filter(person=OuterRef("pk"), kind=TimelineEntry.Kind.EMAIL, occurred_at__gte=since)
    qs = qs.exclude(Exists(touched))
    qs = qs.exclude(pk__in=last_contacted(Person.objects.filter(pk__in=ids), since).values("pk"))
    return qs
