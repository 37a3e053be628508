"""Things that change an event itself: create, propose and moderate, repeat, cancel.

Every write is audited (labels carry ids, never names: the audit log outlives erasure). Errors a person can fix
are ValidationErrors keyed by the form field they concern; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.geography.lookup import PostcodeNotFound, lookup_point, lookup_postcode
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.people.models import OrganisationUnit
from groundswell.people.normalise import InvalidValue

from .. import geo, notify
from ..models import RSVP, Event, EventSeries

MANAGE = access.Perm.MANAGE_EVENTS
# Trust rule for volunteers' proposals: an organiser/coordinator of the unit (MANAGE_EVENTS there), or anyone
# whose own earlier proposals have been approved this many times, publishes straight away. Everyone else's
# proposals wait in the unit's moderation queue.
TRUSTED_AFTER_APPROVED = 2
DEFAULT_LENGTH = datetime.timedelta(hours=2)
MAX_LENGTH = datetime.timedelta(days=7)  # the map search relies on it (selectors.MAX_LENGTH)
EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "time_zone",
    "venue_name",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "online_url",
    "capacity",
    "accessibility",
    "visibility",
    "meetup",
    "meetup_group",
    "call_campaign",
    "phonebank_session",
    "canvass_campaign",
)


def local_datetime(day: datetime.date, time: datetime.time, tz_name: str = "Europe/London") -> datetime.datetime:
    """A wall-clock time in `tz_name` as an aware datetime.

    At the autumn clock change 01:30 happens twice; the first (BST) is meant, as people read "1:30" before the
    clocks go back. In spring 01:30 does not exist at all, which is an error rather than a silent shift.
    """
    tz = ZoneInfo(tz_name)
    naive = datetime.datetime.combine(day, time)
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise ValidationError(
            {"starts_at": f"{time:%H:%M} on {day:%d %B %Y} does not exist in the UK: the clocks go forward then."}
        )
    return aware


def _locate(fields: dict[str, Any]) -> None:
    """Geocode the postcode (or the given point) into lat/lon, the grid cell and the constituency."""
    postcode = (fields.get("postcode") or "").strip()
    if postcode:
        try:
            found = lookup_postcode(postcode)
        except (InvalidPostcode, InvalidValue) as exc:
            raise ValidationError({"postcode": f"{postcode!r} is not a UK postcode."}) from exc
        except PostcodeNotFound as exc:
            raise ValidationError({"postcode": f"{postcode.upper()} is not in the postcode table."}) from exc
        fields["postcode"] = found.postcode
        pinned = fields.get("latitude") is not None
        if not pinned and found.lat is not None:
            fields["latitude"], fields["longitude"] = found.lat, found.lon
        # A pinned point is more exact than a postcode's centre (which can lie over a boundary): its seat wins.
        fields["constituency_code"] = "" if pinned else found.constituency_code or ""
        postcode_seat = found.constituency_code or ""
    else:
        postcode_seat = ""
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if lat is not None and lon is not None:
        if not fields.get("constituency_code"):
            try:
                fields["constituency_code"] = lookup_point(lat, lon).constituency_code or ""
            except LookupError:
                fields["constituency_code"] = postcode_seat
        fields["grid_cell"] = geo.cell_of(lat, lon)
    else:
        fields["grid_cell"] = None


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown event fields: {', '.join(sorted(unknown))}")
    cleaned = dict(fields)
    errors: dict[str, str] = {}
    if not (cleaned.get("title") or "").strip():
        errors["title"] = "Give the event a title."
    if cleaned.get("kind") not in Event.Kind.values:
        errors["kind"] = "Choose the type of event."
    starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
    if starts is None:
        errors["starts_at"] = "Give the start date and time."
    elif timezone.is_naive(starts):
        raise ValueError("starts_at must be timezone-aware")
    else:
        ends = cleaned["ends_at"] = ends or starts + DEFAULT_LENGTH
        if ends < starts:
            errors["ends_at"] = "The event ends before it starts."
        elif ends - starts > MAX_LENGTH:
            errors["ends_at"] = "An event lasts at most 7 days (make a longer one a recurring event)."
    if cleaned.get("visibility", Event.Visibility.PUBLIC) not in Event.Visibility.values:
        errors["visibility"] = "Choose who can see the event."
    capacity = cleaned.get("capacity")
    if capacity is not None and capacity < 1:
        errors["capacity"] = "Capacity must be at least 1 (or blank for no limit)."
    online = cleaned.get("kind") == Event.Kind.ONLINE
    if online and not cleaned.get("online_url"):
        errors["online_url"] = "An online call needs its link."
    if not online and not (cleaned.get("postcode") or cleaned.get("latitude") is not None):
        errors["postcode"] = "Give the venue's postcode (or make it an online call)."
    if errors:
        raise ValidationError(errors)
    for name in ("title", "venue_name", "address", "description", "accessibility"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    _locate(cleaned)
    return cleaned


def is_trusted(user: Any, unit: OrganisationUnit) -> bool:
    """Does this user's proposal at `unit` publish without moderation? (See TRUSTED_AFTER_APPROVED.)"""
    if access.has_perm(user, MANAGE, unit):
        return True
    approved = Event.objects.filter(
        proposed_by=user, moderated_by__isnull=False, status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]
    )
    # A recurring series approved in one decision counts once.
    decisions = (
        approved.filter(series__isnull=True).count() + approved.exclude(series=None).values("series").distinct().count()
    )
    return decisions >= TRUSTED_AFTER_APPROVED


