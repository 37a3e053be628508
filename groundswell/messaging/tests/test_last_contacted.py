"""`last_contacted`: who has been messaged (email or SMS) since a moment, including messages still queued."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from groundswell.messaging import services
from groundswell.messaging.models import EmailRecipient, SmsRecipient
from groundswell.people.models import Person

from .helpers import contact

pytestmark = pytest.mark.django_db


def test_people_messaged_since(tree):
    emailed = contact(tree.clp_a)
    texted = contact(tree.clp_a, email=False, mobile=True, sms_consent="granted")
    untouched = contact(tree.clp_a, email_consent=None)
    services.queue_send(
        services.create_email_send(
            unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.all(), actor=None
        )
    )
    services.queue_send(services.create_sms_send(unit=tree.clp_a, body="Hi", people=Person.objects.all(), actor=None))
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    assert set(services.last_contacted(Person.objects.all(), hour_ago)) == {emailed, texted}
    assert untouched not in services.last_contacted(Person.objects.all(), hour_ago)
    # Messages sent before `since` do not count.
    EmailRecipient.objects.update(sent_at=timezone.now() - datetime.timedelta(days=10))
    SmsRecipient.objects.update(sent_at=timezone.now() - datetime.timedelta(days=10))
    assert not services.last_contacted(Person.objects.all(), hour_ago).exists()


def test_queued_but_unsent_messages_count_and_drafts_do_not(tree):
    person = contact(tree.clp_a)
    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.all(), actor=None
    )
    since = timezone.now() - datetime.timedelta(hours=1)
    assert not services.last_contacted(Person.objects.all(), since).exists()  # a draft is not a contact
    type(send).objects.filter(pk=send.pk).update(status="queued")
    assert list(services.last_contacted(Person.objects.all(), since)) == [person]
