"""Segment filters the events app gives the messaging app: who attended an event, who signed up for one.

"Attended" replaces the messaging app's timeline-based fallback of the same key: the events app writes a timeline
entry for an RSVP and a no-show too, so only entries marked "attended" count (and entries from elsewhere that
carry no status at all, which is what the fallback took every entry to mean).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from groundswell.messaging.segments import register_segment_filter
from groundswell.people.models import OrganisationUnit, Person, TimelineEntry

from .models import RSVP
from .selectors import managed_events

# The newest events first; an organiser picking one from a list needs the recent ones, not all of history.
EVENT_CHOICES = 300


def event_choices(user: Any) -> list[tuple[int, str]]:
    """The events this user runs, by name and date, for the segment form."""
    events = managed_events(user).order_by("-starts_at")[:EVENT_CHOICES]
    return [(e.pk, f"{e.title} ({e.starts_at:%-d %b %Y})") for e in events]


def _event_field() -> forms.Field:
    return forms.TypedChoiceField(coerce=int, empty_value=None, required=False, choices=[("", "—")])


def _with_rsvp(statuses: list[str]) -> Any:
    def apply(qs: QuerySet[Person], value: int, unit: OrganisationUnit) -> QuerySet[Person]:
        rsvps = RSVP.objects.filter(person=OuterRef("pk"), event_id=int(value), status__in=statuses)
        return qs.filter(Exists(rsvps))

    return apply


def _attended(qs: QuerySet[Person], value: int, unit: OrganisationUnit) -> QuerySet[Person]:
    entries = TimelineEntry.objects.filter(
        person=OuterRef("pk"), kind=TimelineEntry.Kind.EVENT, data__event_id=int(value)
    ).filter(Q(data__status="attended") | ~Q(data__has_key="status"))
    return qs.filter(Exists(entries))


def register() -> None:
    """Add these filters to messaging's segment form (called from EventsConfig.ready)."""
    register_segment_filter(
        "event_attended",
        "Attended event",
        _event_field,
        _attended,
        lambda v: f"Attended event #{v}",
        choices=event_choices,
    )
    register_segment_filter(
        "event_rsvp",
        "Signed up for event",
        _event_field,
        _with_rsvp([RSVP.Status.GOING, RSVP.Status.WAITLIST, RSVP.Status.ATTENDED]),
        lambda v: f"Signed up for event #{v}",
        choices=event_choices,
    )
