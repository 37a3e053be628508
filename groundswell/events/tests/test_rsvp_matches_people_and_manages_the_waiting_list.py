"""RSVPs without an account: matched to existing people by email or phone (never a duplicate), consent recorded
per channel with its source and wording, a confirmation with a calendar file and cancel link, the waiting list
and its promotion, timeline entries other apps read."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.events.models import RSVP
from groundswell.events.services import rsvps
from groundswell.people.models import Consent, Person, TimelineEntry
from groundswell.tests.factories import EmailFactory, PersonFactory, PhoneFactory

from .world import EventFactory

pytestmark = pytest.mark.django_db


def _rsvp(event, **kw):
    kw.setdefault("given_name", "Ada")
    kw.setdefault("family_name", "Lovelace")
    return rsvps.rsvp(event, **kw)


def test_a_newcomer_becomes_a_supporter_with_consent_and_a_timeline_entry():
    event = EventFactory()
    result = _rsvp(event, email="Ada@Example.org", postcode="rg1 1aa", consents={"email": True, "sms": False})
    person = result.rsvp.person
    assert result.person_created and result.rsvp.status == RSVP.Status.GOING
    assert person.unit == event.unit and person.postcode == "RG1 1AA"
    assert person.primary_email == "ada@example.org"
    consents = list(Consent.objects.filter(person=person))
    assert [(c.channel, c.status) for c in consents] == [("email", "granted")]
    assert consents[0].source == f"RSVP form: event #{event.pk}"
    assert "unsubscribe" in consents[0].wording
    entry = TimelineEntry.objects.get(person=person, kind=TimelineEntry.Kind.EVENT)
    assert entry.data == {"event_id": event.pk, "status": "rsvp"}
    assert AuditEntry.objects.filter(object_type="events.rsvp", object_id=str(result.rsvp.pk)).exists()


def test_matched_by_email_or_phone_never_duplicated():
    event = EventFactory()
    known = PersonFactory()
    EmailFactory(person=known, address="grace@example.org")
    by_phone = PersonFactory()
    PhoneFactory(person=by_phone, number="+447700900111")
    before = Person.objects.count()
    first = _rsvp(event, given_name="Grace", email="GRACE@example.org ")
    assert first.rsvp.person == known and not first.person_created
    second = _rsvp(event, given_name="Grace", email="grace@example.org")
    assert second.already and second.rsvp.pk == first.rsvp.pk
    other = _rsvp(event, given_name="Alan", email="new@example.org", phone="07700 900111")
    assert other.rsvp.person == by_phone
    assert set(by_phone.email_addresses.values_list("address", flat=True)) == {"new@example.org"}
    assert Person.objects.count() == before
    assert RSVP.objects.filter(event=event).count() == 2


def test_merged_away_records_are_not_matched():
    event = EventFactory()
    survivor = PersonFactory()
    merged = PersonFactory(merged_into=survivor)
    EmailFactory(person=merged, address="old@example.org")
    result = _rsvp(event, email="old@example.org")
    assert result.rsvp.person != merged


def test_confirmation_email_has_a_calendar_file_and_a_cancel_link(django_capture_on_commit_callbacks):
    event = EventFactory(title="Saturday canvass")
    with django_capture_on_commit_callbacks(execute=True):
        result = _rsvp(event, email="ada@example.org")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert f"/events/rsvp/{result.rsvp.token}/cancel/" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "event.ics" and mimetype == "text/calendar"
    assert "SUMMARY:Saturday canvass" in content


def test_bad_input_names_the_field_and_writes_nothing():
    event = EventFactory()
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        _rsvp(event, given_name=" ", email="not-an-email", phone="12")
    assert {"given_name", "email", "phone"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        _rsvp(event)
    assert "email" in exc.value.message_dict
    assert Person.objects.count() == before and not RSVP.objects.exists()


def test_full_event_waitlists_and_a_cancellation_promotes_the_longest_waiting(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=2)
    a = _rsvp(event, email="a@example.org").rsvp
    _rsvp(event, email="b@example.org")
    c = _rsvp(event, email="c@example.org").rsvp
    d = _rsvp(event, email="d@example.org").rsvp
    assert (c.status, d.status) == (RSVP.Status.WAITLIST, RSVP.Status.WAITLIST)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = rsvps.cancel_rsvp(a)
    assert promoted.pk == c.pk
    c.refresh_from_db()
    d.refresh_from_db()
    assert c.status == RSVP.Status.GOING and c.promoted_at is not None
    assert d.status == RSVP.Status.WAITLIST
    assert [m.to for m in mail.outbox] == [["c@example.org"]]
    # Cancelling twice is harmless.
    assert rsvps.cancel_rsvp(a) is None


def test_raising_capacity_promotes_in_order():
    event = EventFactory(capacity=1)
    _rsvp(event, email="a@example.org")
    waiting = [_rsvp(event, email=f"w{i}@example.org").rsvp for i in range(3)]
    promoted = rsvps.set_capacity(event, 3, actor=None)
    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]


def test_check_in_walk_in_and_no_shows_reach_the_timeline():
    event = EventFactory()
    came = _rsvp(event, email="came@example.org").rsvp
    absent = _rsvp(event, email="absent@example.org").rsvp
    rsvps.check_in(came, actor=None)
    rsvps.check_in(came, actor=None)  # a second tap changes nothing
    walk = rsvps.walk_in(event, given_name="Walk", family_name="In")
    assert walk.status == RSVP.Status.ATTENDED
    assert rsvps.close_event(event, actor=None) == 1
    absent.refresh_from_db()
    assert absent.status == RSVP.Status.NO_SHOW

    def statuses(rsvp):
        return [e.data["status"] for e in TimelineEntry.objects.filter(person=rsvp.person, kind="event").order_by("id")]

    assert statuses(came) == ["rsvp", "attended"]
    assert statuses(absent) == ["rsvp", "no_show"]


def test_no_rsvp_to_a_pending_or_finished_event():
    from django.utils import timezone

    with pytest.raises(ValidationError):
        _rsvp(EventFactory(status="pending"), email="a@example.org")
    past = EventFactory(starts_at=timezone.now() - timezone.timedelta(days=2))
    with pytest.raises(ValidationError):
        _rsvp(past, email="a@example.org")
