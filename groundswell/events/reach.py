"""Inviting people near an event. The selection is selectors.invite_candidates; sending goes through the
messaging app (its create_email_send / create_sms_send, queue_send and send_stats), a layer below events."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.audit.services import record
from groundswell.messaging import services as messaging
from groundswell.messaging.models import EmailSend, SmsSend

from .models import Event, EventInvite


def send_invite(
    event: Event,
    people: Any,
    actor: Any,
    *,
    radius_km: float,
    channel: str,
    not_contacted_days: int,
    subject: str = "",
    body: str = "",
    count: int = 0,
    event_url: str = "",
) -> EventInvite:
    """Record the invitation and hand the people to messaging."""
    if channel == "email" and not subject.strip():
        raise ValidationError({"subject": "An email invitation needs a subject."})
    text = (body.strip() or f"You're invited: {event.title}") + (f"\n\n{event_url}" if event_url else "")
    with transaction.atomic():
        if channel == "email":
            send = messaging.create_email_send(
                unit=event.unit,
                subject=subject.strip(),
                body_text=text,
                people=people,
                actor=actor,
                source=f"event invite: event #{event.pk}",
                purpose="promotion",
            )
        else:
            send = messaging.create_sms_send(
                unit=event.unit,
                body=text,
                people=people,
                actor=actor,
                source=f"event invite: event #{event.pk}",
                purpose="promotion",
            )
        invite = EventInvite.objects.create(
            event=event,
            channel=channel,
            radius_km=radius_km,
            not_contacted_days=not_contacted_days,
            recipients=count,
            subject=subject.strip(),
            body=text,
            send_id=send.pk,
            created_by=actor,
        )
        record(
            "exported",
            actor=actor,
            obj=event,
            query="event invitation",
            detail={"invite": invite.pk, "recipients": count, "channel": channel},
        )
        transaction.on_commit(lambda: messaging.queue_send(send))
    return invite


def invite_stats(invite: EventInvite) -> dict[str, Any] | None:
    """Sent/opened/clicked/unsubscribed figures from messaging, where it tracks them."""
    if not invite.send_id:
        return None
    model = EmailSend if invite.channel == "email" else SmsSend
    send = model.objects.filter(pk=invite.send_id).first()
    return messaging.send_stats(send) if send else None
