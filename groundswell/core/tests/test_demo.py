"""`groundswell demo`: the real Reading East boundaries, synthetic people, one login per role, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.core.demo import build_demo, current_demo_code
from groundswell.geography.lookup import lookup_point
from groundswell.people.models import Person
from groundswell.people.normalise import normalise_email, normalise_phone

pytestmark = pytest.mark.django_db


def test_demo_builds_once_and_is_marked_synthetic(shared_data, capsys):
    first = build_demo(people=150)
    assert first.created and first.constituencies == 632
    people = Person.objects.count()
    second = build_demo(people=150)
    assert not second.created
    assert Person.objects.count() == people
    assert not Person.objects.filter(synthetic=False).exists()
    assert {a.role for a in RoleAssignment.objects.all()} >= {r.value for r in Role}

    # Every synthetic address is inside the real ward its branch stands for.
    sample = Person.objects.filter(latitude__isnull=False).select_related("unit__ward")[:25]
    for person in sample:
        assert lookup_point(person.latitude, person.longitude).ward_code == person.unit.ward.code

    # The synthetic contact details survive the importer's own validation (so exports re-import).
    for person in Person.objects.prefetch_related("email_addresses", "phone_numbers")[:100]:
        for email in person.email_addresses.all():
            assert normalise_email(email.address) == email.address
        for phone in person.phone_numbers.all():
            assert normalise_phone(phone.number) == phone.number

    call_command("demo")
    assert "organiser@example.org" in capsys.readouterr().out


def test_demo_codes_only_for_demo_accounts():
    assert len(current_demo_code("organiser@example.org")) == 6
    with pytest.raises(ValueError):
        current_demo_code("someone@example.org")