def may_propose(user: Any, unit: OrganisationUnit) -> bool:
    """Anyone holding a role at or above the unit may propose an event there (every role grants VIEW_OWN_RECORD)."""
    return access.has_perm(user, access.Perm.VIEW_OWN_RECORD, unit) or access.has_perm(user, MANAGE, unit)


def create_event(
    unit: OrganisationUnit,
    *,
    actor: Any = None,
    hosts: Iterable[Any] = (),
    status: str = Event.Status.PUBLISHED,
    proposed_by: Any = None,
    **fields: Any,
) -> Event:
    """Create an event (already decided to be published or pending). Raises ValidationError, writing nothing."""
    cleaned = _clean(fields)
    with transaction.atomic():
        event = Event.objects.create(unit=unit, status=status, proposed_by=proposed_by, **cleaned)
        host_list = [h for h in hosts if h is not None]
        if host_list:
            event.hosts.add(*host_list)
        record("created", actor=acting_user(actor), obj=event, detail={"status": status, "kind": event.kind})
    return event


def propose_event(user: Any, unit: OrganisationUnit, **fields: Any) -> Event:
    """A volunteer's (or organiser's) event: published at once if they are trusted, else queued for moderation."""
    if not may_propose(user, unit):
        raise access.PermissionDenied("You hold no role in this unit, so you cannot propose events for it.")
    status = Event.Status.PUBLISHED if is_trusted(user, unit) else Event.Status.PENDING
    return create_event(unit, actor=user, hosts=[user], status=status, proposed_by=user, **fields)


def moderate(event: Event, user: Any, approve: bool, note: str = "") -> Event:
    """Approve or reject a pending proposal. Only someone with MANAGE_EVENTS at the event's unit may."""
    access.require(user, MANAGE, event.unit)
    if event.status != Event.Status.PENDING:
        raise ValidationError(f"This event is not waiting for moderation (it is {event.get_status_display().lower()}).")
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why it is rejected: the proposer sees this."})
    status = Event.Status.PUBLISHED if approve else Event.Status.REJECTED
    with transaction.atomic():
        # A recurring proposal is one decision: the whole series' pending occurrences go with it.
        same = Event.objects.filter(series=event.series, status=Event.Status.PENDING) if event.series_id else None
        event.status = status
        event.moderated_by, event.moderated_at, event.moderation_note = user, timezone.now(), note.strip()[:300]
        event.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_note"])
        if same is not None:
            same.update(
                status=status, moderated_by=user, moderated_at=event.moderated_at, moderation_note=event.moderation_note
            )
        record("changed", actor=user, obj=event, detail={"moderation": status, "series": event.series_id})
    return event


def _shift(local: datetime.datetime, frequency: str, n: int) -> datetime.datetime:
    """The n-th occurrence after `local` (naive wall-clock time)."""
    if frequency == EventSeries.Frequency.WEEKLY:
        return local + datetime.timedelta(weeks=n)
    if frequency == EventSeries.Frequency.FORTNIGHTLY:
        return local + datetime.timedelta(weeks=2 * n)
    # Monthly: the same weekday in the same week of the month (2nd Tuesday), or the last one if there is no 5th.
    week = (local.day - 1) // 7
    month_index = local.month - 1 + n
    year, month = local.year + month_index // 12, month_index % 12 + 1
    first = datetime.date(year, month, 1)
    offset = (local.weekday() - first.weekday()) % 7
    day = first + datetime.timedelta(days=offset + 7 * week)
    if day.month != month:
        day -= datetime.timedelta(weeks=1)
    return datetime.datetime.combine(day, local.time())


def make_recurring(event: Event, frequency: str, occurrences: int, actor: Any = None) -> list[Event]:
    """Repeat `event` (the first occurrence) so there are `occurrences` in all, at the same local wall-clock time.

    18:30 stays 18:30 across the clock change: each occurrence is computed in the event's own time zone.
    """
    if frequency not in EventSeries.Frequency.values:
        raise ValidationError({"frequency": "Choose how often it repeats."})
    if not 2 <= occurrences <= 52:
        raise ValidationError({"occurrences": "Repeat between 2 and 52 times."})
    tz = ZoneInfo(event.time_zone)
    local_start = event.starts_at.astimezone(tz).replace(tzinfo=None)
    length = event.ends_at - event.starts_at
    hosts = list(event.hosts.all())
    with transaction.atomic():
        series = EventSeries.objects.create(frequency=frequency, occurrences=occurrences, created_by=acting_user(actor))
        event.series = series
        event.save(update_fields=["series"])
        made = [event]
        for n in range(1, occurrences):
            wall = _shift(local_start, frequency, n)
            starts = local_datetime(wall.date(), wall.time(), event.time_zone)
            copy = Event.objects.get(pk=event.pk)
            copy.pk = None
            copy.token = Event._meta.get_field("token").get_default()
            copy.starts_at, copy.ends_at = starts, starts + length
            copy.save()
            copy.hosts.set(hosts)
            made.append(copy)
        record("created", actor=acting_user(actor), obj=event, detail={"series": series.pk, "occurrences": occurrences})
    return made


def cancel_event(event: Event, actor: Any) -> Event:
    with transaction.atomic():
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status"])
        record("changed", actor=acting_user(actor), obj=event, detail={"status": "cancelled"})
        people_going = [r.person for r in event.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLIST])]
        transaction.on_commit(lambda: notify.event_cancelled(event, people_going))
    return event


def acting_user(actor: Any) -> Any:
    """The actor as the audit log and the records' user columns take it: a saved user, else None."""
    return actor if getattr(actor, "pk", None) else None
