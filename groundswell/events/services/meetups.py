"""Campaign meetups and the events they lead to: a small group's follow-up with the people at the table signed up,
signing up someone already on file, and a phonebank session published as an event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit, Person

from .. import notify
from ..models import RSVP, Event
from ..tasks import schedule_reminders
from .lifecycle import DEFAULT_LENGTH, MANAGE, acting_user, create_event
from .rsvps import add_to_timeline, going_count, lock_event


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
        event = lock_event(event)
        existing = RSVP.objects.filter(event=event, person=person).first()
        if existing and existing.status != RSVP.Status.CANCELLED:
            return existing
        full = event.capacity is not None and going_count(event) >= event.capacity
        status = RSVP.Status.WAITLIST if full else RSVP.Status.GOING
        booking, _ = RSVP.objects.update_or_create(
            event=event,
            person=person,
            defaults={"status": status, "source": source[:100], "created_at": timezone.now()},
        )
        add_to_timeline(person, event, "rsvp", "Signed up", actor=acting_user(actor))
        record("created", actor=acting_user(actor), obj=booking, unit=event.unit, detail={"status": status})
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
