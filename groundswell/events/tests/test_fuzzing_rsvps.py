"""Hostile and random RSVPs (the public form on an event's page) and cancellations (the link in the confirmation):
never a 500, nothing written when refused, and never a change to another event's or another person's booking.

Each example runs in a savepoint that is rolled back, so examples do not see each other's writes.
"""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from groundswell.events.models import RSVP, Event
from groundswell.events.services import rsvps
from groundswell.people.models import Consent, EmailAddress, Person, PhoneNumber, TimelineEntry
from groundswell.tests.factories import EmailFactory, PersonFactory, PhoneFactory

from .world import EventFactory

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000
AWKWARD = ["\x00", "a\x00b", "²", "🙂", "", " ", "9" * 40, "<script>", "' OR 1=1 --", "RG1 1AA\x00", "+44\x007700"]
FIELDS = ["given_name", "family_name", "email", "phone", "postcode", "consent_email", "consent_sms"]


@pytest.fixture
def world():
    now = timezone.now()
    w = SimpleNamespace()
    w.open = EventFactory(capacity=3)
    w.full = EventFactory(unit=w.open.unit, capacity=1)
    w.other = EventFactory(unit=w.open.unit)
    w.pending = EventFactory(unit=w.open.unit, status=Event.Status.PENDING)
    w.past = EventFactory(
        unit=w.open.unit, starts_at=now - datetime.timedelta(days=2), ends_at=now - datetime.timedelta(days=2)
    )
    w.grace = PersonFactory(unit=w.open.unit)
    EmailFactory(person=w.grace, address="grace@example.org")
    PhoneFactory(person=w.grace, number="+447700900111")
    w.graces = rsvps.rsvp(w.other, given_name="Grace", email="grace@example.org").rsvp
    w.alan = rsvps.rsvp(w.full, given_name="Alan", email="alan@example.org").rsvp
    w.gone = rsvps.rsvp(w.open, given_name="Ada", email="ada@example.org").rsvp
    rsvps.cancel_rsvp(w.gone)
    w.events = [w.open, w.full, w.other, w.pending, w.past]
    w.valid = {"given_name": "Kit", "email": "kit@example.org", "postcode": "RG1 1AA", "consent_email": "on"}
    return w


def _snapshot() -> dict:
    return {
        "rsvps": sorted(RSVP.objects.values_list("pk", "event_id", "person_id", "status", "source")),
        "people": sorted(Person.objects.values_list("pk", "given_name", "family_name", "postcode")),
        "emails": sorted(EmailAddress.objects.values_list("person_id", "address")),
        "phones": sorted(PhoneNumber.objects.values_list("person_id", "number")),
        "consents": Consent.objects.count(),
        "timeline": TimelineEntry.objects.count(),
    }


def _values() -> st.SearchStrategy:
    one = st.one_of(
        st.text(max_size=30),
        st.sampled_from(AWKWARD + ["grace@example.org", "07700 900111", "alan@example.org", "on", "true"]),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.just(HUGE),
    )
    return st.one_of(one, st.lists(one, max_size=3))


FORMS = st.tuples(
    st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), _values(), max_size=5),
    st.lists(st.sampled_from(FIELDS), max_size=2),
    st.sampled_from([True, True, True, False]),  # mostly from a valid form, so some are accepted
)
NESTED = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=30,
)
BODIES = st.one_of(
    st.just(None),
    st.binary(max_size=200).map(lambda b: ("application/x-www-form-urlencoded", b)),
    NESTED.map(lambda n: ("application/json", json.dumps({"given_name": n, "email": [[[[n]]]]}))),
)


@given(data=st.data())
def test_the_rsvp_form_survives_anything_and_books_only_the_submitter(world, data):
    w = world
    overrides, dropped, from_valid = data.draw(FORMS)
    form = {k: v for k, v in {**(w.valid if from_valid else {}), **overrides}.items() if k not in dropped}
    event = data.draw(st.sampled_from(w.events))
    body = data.draw(BODIES)
    with transaction.atomic():
        cache.clear()
        before = _snapshot()
        if body is None:
            payload, content_type = urlencode(form, doseq=True), "application/x-www-form-urlencoded"
        else:
            content_type, payload = body
        response = Client().post(f"/events/{event.pk}/", payload, content_type=content_type)
        assert response.status_code < 500
        after = _snapshot()
        if response.status_code != 302:
            assert after == before, f"refused ({response.status_code}) yet something was written"
        else:
            assert event in (w.open, w.full, w.other)
            changed = set(after["rsvps"]) - set(before["rsvps"])
            gone = set(before["rsvps"]) - set(after["rsvps"])
            # At most one booking is new or changed, it is for this event, and no other booking moved.
            assert len(changed) <= 1 and len(gone) <= len(changed)
            for _pk, event_id, _person, status, _source in changed:
                assert event_id == event.pk and status in (RSVP.Status.GOING, RSVP.Status.WAITLIST)
            assert {r for r in before["rsvps"] if r[1] != event.pk} <= set(after["rsvps"])
            # Nobody's name or postcode is rewritten by someone else's RSVP; at most one person is added.
            assert set(before["people"]) <= set(after["people"])
            assert len(after["people"]) - len(before["people"]) <= 1
            assert set(before["emails"]) <= set(after["emails"]) and set(before["phones"]) <= set(after["phones"])
        transaction.set_rollback(True)


@given(token=st.one_of(st.text(max_size=40), st.sampled_from(["\x00", "%00", "a" * 5000, "..", "%2F"])))
def test_a_cancel_link_that_is_not_yours_changes_nothing(world, token):
    w = world
    with transaction.atomic():
        before = _snapshot()
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/events/rsvp/{quote(token, safe='')}/cancel/")
            assert response.status_code < 500
            if token not in (w.graces.token, w.alan.token, w.gone.token):
                assert response.status_code == 404
        assert _snapshot() == before
        transaction.set_rollback(True)


def test_an_rsvp_link_with_a_nul_byte_is_not_found(world):
    """PostgreSQL refuses to compare text with NUL in it: the token lookup was a 500 there."""
    assert Client().get(f"/events/rsvp/{world.graces.token}%00/").status_code == 404
    assert Client().post(f"/events/rsvp/{world.graces.token}%00/cancel/").status_code == 404
    world.graces.refresh_from_db()
    assert world.graces.status == RSVP.Status.GOING
