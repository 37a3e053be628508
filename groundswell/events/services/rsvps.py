"""RSVPs and the door: say you are coming (matched to the existing person, never a duplicate), cancel, the
waiting list and promotion off it, capacity changes, check-in and walk-ins, closing an event (no-shows) and a
host's message to the people coming.

Every write is audited (labels carry ids, never names: the audit log outlives erasure). Errors a person can fix
are ValidationErrors keyed by the form field they concern; nothing is written when one is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groundswell.audit.services import record
from groundswell.people import services as people
from groundswell.people.models import Person, TimelineEntry
from groundswell.people.normalise import InvalidValue, normalise_email, normalise_phone, normalise_postcode
from groundswell.people.selectors import SERVICE, is_contactable

from .. import notify
from ..models import RSVP, Event
from ..tasks import schedule_reminders
from .lifecycle import acting_user

RSVP_SOURCE = "RSVP form"
CONSENT_WORDING = {
    "email": "Email me about this and other campaign events and news. You can unsubscribe at any time.",
    "sms": "Text me about this and other campaign events. Reply STOP at any time.",
}


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


def add_to_timeline(person: Person, event: Event, status: str, summary: str, actor: Any = None) -> None:
    """An entry on the person's timeline about this event (`status` says which: rsvp, attended, no_show)."""
    people.add_timeline_entry(
        person,
        TimelineEntry.Kind.EVENT,
        f"{summary}: {event.title}",
        {"event_id": event.pk, "status": status},
        actor=actor,
    )


def lock_event(event: Event) -> Event:
    """The event re-read under a row lock, for decisions about its places (call inside a transaction)."""
    # Row lock on PostgreSQL, so two RSVPs for the last place are decided one after the other. (SQLite's
    # transactions are BEGIN IMMEDIATE here, which serialises writers already.)
    return Event.objects.select_for_update().get(pk=event.pk)


def going_count(event: Event) -> int:
    """Places taken: people going and people already checked in."""
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
        event = lock_event(event)
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
                actor=acting_user(actor),
            )
        else:
            # Fill in what the record lacks; never overwrite what someone else recorded.
            if cleaned["email"]:
                people.add_email(person, cleaned["email"], actor=acting_user(actor))
            if cleaned["phone"]:
                people.add_phone(person, cleaned["phone"], actor=acting_user(actor))
            # A postcode moves the person between wards and seats: only they may give it, not whoever typed
            # their email address into a public form.
            if cleaned["postcode"] and not person.postcode and getattr(actor, "person_id", None) == person.pk:
                people.update_person(person, postcode=cleaned["postcode"], actor=acting_user(actor))
        for channel, granted in (consents or {}).items():
            if granted:
                people.set_consent(
                    person, channel, "granted", consent_source, CONSENT_WORDING.get(channel, ""), by=acting_user(actor)
                )
        existing = RSVP.objects.filter(event=event, person=person).first()
        if existing and existing.status in (RSVP.Status.GOING, RSVP.Status.WAITLIST, RSVP.Status.ATTENDED):
            return RsvpResult(existing, created, already=True)
        full = event.capacity is not None and going_count(event) >= event.capacity
        status = RSVP.Status.WAITLIST if full else RSVP.Status.GOING
        if existing:  # cancelled earlier, coming after all: back of the queue
            existing.status, existing.created_at, existing.source = status, timezone.now(), source
            existing.save(update_fields=["status", "created_at", "source", "updated_at"])
            booking = existing
        else:
            booking = RSVP.objects.create(event=event, person=person, status=status, source=source[:100])
        add_to_timeline(person, event, "rsvp", "Waiting list" if full else "RSVP", actor=acting_user(actor))
        record(
            "created",
            actor=acting_user(actor),
            obj=booking,
            unit=event.unit,
            detail={"status": status, "event": event.pk},
        )
        if notify_person:
            transaction.on_commit(lambda: notify.confirmation(booking.pk))
    schedule_reminders(booking)
    return RsvpResult(booking, created, already=False)


def _promote_next(event: Event) -> RSVP | None:
    """Inside a transaction holding the event lock: move the longest-waiting person into a free place."""
    if event.capacity is not None and going_count(event) >= event.capacity:
        return None
    nxt = event.rsvps.filter(status=RSVP.Status.WAITLIST).order_by("created_at", "id").first()
    if nxt is None:
        return None
    nxt.status, nxt.promoted_at = RSVP.Status.GOING, timezone.now()
    nxt.save(update_fields=["status", "promoted_at", "updated_at"])
    add_to_timeline(nxt.person, event, "rsvp", "Off the waiting list")
    record("changed", obj=nxt, unit=event.unit, detail={"status": "going", "promoted": True})
    transaction.on_commit(lambda: notify.promoted(nxt.pk))
    return nxt


def cancel_rsvp(booking: RSVP, actor: Any = None) -> RSVP | None:
    """Give up a place. Returns whoever was promoted from the waiting list into it (or None)."""
    with transaction.atomic():
        event = lock_event(booking.event)
        booking = RSVP.objects.select_for_update().get(pk=booking.pk)
        if booking.status not in (RSVP.Status.GOING, RSVP.Status.WAITLIST):
            return None
        booking.status = RSVP.Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        record("changed", actor=acting_user(actor), obj=booking, unit=event.unit, detail={"status": "cancelled"})
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
        event = lock_event(event)
        event.capacity = capacity
        event.save(update_fields=["capacity"])
        record("changed", actor=acting_user(actor), obj=event, detail={"capacity": capacity})
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
            acting_user(actor),
        )
        booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
        add_to_timeline(booking.person, booking.event, "attended", "Attended", actor=acting_user(actor))
        record("changed", actor=acting_user(actor), obj=booking, unit=booking.event.unit, detail={"status": "attended"})
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
        event = lock_event(event)
        absent = list(event.rsvps.filter(status=RSVP.Status.GOING).select_related("person"))
        for booking in absent:
            booking.status = RSVP.Status.NO_SHOW
            booking.save(update_fields=["status", "updated_at"])
            add_to_timeline(booking.person, event, "no_show", "Did not come", actor=acting_user(actor))
        event.closed_at = timezone.now()
        event.save(update_fields=["closed_at"])
        record("changed", actor=acting_user(actor), obj=event, detail={"closed": True, "no_shows": len(absent)})
    return len(absent)


def message_attendees(event: Event, subject: str, body: str, actor: Any) -> int:
    """A host's email to the people coming. It is about the event they signed up for (a service message), so
    consent is not needed, but suppression and unsubscribes are honoured. Returns how many were sent."""
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
