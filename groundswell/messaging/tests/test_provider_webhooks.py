"""Bounces, complaints, deliveries, opens and clicks from the email provider (Postmark's webhook payloads through
django-anymail), and the same events arriving as anymail's tracking signal from any other provider."""

from __future__ import annotations

import base64
import json

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.urls import reverse

from groundswell.messaging import services
from groundswell.people.models import EmailAddress, Person, Suppression
from groundswell.people.selectors import current_consents

from .helpers import contact

pytestmark = pytest.mark.django_db
AUTH = "Basic " + base64.b64encode(b"hook:s3cret").decode()


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}


def _post(client, payload, auth=AUTH):
    return client.post(
        reverse("messaging:postmark_tracking"),
        json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": auth} if auth else {},
    )


def _meta(row):
    return {"gs_recipient": str(row.pk), "gs_send": str(row.send_id)}


def test_a_hard_bounce_suppresses_the_address(client, sent):
    person, send, row = sent
    payload = {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": f"send-{send.pk}",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": _meta(row),
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": row.address,
        "From": "noreply@groundswell.invalid",
        "BouncedAt": "2026-12-03T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "News",
    }
    assert _post(client, payload).status_code == 200
    assert services.send_stats(send)["bounced"] == 1
    assert Suppression.objects.filter(kind="no_email", email=row.address).count() == 1
    assert EmailAddress.objects.get(address=row.address).status == "bounced"
    assert not services.email_recipients(Person.objects.all()).exists()
    # A second bounce for the same address adds no second suppression.
    _post(client, payload)
    assert Suppression.objects.filter(email=row.address).count() == 1


def test_a_spam_complaint_suppresses_and_withdraws_consent(client, sent):
    person, send, row = sent
    payload = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Tag": f"send-{send.pk}",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": _meta(row),
        "Email": row.address,
        "BouncedAt": "2026-12-03T16:40:00Z",
        "Subject": "News",
    }
    assert _post(client, payload).status_code == 200
    assert services.send_stats(send)["complained"] == 1
    assert current_consents(person)["email"].status == "withdrawn"
    assert Suppression.objects.filter(kind="no_email", email=row.address).exists()


def test_delivery_open_and_click_are_counted(client, sent):
    person, send, row = sent
    base = {"MessageID": "abc-123", "Recipient": row.address, "Metadata": _meta(row), "Tag": f"send-{send.pk}"}
    _post(client, {**base, "RecordType": "Delivery", "DeliveredAt": "2026-12-03T16:35:00Z", "Details": "ok"})
    stats = services.send_stats(send)
    assert (stats["delivered"], stats["opened"], stats["clicked"]) == (1, 0, 0)
    _post(
        client,
        {
            **base,
            "RecordType": "Click",
            "ClickLocation": "HTML",
            "OriginalLink": "https://example.org/event",
            "ReceivedAt": "2026-12-03T16:36:00Z",
            "UserAgent": "Mozilla/5.0",
        },
    )
    stats = services.send_stats(send)
    assert (stats["opened"], stats["clicked"]) == (1, 1)  # a click implies an open
    _post(client, {**base, "RecordType": "Open", "FirstOpen": True, "ReceivedAt": "2026-12-03T16:37:00Z"})
    assert services.send_stats(send)["opened"] == 1
    assert current_consents(person)["email"].status == "granted"


def test_a_webhook_without_the_secret_is_refused(client, sent):
    person, send, row = sent
    payload = {"RecordType": "Bounce", "Type": "HardBounce", "Email": row.address, "Metadata": _meta(row)}
    assert _post(client, payload, auth=None).status_code == 400
    assert _post(client, payload, auth="Basic " + base64.b64encode(b"hook:wrong").decode()).status_code == 400
    assert not Suppression.objects.exists()


def test_metadata_for_another_address_is_not_trusted(client, sent):
    person, send, row = sent
    other = contact(person.unit)
    payload = {"RecordType": "Bounce", "Type": "HardBounce", "Email": other.primary_email, "Metadata": _meta(row)}
    _post(client, payload)
    assert services.send_stats(send)["bounced"] == 0
    assert Suppression.objects.filter(email=other.primary_email).exists()  # the bouncing address is still blocked


def test_the_tracking_signal_from_any_provider_is_handled(sent):
    person, send, row = sent
    mail.outbox = []
    for event_type in ("delivered", "opened", "unsubscribed"):
        event = AnymailTrackingEvent(
            event_type=event_type, message_id=row.provider_message_id, recipient=row.address, metadata={}
        )
        tracking.send(sender=object, event=event, esp_name="SES")
    stats = services.send_stats(send)
    assert (stats["delivered"], stats["opened"], stats["unsubscribed"]) == (1, 1, 1)
    assert current_consents(person)["email"].status == "withdrawn"


def test_without_a_configured_secret_the_webhook_is_refused(client, sent, settings):
    person, send, row = sent
    settings.ANYMAIL = {}
    payload = {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "Email": row.address, "Metadata": _meta(row)}
    assert _post(client, payload, auth=None).status_code == 403
    assert current_consents(person)["email"].status == "granted"
