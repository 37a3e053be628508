import datetime

import pytest
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.geography.models import Postcode
from groundswell.people.models import Membership, Person, TimelineEntry
from groundswell.people.normalise import InvalidValue
from groundswell.people.services import add_timeline_entry, create_person, set_membership, update_person

from .factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_person_normalises_everything_and_audits(branch_unit):
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.4, longitude=-0.9, constituency_code="E1", ward_code="W1")
    user = UserFactory()
    person = create_person(
        branch_unit,
        given_name=" José ",
        family_name="Álvarez",
        postcode="rg11aa",
        emails=["Jose@Example.org", "jose2@example.org"],
        phones=["07400 123456"],
        tags=["volunteer"],
        custom_fields={"skills": "driving"},
        membership={"number": "M77", "branch": branch_unit},
        actor=user,
    )
    person.refresh_from_db()
    assert person.given_name == "José" and person.normalised_name == "jose alvarez"
    assert person.postcode == "RG1 1AA" and person.constituency_code == "E1"
    assert person.primary_email == "jose@example.org" and person.email_addresses.count() == 2
    assert person.primary_phone == "+447400123456" and person.phone_numbers.get().kind == "mobile"
    assert person.tags.get().name == "volunteer"
    membership = person.memberships.get()
    assert membership.constituency_party == branch_unit.parent
    assert person.timeline.filter(kind="membership").exists()
    assert AuditEntry.objects.filter(action="created", object_id=str(person.pk), actor=user).exists()


def test_create_person_with_a_bad_value_writes_nothing(branch_unit):
    for kwargs in ({"phones": ["12"]}, {"emails": ["nope"]}, {"postcode": "XX1 1XX"}):
        with pytest.raises(InvalidValue):
            create_person(branch_unit, given_name="Ann", **kwargs)
    with pytest.raises(InvalidValue):
        create_person(branch_unit, given_name="Ann", date_of_birth=timezone.localdate() + datetime.timedelta(days=1))
    assert Person.objects.count() == 0


def test_update_person_changes_only_what_is_passed(branch_unit):
    person = create_person(branch_unit, given_name="Ann", family_name="Lee", locality="Reading", emails=["a@x.org"])
    update_person(
        person, family_name="Lee-Smith", emails=["b@x.org"], custom_fields={"a": 1}, tags=["donor", "volunteer"]
    )
    update_person(person, custom_fields={"a": None, "b": 2}, tags=["donor"])
    person.refresh_from_db()
    assert person.locality == "Reading" and person.normalised_name == "ann lee smith"
    assert person.custom_fields == {"b": 2}
    assert [t.name for t in person.tags.all()] == ["donor"]
    assert list(person.email_addresses.values_list("address", "primary")) == [("a@x.org", True), ("b@x.org", False)]
    changes = AuditEntry.objects.filter(action="changed", object_id=str(person.pk))
    assert "family_name" in changes.order_by("sequence").first().detail["fields"]
    with pytest.raises(TypeError):
        update_person(person, merged_into=None)


def test_membership_numbers_belong_to_one_person(branch_unit):
    a, b = PersonFactory(unit=branch_unit), PersonFactory(unit=branch_unit)
    set_membership(a, "M1")
    with pytest.raises(InvalidValue):
        set_membership(b, "M1")
    set_membership(a, "M1", status=Membership.Status.LAPSED)
    assert Membership.objects.get(number="M1").status == "lapsed"
    assert a.timeline.filter(kind="membership").count() == 2
    assert AuditEntry.objects.filter(action="changed", object_id=str(a.pk)).count() == 2  # one per change


def test_timeline_entries_for_later_apps():
    person = PersonFactory()
    user = UserFactory()
    when = timezone.now() - datetime.timedelta(hours=3)
    entry = add_timeline_entry(person, "canvass", "Spoke on the doorstep", {"result": "supporter"}, user, when)
    entry.refresh_from_db()
    assert (entry.kind, entry.actor, entry.occurred_at, entry.data) == ("canvass", user, when, {"result": "supporter"})
    with pytest.raises(ValueError):
        add_timeline_entry(person, "carrier-pigeon", "x")
    assert TimelineEntry.objects.count() == 1


def test_single_field_services_are_audited(branch_unit):
    from groundswell.people.services import add_email, add_phone, add_tags, set_tags

    person = PersonFactory(unit=branch_unit)
    user = UserFactory()
    add_email(person, "Z@Example.org", actor=user)
    add_email(person, "y@example.org", primary=True, actor=user)
    add_phone(person, "07400 555555", actor=user)
    add_tags(person, ["a", "b"], actor=user)
    set_tags(person, ["b"], actor=user)
    assert list(person.email_addresses.values_list("address", "primary")) == [
        ("y@example.org", True),
        ("z@example.org", False),
    ]
    assert person.primary_phone == "+447400555555"
    assert [t.name for t in person.tags.all()] == ["b"]
    fields = [e.detail["fields"] for e in AuditEntry.objects.filter(actor=user).order_by("sequence")]
    assert fields == [["emails"], ["emails"], ["phones"], ["tags"], ["tags"]]
