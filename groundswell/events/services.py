"""Things that change events: create, propose and moderate, repeat, RSVP and cancel, the waiting list, check-in,
no-shows, messages to attendees, meetup follow-ups and phonebank sessions published as events.

Every write is audited (labels carry ids, never names: the audit log outlives erasure). Errors a person can fix
are ValidationErrors keyed by the form field they concern; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.geography.lookup import PostcodeNotFound, lookup_point, lookup_postcode
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.people import services as people
from groundswell.people.models import OrganisationUnit, Person, TimelineEntry
from groundswell.people.normalise import InvalidValue, normalise_email, normalise_phone, normalise_postcode

from . import geo, notify
from .models import RSVP, Event, EventSeries

MANAGE = access.Perm.MANAGE_EVENTS
# Trust rule for volunteers' proposals: an organiser/coordinator of the unit (MANAGE_EVENTS there), or anyone
# whose own earlier proposals have been approved this many times, publishes straight away. Everyone else's
# proposals wait in the unit's moderation queue.
TRUSTED_AFTER_APPROVED = 2
RSVP_SOURCE = "RSVP form"
CONSENT_WORDING = {
    "email": "Email me about this and other campaign events and news. You can unsubscribe at any time.",
    "sms": "Text me about this and other campaign events. Reply STOP at any time.",
}
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
        if fields.get("latitude") is None and found.lat is not None:
            fields["latitude"], fields["longitude"] = found.lat, found.lon
        fields["constituency_code"] = found.constituency_code or ""
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if lat is not None and lon is not None:
        if not fields.get("constituency_code"):
            try:
                fields["constituency_code"] = lookup_point(lat, lon).constituency_code or ""
            except LookupError:
                fields["constituency_code"] = ""
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
        record("created", actor=_user(actor), obj=event, detail={"status": status, "kind": event.kind})
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
        series = EventSeries.objects.create(frequency=frequency, occurrences=occurrences, created_by=_user(actor))
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
        record("created", actor=_user(actor), obj=event, detail={"series": series.pk, "occurrences": occurrences})
    return made


def cancel_event(event: Event, actor: Any) -> Event:
    with transaction.atomic():
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status"])
        record("changed", actor=_user(actor), obj=event, detail={"status": "cancelled"})
        people_going = [r.person for r in event.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLIST])]
        transaction.on_commit(lambda: notify.event_cancelled(event, people_going))
    return event


# ------------------------------------------------------------------------------------------ RSVPs


@dataclass
class RsvpResult:
    rsvp: RSVP
    person_created: bool
    already: bool  # they had already said they were coming (nothing new was written)

    @property
    def waitlisted(self) -> bool:
        return self.rsvp.status == RSVP.Status.WAITLIST


def match_person(email: str = "", phone: str = "") -> Person | None:
    """The existing live record with this email address, else with this phone number (the oldest if several)."""
    live = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if email:
        found = live.filter(email_addresses__address=email).order_by("id").first()
        if found:
            return found
    if phone:
        return live.filter(phone_numbers__number=phone).order_by("id").first()
    return None


def _rsvp_inputs(given_name: str, family_name: str, email: str, phone: str, postcode: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    cleaned = {"given_name": given_name.strip(), "family_name": family_name.strip(), "email": "", "phone": ""}
    if not cleaned["given_name"]:
        errors["given_name"] = "Tell us your first name."
    for name, value, normalise in (("email", email, normalise_email), ("phone", phone, normalise_phone)):
        if value and value.strip():
            try:
                cleaned[name] = normalise(value)
            except InvalidValue as exc:
                errors[name] = str(exc)
    cleaned["postcode"] = ""
    if postcode and postcode.strip():
        try:
            cleaned["postcode"] = normalise_postcode(postcode)
        except InvalidValue:
            errors["postcode"] = f"{postcode.strip()!r} is not a UK postcode."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _timeline(person: Person, event: Event, status: str, summary: str, actor: Any = None) -> None:
    people.add_timeline_entry(
        person,
        TimelineEntry.Kind.EVENT,
        f"{summary}: {event.title}",
        {"event_id": event.pk, "status": status},
        actor=actor,
    )


def _locked(event: Event) -> Event:
    # Row lock on PostgreSQL, so two RSVPs for the last place are decided one after the other. (SQLite's
    # transactions are BEGIN IMMEDIATE here, which serialises writers already.)
    return Event.objects.select_for_update().get(pk=event.pk)


def _going_count(event: Event) -> int:
    return event.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.ATTENDED]).count()


def rsvp(
    event: Event,
    *,
    given_name: str,
    family_name: str = "",
    email: str = "",
    phone: str = "",
    postcode: str = "",
    consents: Mapping[str, bool] | None = None,
    source: str = RSVP_SOURCE,
    actor: Any = None,
    require_contact: bool = True,
    notify_person: bool = True,
) -> RsvpResult:
    """Say someone is coming, without an account. Matched to the existing person by email, then phone (never a
    duplicate), else a new supporter in the event's unit. A full event puts them on the waiting list.

    Consent: a ticked box records *granted* for that channel with this form's source and wording; an unticked box
    records nothing (leaving out a tick at an event sign-up is not a withdrawal of consent given elsewhere).
    """
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError("This event is not open for RSVPs.")
    if event.ends_at < timezone.now():
        raise ValidationError("This event is over.")
    cleaned = _rsvp_inputs(given_name, family_name, email, phone, postcode)
    if require_contact and not (cleaned["email"] or cleaned["phone"]):
        raise ValidationError({"email": "Give an email address (or a phone number) so we can confirm your place."})
    consent_source = f"{source}: event #{event.pk}"
    with transaction.atomic():
        event = _locked(event)
        person = match_person(cleaned["email"], cleaned["phone"])
        created = person is None
        if person is None:
            person = people.create_person(
                event.unit,
                given_name=cleaned["given_name"],
                family_name=cleaned["family_name"],
                postcode=cleaned["postcode"],
                emails=[cleaned["email"]] if cleaned["email"] else [],
                phones=[cleaned["phone"]] if cleaned["phone"] else [],
                actor=_user(actor),
            )
        else:
            # Fill in what the record lacks; never overwrite what someone else recorded.
            if cleaned["email"]:
                people.add_email(person, cleaned["email"], actor=_user(actor))
            if cleaned["phone"]:
                people.add_phone(person, cleaned["phone"], actor=_user(actor))
            if cleaned["postcode"] and not person.postcode:
                people.update_person(person, postcode=cleaned["postcode"], actor=_user(actor))
        for channel, granted in (consents or {}).items():
            if granted:
                people.set_consent(
                    person, channel, "granted", consent_source, CONSENT_WORDING.get(channel, ""), by=_user(actor)
                )
        existing = RSVP.objects.filter(event=event, person=person).first()
        if existing and existing.status in (RSVP.Status.GOING, RSVP.Status.WAITLIST, RSVP.Status.ATTENDED):
            return RsvpResult(existing, created, already=True)
        full = event.capacity is not None and _going_count(event) >= event.capacity
        status = RSVP.Status.WAITLIST if full else RSVP.Status.GOING
        if existing:  # cancelled earlier, coming after all: back of the queue
            existing.status, existing.created_at, existing.source = status, timezone.now(), source
            existing.save(update_fields=["status", "created_at", "source", "updated_at"])
            booking = existing
        else:
            booking = RSVP.objects.create(event=event, person=person, status=status, source=source[:100])
        _timeline(person, event, "rsvp", "Waiting list" if full else "RSVP", actor=_user(actor))
        record(
            "created", actor=_user(actor), obj=booking, unit=event.unit, detail={"status": status, "event": event.pk}
        )
        if notify_person:
            transaction.on_commit(lambda: notify.confirmation(booking.pk))
    schedule_reminders(booking)
    return RsvpResult(booking, created, already=False)


def _promote_next(event: Event) -> RSVP | None:
    """Inside a transaction holding the event lock: move the longest-waiting person into a free place."""
    if event.capacity is not None and _going_count(event) >= event.capacity:
        return None
    nxt = event.rsvps.filter(status=RSVP.Status.WAITLIST).order_by("created_at", "id").first()
    if nxt is None:
        return None
    nxt.status, nxt.promoted_at = RSVP.Status.GOING, timezone.now()
    nxt.save(update_fields=["status", "promoted_at", "updated_at"])
    _timeline(nxt.person, event, "rsvp", "Off the waiting list")
    record("changed", obj=nxt, unit=event.unit, detail={"status": "going", "promoted": True})
    transaction.on_commit(lambda: notify.promoted(nxt.pk))
    return nxt


def cancel_rsvp(booking: RSVP, actor: Any = None) -> RSVP | None:
    """Give up a place. Returns whoever was promoted from the waiting list into it (or None)."""
    with transaction.atomic():
        event = _locked(booking.event)
        booking = RSVP.objects.select_for_update().get(pk=booking.pk)
        if booking.status not in (RSVP.Status.GOING, RSVP.Status.WAITLIST):
            return None
        booking.status = RSVP.Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        record("changed", actor=_user(actor), obj=booking, unit=event.unit, detail={"status": "cancelled"})
        promoted = _promote_next(event)
    if promoted:
        schedule_reminders(promoted)
    return promoted


def set_capacity(event: Event, capacity: int | None, actor: Any) -> list[RSVP]:
    """Change the capacity; extra places go to the waiting list in order. Returns those promoted."""
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": "Capacity must be at least 1 (or blank for no limit)."})
    promoted = []
    with transaction.atomic():
        event = _locked(event)
        event.capacity = capacity
        event.save(update_fields=["capacity"])
        record("changed", actor=_user(actor), obj=event, detail={"capacity": capacity})
        while (nxt := _promote_next(event)) is not None:
            promoted.append(nxt)
    for booking in promoted:
        schedule_reminders(booking)
    return promoted


def check_in(booking: RSVP, actor: Any) -> RSVP:
    """Mark someone as here (idempotent: a second tap changes nothing)."""
    with transaction.atomic():
        booking = RSVP.objects.select_for_update().select_related("event", "person").get(pk=booking.pk)
        if booking.status == RSVP.Status.ATTENDED:
            return booking
        booking.status, booking.checked_in_at, booking.checked_in_by = (
            RSVP.Status.ATTENDED,
            timezone.now(),
            _user(actor),
        )
        booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
        _timeline(booking.person, booking.event, "attended", "Attended", actor=_user(actor))
        record("changed", actor=_user(actor), obj=booking, unit=booking.event.unit, detail={"status": "attended"})
    return booking


def walk_in(
    event: Event,
    *,
    given_name: str,
    family_name: str = "",
    email: str = "",
    phone: str = "",
    postcode: str = "",
    actor: Any = None,
) -> RSVP:
    """Someone who turns up without an RSVP: matched or added like an RSVP (no confirmation email), checked in."""
    result = rsvp(
        event,
        given_name=given_name,
        family_name=family_name,
        email=email,
        phone=phone,
        postcode=postcode,
        source="walk-in",
        actor=actor,
        require_contact=False,
        notify_person=False,
    )
    booking = result.rsvp
    if booking.status == RSVP.Status.WAITLIST:
        # They are in the room: a walk-in takes a place even over capacity (the host decided to let them in).
        RSVP.objects.filter(pk=booking.pk).update(status=RSVP.Status.GOING)
    return check_in(booking, actor)


def close_event(event: Event, actor: Any) -> int:
    """After the event: everyone still 'going' did not come. Their timelines say so. Returns how many."""
    with transaction.atomic():
        event = _locked(event)
        absent = list(event.rsvps.filter(status=RSVP.Status.GOING).select_related("person"))
        for booking in absent:
            booking.status = RSVP.Status.NO_SHOW
            booking.save(update_fields=["status", "updated_at"])
            _timeline(booking.person, event, "no_show", "Did not come", actor=_user(actor))
        event.closed_at = timezone.now()
        event.save(update_fields=["closed_at"])
        record("changed", actor=_user(actor), obj=event, detail={"closed": True, "no_shows": len(absent)})
    return len(absent)


def message_attendees(event: Event, subject: str, body: str, actor: Any) -> int:
    """A host's email to the people coming. It is about the event they signed up for (a service message), so
    consent is not needed, but suppression and unsubscribes are honoured. Returns how many were sent."""
    from groundswell.people.selectors import SERVICE, is_contactable

    errors = {}
    if not subject.strip():
        errors["subject"] = "Give the message a subject."
    if not body.strip():
        errors["body"] = "Write the message."
    if errors:
        raise ValidationError(errors)
    bookings = event.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLIST]).select_related("person")
    recipients = [b.person for b in bookings if is_contactable(b.person, "email", SERVICE)]
    sent = notify.host_message(event, recipients, subject.strip(), body.strip())
    record(
        "exported",
        actor=actor,
        obj=event,
        query="message to attendees",
        detail={"recipients": sent, "person_ids": [p.pk for p in recipients]},
    )
    for person in recipients:
        people.add_timeline_entry(
            person,
            TimelineEntry.Kind.EMAIL,
            f"Email from the host of {event.title}",
            {"event_id": event.pk},
            actor=actor,
        )
    return sent


# ------------------------------------------------------------------------------------------ reminders


REMINDER_LEADS = {"24h": datetime.timedelta(hours=24), "2h": datetime.timedelta(hours=2)}


def schedule_reminders(booking: RSVP) -> None:
    """Queue the 24 h and 2 h reminders as deferred tasks where the task backend can defer (the database
    backend can). Either way the sweep (`groundswell event_reminders`, run from cron) sends any that are due;
    the delivery row makes the two paths and any re-run send once."""
    from django_tasks import default_task_backend

    from .tasks import send_reminder

    if not default_task_backend.supports_defer:
        return
    now = timezone.now()
    for kind, lead in REMINDER_LEADS.items():
        when = booking.event.starts_at - lead
        if when > now:
            send_reminder.using(run_after=when).enqueue(booking.pk, kind)


def deliver_reminder(rsvp_id: int, kind: str, now: datetime.datetime | None = None) -> bool:
    """Send one reminder if it is due and was never sent. True if this call sent it.

    The delivery row is inserted (and committed) before the email goes: a worker that dies after that point
    never sends a second copy. If sending raises, the claim is removed so a later run tries again.
    """
    from .models import ReminderDelivery

    now = now or timezone.now()
    lead = REMINDER_LEADS[kind]
    booking = RSVP.objects.select_related("event", "person").filter(pk=rsvp_id).first()
    if booking is None or booking.status != RSVP.Status.GOING or booking.event.status != Event.Status.PUBLISHED:
        return False
    starts = booking.event.starts_at
    if not (starts - lead <= now < starts):
        return False
    try:
        with transaction.atomic():
            claim = ReminderDelivery.objects.create(rsvp=booking, kind=kind, claimed_at=now)
    except IntegrityError:
        return False
    try:
        notify.reminder(booking, kind)
    except Exception:
        claim.delete()
        raise
    ReminderDelivery.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return True


def send_due_reminders(now: datetime.datetime | None = None) -> dict[str, int]:
    """The sweep: every reminder due now and not yet sent (24 h and 2 h before each event)."""
    now = now or timezone.now()
    sent = {}
    for kind, lead in REMINDER_LEADS.items():
        due = RSVP.objects.filter(
            status=RSVP.Status.GOING,
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + lead,
        ).exclude(deliveries__kind=kind)
        sent[kind] = sum(deliver_reminder(pk, kind, now) for pk in due.values_list("pk", flat=True))
    return sent


# ------------------------------------------------------------------------------------------ meetups


def create_follow_up(
    meetup: Event,
    *,
    unit: OrganisationUnit,
    actor: Any,
    group: str = "",
    signups: Iterable[Person] = (),
    **fields: Any,
) -> Event:
    """A small group's follow-up event (phonebank or canvass session at branch level), with the people at the
    table signed up. The facilitator needs MANAGE_EVENTS at the follow-up's unit or must host the meetup."""
    if meetup.kind != Event.Kind.MEETUP:
        raise ValidationError("Follow-ups belong to campaign meetups.")
    is_host = meetup.hosts.filter(pk=getattr(actor, "pk", None)).exists()
    if not (access.has_perm(actor, MANAGE, unit) or (is_host and unit.is_within(meetup.unit))):
        raise access.PermissionDenied("You cannot create events for that unit.")
    fields.setdefault("visibility", Event.Visibility.PUBLIC)
    with transaction.atomic():
        event = create_event(unit, actor=actor, hosts=[actor], meetup=meetup, meetup_group=group[:100], **fields)
        for person in signups:
            sign_up(event, person, source=f"meetup table: event #{meetup.pk}", actor=actor)
    return event


