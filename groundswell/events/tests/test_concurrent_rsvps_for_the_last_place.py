"""Many people pressing RSVP for the last place at the same moment: exactly one gets it, the rest wait.

Real threads, each on its own PostgreSQL connection, through rsvps.rsvp (the event row lock decides). On
SQLite the suite's in-memory database cannot be shared between threads, and SQLite's BEGIN IMMEDIATE
transactions serialise writers anyway, so this runs on PostgreSQL only.
"""

from __future__ import annotations

import pytest
from django.db import connection

from groundswell.events.models import RSVP
from groundswell.events.services import rsvps
from groundswell.people.models import Person
from groundswell.phonebank.tests.test_concurrency import _run_threads

from .world import EventFactory

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rsvps_for_the_last_place_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises writers; see the module docstring)")
    event = EventFactory(capacity=3)
    rsvps.rsvp(event, given_name="Early", email="early1@example.org", notify_person=False)
    rsvps.rsvp(event, given_name="Early", email="early2@example.org", notify_person=False)

    def attempt(i: int) -> str:
        return rsvps.rsvp(event, given_name=f"P{i}", email=f"p{i}@example.org", notify_person=False).rsvp.status

    statuses = _run_threads(attempt, THREADS)
    assert statuses.count(RSVP.Status.GOING) == 1
    assert statuses.count(RSVP.Status.WAITLIST) == THREADS - 1
    assert RSVP.objects.filter(event=event, status=RSVP.Status.GOING).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_person_rsvping_twice_at_once_is_one_record_and_one_rsvp():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    event = EventFactory()
    _run_threads(lambda i: rsvps.rsvp(event, given_name="Twin", email="twin@example.org", notify_person=False), 4)
    assert Person.objects.filter(email_addresses__address="twin@example.org").count() == 1
    assert RSVP.objects.filter(event=event).count() == 1
