"""Email provider tracking events, through django-anymail's normalised `tracking` signal.

Anymail's webhook view for the configured provider (Postmark; see settings.ANYMAIL and urls.py) checks the
request's basic auth, parses the provider's payload and sends the signal; this receiver applies the event.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from . import services


@receiver(tracking, dispatch_uid="groundswell.messaging.tracking")
def handle_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    services.record_email_event(
        str(event.event_type),
        recipient=event.recipient or "",
        message_id=event.message_id,
        metadata=event.metadata,
        at=event.timestamp,
    )