def sign_up(event: Event, person: Person, source: str, actor: Any) -> RSVP:
    """Sign up someone already on file (at a meetup table): the same capacity rules as an RSVP, no new record."""
    with transaction.atomic():
        event = _locked(event)
        existing = RSVP.objects.filter(event=event, person=person).first()
        if existing and existing.status != RSVP.Status.CANCELLED:
            return existing
        full = event.capacity is not None and _going_count(event) >= event.capacity
        status = RSVP.Status.WAITLIST if full else RSVP.Status.GOING
        booking, _ = RSVP.objects.update_or_create(
            event=event,
            person=person,
            defaults={"status": status, "source": source[:100], "created_at": timezone.now()},
        )
        _timeline(person, event, "rsvp", "Signed up", actor=_user(actor))
        record("created", actor=_user(actor), obj=booking, unit=event.unit, detail={"status": status})
        if person.primary_email:
            transaction.on_commit(lambda: notify.confirmation(booking.pk))
    schedule_reminders(booking)
    return booking


def publish_phonebank_session(session: Any, actor: Any, **fields: Any) -> Event:
    """Put a phonebank session on the events map (online unless a venue postcode is given)."""
    campaign = session.campaign
    access.require(actor, MANAGE, campaign.unit)
    defaults = {
        "kind": Event.Kind.PHONEBANK if fields.get("postcode") else Event.Kind.ONLINE,
        "title": session.title,
        "description": session.brief or campaign.brief,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at or session.starts_at + DEFAULT_LENGTH,
        "call_campaign": campaign,
        "phonebank_session": session,
    }
    defaults.update({k: v for k, v in fields.items() if v not in (None, "")})
    if defaults["kind"] == Event.Kind.ONLINE and not defaults.get("online_url"):
        defaults["online_url"] = fields.get("join_url") or ""
    defaults.pop("join_url", None)
    return create_event(campaign.unit, actor=actor, hosts=[actor], **defaults)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
