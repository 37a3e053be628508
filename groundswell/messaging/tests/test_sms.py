"""Text messages: the fake adapter, merge fields, the opt-out line, STOP replies, delivery receipts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.messaging import services
from groundswell.messaging.models import InboundSms, SmsRecipient
from groundswell.messaging.sms import FakeSmsAdapter, is_stop_message
from groundswell.people.models import Person, TimelineEntry
from groundswell.people.selectors import current_consents

from .helpers import contact

pytestmark = pytest.mark.django_db


def _texter(tree, **kw):
    return contact(tree.clp_a, mobile=True, sms_consent="granted", **kw)


def test_a_text_send_reaches_each_consenting_mobile_once(tree):
    a = _texter(tree, given_name="Ada")
    contact(tree.clp_a, mobile=True)  # email consent only
    send = services.create_sms_send(
        unit=tree.clp_a,
        body="Hi {{ given_name }}, canvass at {{ place }}",
        people=Person.objects.all(),
        actor=None,
        merge_data={a.pk: {"place": "the library"}},
        source="events:reminder:3",
    )
    services.queue_send(send)
    services.queue_send(send)
    [sms] = FakeSmsAdapter.outbox
    assert sms.to == a.primary_phone
    assert sms.body == "Hi Ada, canvass at the library\nReply STOP to opt out"
    row = SmsRecipient.objects.get(send=send)
    assert row.status == "sent" and row.provider_message_id == sms.provider_id
    entry = TimelineEntry.objects.get(person=a, kind=TimelineEntry.Kind.SMS)
    assert entry.data["send_id"] == send.pk
    assert services.send_stats(send)["sent"] == 1


def test_the_opt_out_line_is_not_doubled():
    from groundswell.messaging.sending import sms_body

    assert sms_body("Vote today! Reply STOP to stop") == "Vote today! Reply STOP to stop"


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop.", "UNSUBSCRIBE", "end", "Quit", "CANCEL", "STOPALL please"])
def test_stop_words(body):
    assert is_stop_message(body)


@pytest.mark.parametrize("body", ["", "Don't stop", "Yes I'll come", "stopping by later"])
def test_not_stop_words(body):
    assert not is_stop_message(body)


def test_a_stop_reply_withdraws_sms_consent_at_once(tree, client):
    person = _texter(tree)
    send = services.create_sms_send(unit=tree.clp_a, body="Hi", people=Person.objects.all(), actor=None)
    services.queue_send(send)
    number = person.primary_phone
    response = client.post(reverse("messaging:sms_inbound"), {"from": "0" + number[3:], "body": "STOP"})
    assert response.status_code == 200, response.content
    assert response.json()["opted_out"] is True
    assert current_consents(person)["sms"].status == "withdrawn"
    assert "SMS reply 'STOP'" in current_consents(person)["sms"].source
    assert current_consents(person)["email"].status == "granted"  # STOP is about texts only
    assert not services.sms_recipients(Person.objects.all()).exists()
    assert services.send_stats(send)["unsubscribed"] == 1
    # The next send leaves them out.
    again = services.create_sms_send(unit=tree.clp_a, body="Hi again", people=Person.objects.all(), actor=None)
    assert services.send_stats(again)["recipients"] == 0


def test_an_ordinary_reply_is_kept_and_changes_nothing(tree, client):
    person = _texter(tree)
    client.post(reverse("messaging:sms_inbound"), {"from": person.primary_phone, "body": "See you there"})
    assert InboundSms.objects.get().opted_out is False
    assert current_consents(person)["sms"].status == "granted"
    assert TimelineEntry.objects.filter(person=person, kind="sms", summary__startswith="Text received").exists()


def test_inbound_webhook_rejects_bad_input_and_wrong_token(tree, client, settings):
    response = client.post(reverse("messaging:sms_inbound"), {"from": "not a number", "body": "STOP"})
    assert response.status_code == 400 and "Sender number" in response.json()["error"]
    settings.SMS_WEBHOOK_SECRET = "s3cret"
    response = client.post(reverse("messaging:sms_inbound"), {"from": "+447700900001", "body": "STOP"})
    assert response.status_code == 403
    response = client.post(
        reverse("messaging:sms_inbound"),
        {"from": "+447700900001", "body": "STOP"},
        headers={"X-Groundswell-Token": "s3cret"},
    )
    assert response.status_code == 200


def test_delivery_receipts_count_as_delivered(tree, client):
    _texter(tree)
    send = services.create_sms_send(unit=tree.clp_a, body="Hi", people=Person.objects.all(), actor=None)
    services.queue_send(send)
    provider_id = FakeSmsAdapter.outbox[0].provider_id
    response = client.post(reverse("messaging:sms_status"), {"message_id": provider_id, "status": "delivered"})
    assert response.json()["updated"] == 1
    assert services.send_stats(send)["delivered"] == 1
    assert client.post(reverse("messaging:sms_status"), {"message_id": provider_id, "status": "x"}).status_code == 400
