"""Email and SMS go only to people with granted consent on that channel and no suppression (PECR: no soft opt-in
for a political party). Each rule is checked on both channels and through a whole send."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from groundswell.messaging import services
from groundswell.messaging.sms import FakeSmsAdapter
from groundswell.people.models import Consent, EmailAddress, Person
from groundswell.people.services import add_suppression, set_consent
from groundswell.tests.factories import EmailFactory

from .helpers import contact

pytestmark = pytest.mark.django_db


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_email_needs_granted_consent_not_just_an_address(tree):
    granted = contact(tree.clp_a)
    never_asked = contact(tree.clp_a, email_consent=None)
    unknown = contact(tree.clp_a, email_consent=Consent.Status.UNKNOWN)
    withdrawn = contact(tree.clp_a, email_consent=Consent.Status.WITHDRAWN)
    no_address = contact(tree.clp_a, email=False)
    assert _ids(services.email_recipients(Person.objects.all())) == {granted.pk}
    # Service messages (e.g. a membership renewal) need no marketing consent, but withdrawal still blocks.
    service = _ids(services.email_recipients(Person.objects.all(), purpose="service"))
    assert service == {granted.pk, never_asked.pk, unknown.pk}
    assert withdrawn.pk not in service and no_address.pk not in service


def test_latest_consent_decides(tree):
    person = contact(tree.clp_a)
    set_consent(person, "email", "withdrawn", "phoned in")
    assert not services.email_recipients(Person.objects.all()).exists()
    set_consent(person, "email", "granted", "web form")
    assert services.email_recipients(Person.objects.all()).exists()


@pytest.mark.parametrize(
    "suppress",
    [
        lambda p: add_suppression("do_not_contact", person=p),
        lambda p: add_suppression("no_email", person=p),
        lambda p: add_suppression("no_email", email=p.primary_email),
        lambda p: add_suppression("do_not_contact", email=p.primary_email),
        lambda p: EmailAddress.objects.filter(person=p).update(status="bounced"),
        lambda p: Person.objects.filter(pk=p.pk).update(erased_at=timezone.now()),
        lambda p: Person.objects.filter(pk=p.pk).update(merged_into=contact(p.unit)),
    ],
    ids=["dnc-person", "no-email-person", "no-email-address", "dnc-address", "bounced", "erased", "merged"],
)
def test_suppressed_people_get_no_email(tree, suppress):
    person = contact(tree.clp_a)
    suppress(person)
    assert person.pk not in _ids(services.email_recipients(Person.objects.all()))
    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.filter(pk=person.pk), actor=None
    )
    services.queue_send(send)
    assert services.send_stats(send)["recipients"] == 0 and mail.outbox == []


def test_a_suppressed_second_address_is_skipped_for_the_usable_one(tree):
    person = contact(tree.clp_a)
    blocked = person.primary_email
    EmailFactory(person=person, address="other@example.org", primary=False)
    add_suppression("no_email", email=blocked)
    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.all(), actor=None
    )
    assert list(send.recipients.values_list("address", flat=True)) == ["other@example.org"]


def test_sms_needs_sms_consent_and_a_mobile(tree):
    texter = contact(tree.clp_a, mobile=True, sms_consent="granted")
    email_only = contact(tree.clp_a, mobile=True)  # email consent does not cover texts
    no_mobile = contact(tree.clp_a, sms_consent="granted")
    landline = contact(tree.clp_a, sms_consent="granted")
    from groundswell.tests.factories import PhoneFactory

    PhoneFactory(person=landline, number="+441189000001", kind="home")
    assert _ids(services.sms_recipients(Person.objects.all())) == {texter.pk}
    assert email_only.pk not in _ids(services.sms_recipients(Person.objects.all()))
    assert no_mobile.pk not in _ids(services.sms_recipients(Person.objects.all()))


@pytest.mark.parametrize(
    "suppress",
    [
        lambda p: add_suppression("do_not_contact", person=p),
        lambda p: add_suppression("no_phone", person=p),
        lambda p: add_suppression("no_phone", phone=p.primary_phone),
        lambda p: set_consent(p, "sms", "withdrawn", "replied STOP"),
        lambda p: Person.objects.filter(pk=p.pk).update(erased_at=timezone.now()),
    ],
    ids=["dnc", "no-phone-person", "no-phone-number", "withdrawn", "erased"],
)
def test_suppressed_people_get_no_texts(tree, suppress):
    person = contact(tree.clp_a, mobile=True, sms_consent="granted")
    suppress(person)
    send = services.create_sms_send(unit=tree.clp_a, body="Hello", people=Person.objects.all(), actor=None)
    services.queue_send(send)
    assert services.send_stats(send)["recipients"] == 0 and FakeSmsAdapter.outbox == []


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_suppression_added_after_the_list_was_frozen_is_honoured_at_send_time(tree, channel):
    keep = contact(tree.clp_a, mobile=True, sms_consent="granted")
    late = contact(tree.clp_a, mobile=True, sms_consent="granted")
    people = Person.objects.all()
    if channel == "email":
        send = services.create_email_send(unit=tree.clp_a, subject="Hi", body_text="Hello", people=people, actor=None)
        add_suppression("no_email", email=late.primary_email)
    else:
        send = services.create_sms_send(unit=tree.clp_a, body="Hello", people=people, actor=None)
        set_consent(late, "sms", "withdrawn", "phoned the office")
    services.queue_send(send)
    stats = services.send_stats(send)
    assert (stats["recipients"], stats["sent"], stats["skipped"]) == (2, 1, 1)
    outbox = [m.to[0] for m in mail.outbox] if channel == "email" else [m.to for m in FakeSmsAdapter.outbox]
    assert outbox == ([keep.primary_email] if channel == "email" else [keep.primary_phone])
