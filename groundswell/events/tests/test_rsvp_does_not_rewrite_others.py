"""An RSVP from a public form that matches an existing person by email never rewrites that person's postcode."""

from __future__ import annotations

import pytest

from groundswell.events.services.rsvps import rsvp
from groundswell.people.models import Person
from groundswell.tests.factories import EmailFactory, PersonFactory

from .world import EventFactory

pytestmark = pytest.mark.django_db


def test_someone_typing_another_persons_email_does_not_set_their_postcode():
    event = EventFactory()
    alan = PersonFactory(unit=event.unit, given_name="Alan", family_name="", postcode="")
    EmailFactory(person=alan, address="alan@example.org", primary=True)
    result = rsvp(event, given_name="Mallory", email="ALAN@EXAMPLE.ORG", postcode="RG1 1AA", notify_person=False)
    assert result.rsvp.person_id == alan.pk  # matched, never a duplicate
    alan.refresh_from_db()
    assert alan.postcode == "" and alan.given_name == "Alan"
    assert Person.objects.count() == 1
