"""The emails the events app sends itself: confirmation (with a calendar file and a cancel link), promotion off
the waiting list, reminders, cancellation and hosts' messages. Sent through Django's mail backend (anymail in
production, the console by default)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from . import ical
from .models import RSVP, Event


def base_url() -> str:
    """The public address links in emails point at (emails are sent from tasks, with no request to ask)."""
    return settings.PUBLIC_BASE_URL


def event_url(event: Event) -> str:
    path = reverse("events:detail", args=[event.pk])
    if event.visibility == Event.Visibility.INVITE:
        path += f"?k={event.token}"
    return base_url() + path


def cancel_url(booking: RSVP) -> str:
    return base_url() + reverse("events:rsvp_cancel", args=[booking.token])


def _send(to: str, subject: str, template: str, context: dict, attach_event: Event | None = None) -> None:
    body = render_to_string(template, context)
    message = EmailMessage(subject=subject, body=body, to=[to])
    if attach_event is not None:
        message.attach("event.ics", ical.calendar([(attach_event, event_url(attach_event))]), "text/calendar")
    message.send()


def _booking(rsvp_id: int) -> RSVP | None:
    return RSVP.objects.select_related("event", "person").filter(pk=rsvp_id).first()


def confirmation(rsvp_id: int) -> None:
    booking = _booking(rsvp_id)
    if booking is None or not booking.person.primary_email:
        return
    waiting = booking.status == RSVP.Status.WAITLIST
    subject = f"{'Waiting list' if waiting else 'You are coming'}: {booking.event.title}"
    _send(
        booking.person.primary_email,
        subject,
        "events/email/confirmation.txt",
        {
            "rsvp": booking,
            "event": booking.event,
            "waiting": waiting,
            "url": event_url(booking.event),
            "cancel_url": cancel_url(booking),
        },
        attach_event=booking.event,
    )


def promoted(rsvp_id: int) -> None:
    booking = _booking(rsvp_id)
    if booking is None or not booking.person.primary_email:
        return
    _send(
        booking.person.primary_email,
        f"A place came up: {booking.event.title}",
        "events/email/promoted.txt",
        {"rsvp": booking, "event": booking.event, "url": event_url(booking.event), "cancel_url": cancel_url(booking)},
        attach_event=booking.event,
    )


def reminder(booking: RSVP, kind: str) -> None:
    if not booking.person.primary_email:
        return
    when = "tomorrow" if kind == "24h" else "soon"
    _send(
        booking.person.primary_email,
        f"Reminder: {booking.event.title} is {when}",
        "events/email/reminder.txt",
        {
            "rsvp": booking,
            "event": booking.event,
            "url": event_url(booking.event),
            "cancel_url": cancel_url(booking),
            "kind": kind,
        },
    )


def event_cancelled(event: Event, people: Iterable) -> None:
    for person in people:
        if person.primary_email:
            _send(person.primary_email, f"Cancelled: {event.title}", "events/email/cancelled.txt", {"event": event})


def host_message(event: Event, people: Iterable, subject: str, body: str) -> int:
    sent = 0
    with get_connection() as connection:
        for person in people:
            address = person.primary_email
            if not address:
                continue
            text = render_to_string(
                "events/email/host_message.txt", {"event": event, "body": body, "url": event_url(event)}
            )
            EmailMessage(subject=subject, body=text, to=[address], connection=connection).send()
            sent += 1
    return sent
