import pytest
from django.db.models import Count

from groundswell.audit.models import AuditEntry
from groundswell.people.dedupe import MergeError, find_duplicate_candidates, merge_people, person_merged
from groundswell.people.models import (
    Consent,
    EmailAddress,
    Membership,
    Person,
    PhoneNumber,
    Suppression,
    Tagging,
    TimelineEntry,
)
from groundswell.people.selectors import current_consents

from .factories import (
    ConsentFactory,
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    SuppressionFactory,
    TagFactory,
    TimelineEntryFactory,
    UnitFactory,
    UserFactory,
    ValidPhoneFactory,
)

pytestmark = pytest.mark.django_db


def _pairs(qs=None):
    return {(c.person_a_id, c.person_b_id): c.reasons for c in find_duplicate_candidates(qs or Person.objects.all())}


def test_candidates_by_email_phone_and_name_at_address():
    a, b = PersonFactory(), PersonFactory()
    EmailFactory(person=a, address="same@example.org")
    EmailFactory(person=b, address="same@example.org")
    c, d = PersonFactory(), PersonFactory()
    ValidPhoneFactory(person=c, number="+447400000001")
    ValidPhoneFactory(person=d, number="+447400000001")
    e = PersonFactory(normalised_name="jo bloggs", postcode="RG1 1AA", address_line1="1 High St")
    f = PersonFactory(normalised_name="jo bloggs", postcode="RG1 1AA", address_line1=" 1 HIGH ST ")
    # Same name, different address: not a candidate. Same address, different name: not a candidate.
    PersonFactory(normalised_name="jo bloggs", postcode="RG1 1AA", address_line1="2 High St")
    PersonFactory(normalised_name="sam bloggs", postcode="RG1 1AA", address_line1="1 High St")
    # Two emails for the same person do not pair that person with itself.
    g = PersonFactory()
    EmailFactory(person=g, address="g1@example.org")
    EmailFactory(person=g, address="g2@example.org", primary=False)
    pairs = _pairs()
    assert pairs == {
        (a.pk, b.pk): ["email"],
        (c.pk, d.pk): ["phone"],
        (e.pk, f.pk): ["name_address"],
    }


def test_reasons_accumulate_on_one_pair():
    a, b = PersonFactory(), PersonFactory()
    EmailFactory(person=a, address="x@example.org")
    EmailFactory(person=b, address="x@example.org")
    ValidPhoneFactory(person=a, number="+447400000002")
    ValidPhoneFactory(person=b, number="+447400000002")
    assert _pairs() == {(a.pk, b.pk): ["email", "phone"]}


def test_candidates_are_scoped_to_the_queryset_and_skip_merged(django_assert_max_num_queries):
    unit_a, unit_b = UnitFactory(), UnitFactory()
    a, b = PersonFactory(unit=unit_a), PersonFactory(unit=unit_b)
    EmailFactory(person=a, address="s@example.org")
    EmailFactory(person=b, address="s@example.org")
    assert _pairs(Person.objects.filter(unit=unit_a)) == {}
    c = PersonFactory(unit=unit_a, merged_into=a)
    EmailFactory(person=c, address="s@example.org")
    assert _pairs(Person.objects.filter(unit=unit_a)) == {}
    with django_assert_max_num_queries(6):  # constant: grouped queries, not one per person
        assert (a.pk, b.pk) in _pairs()


def test_merge_moves_everything_and_keeps_every_timeline_entry():
    actor = UserFactory()
    keep = PersonFactory(given_name="Jo", family_name="Bloggs", date_of_birth=None, address_line2="")
    other = PersonFactory(
        given_name="Joanna",
        family_name="Bloggs",
        address_line2="Flat 2",
        custom_fields={"skills": "driving", "shirt": "M"},
    )
    keep.custom_fields = {"shirt": "L"}
    keep.save()
    EmailFactory(person=keep, address="jo@example.org")
    EmailFactory(person=other, address="jo@example.org")  # duplicate value: dropped, not doubled
    EmailFactory(person=other, address="joanna@example.org", primary=True)
    ValidPhoneFactory(person=other, number="+447400000003")
    shared, only_other = TagFactory(), TagFactory()
    Tagging.objects.create(person=keep, tag=shared)
    Tagging.objects.create(person=other, tag=shared)
    Tagging.objects.create(person=other, tag=only_other)
    MembershipFactory(person=other, number="M-OTHER")
    ConsentFactory(person=other, channel="sms", status="granted")
    SuppressionFactory(person=other, kind=Suppression.Kind.NO_PHONE)
    keep_entries = [TimelineEntryFactory(person=keep) for _ in range(3)]
    other_entries = [TimelineEntryFactory(person=other) for _ in range(5)]
    login = UserFactory(person=other)
    received = []
    person_merged.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-merge")
    try:
        merge_people(keep, other, actor=actor, field_choices={"given_name": "other"})
    finally:
        person_merged.disconnect(dispatch_uid="test-merge")

    keep.refresh_from_db()
    other.refresh_from_db()
    assert other.merged_into_id == keep.pk
    assert keep.given_name == "Joanna" and keep.address_line2 == "Flat 2"
    assert keep.normalised_name == "joanna bloggs"
    assert keep.custom_fields == {"shirt": "L", "skills": "driving"}
    assert sorted(keep.email_addresses.values_list("address", flat=True)) == ["jo@example.org", "joanna@example.org"]
    assert keep.email_addresses.filter(primary=True).count() == 1
    assert keep.email_addresses.get(primary=True).address == "jo@example.org"  # keep's primary stays primary
    assert list(keep.phone_numbers.values_list("number", flat=True)) == ["+447400000003"]
    assert keep.phone_numbers.get().primary
    assert set(keep.taggings.values_list("tag_id", flat=True)) == {shared.pk, only_other.pk}
    assert Membership.objects.get(number="M-OTHER").person_id == keep.pk
    assert current_consents(keep)["sms"].status == "granted"
    assert Suppression.objects.get().person_id == keep.pk
    login.refresh_from_db()
    assert login.person_id == keep.pk
    # Every timeline entry survives, on keep, plus the merge entry itself.
    ids = set(TimelineEntry.objects.filter(person=keep).values_list("pk", flat=True))
    assert {e.pk for e in keep_entries + other_entries} <= ids
    assert len(ids) == 3 + 5 + 1
    merge_entry = TimelineEntry.objects.get(person=keep, kind=TimelineEntry.Kind.MERGE)
    assert merge_entry.data["merged_person_id"] == other.pk and merge_entry.actor == actor
    assert not any(
        model.objects.filter(person=other).exists()
        for model in (EmailAddress, PhoneNumber, Tagging, Membership, Consent, Suppression, TimelineEntry)
    )
    audit = AuditEntry.objects.get(action="merged")
    assert audit.object_id == str(keep.pk) and audit.detail["merged_person_id"] == other.pk
    assert audit.actor == actor
    assert received and received[0]["keep"].pk == keep.pk and received[0]["other"].pk == other.pk


def test_merge_fills_blanks_from_other_but_keeps_keeps_values():
    keep = PersonFactory(given_name="Jo", locality="", postcode="RG1 1AA", constituency_code="E1")
    other = PersonFactory(given_name="Joe", locality="Reading", postcode="RG2 2BB", constituency_code="E2")
    merge_people(keep, other)
    keep.refresh_from_db()
    assert keep.given_name == "Jo" and keep.locality == "Reading"
    assert keep.postcode == "RG1 1AA" and keep.constituency_code == "E1"


def test_postcode_choice_carries_its_geography():
    keep = PersonFactory(postcode="RG1 1AA", constituency_code="E1", latitude=1.0)
    other = PersonFactory(postcode="RG2 2BB", constituency_code="E2", latitude=2.0)
    merge_people(keep, other, field_choices={"postcode": "other"})
    keep.refresh_from_db()
    assert (keep.postcode, keep.constituency_code, keep.latitude) == ("RG2 2BB", "E2", 2.0)


def test_merge_chains_point_at_the_survivor():
    a, b, c = PersonFactory(), PersonFactory(), PersonFactory()
    merge_people(b, c)
    merge_people(a, b)
    assert Person.objects.get(pk=c.pk).merged_into_id == a.pk


@pytest.mark.parametrize("problem", ["self", "already", "both_logins", "bad_choice"])
def test_impossible_merges_change_nothing(problem):
    keep, other = PersonFactory(), PersonFactory()
    TimelineEntryFactory(person=other)
    choices = None
    if problem == "self":
        other = keep
    elif problem == "already":
        other.merged_into = PersonFactory()
        other.save()
    elif problem == "both_logins":
        UserFactory(person=keep)
        UserFactory(person=other)
    else:
        choices = {"unit": "other"}
    with pytest.raises(MergeError):
        merge_people(keep, other, field_choices=choices)
    assert not AuditEntry.objects.filter(action="merged").exists()
    assert not TimelineEntry.objects.filter(kind="merge").exists()


def test_merge_is_all_or_nothing(monkeypatch):
    keep, other = PersonFactory(), PersonFactory()
    TimelineEntryFactory(person=other)
    EmailFactory(person=other)

    def explode(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("groundswell.people.dedupe.record", explode)
    with pytest.raises(RuntimeError):
        merge_people(keep, other)
    other.refresh_from_db()
    assert other.merged_into_id is None
    assert other.timeline.count() == 1 and other.email_addresses.count() == 1
    counts = dict(TimelineEntry.objects.values_list("person").annotate(n=Count("id")))
    assert counts == {other.pk: 1}


def test_merge_keeps_an_unsubscribe_on_a_shared_address_and_others_primary_when_keep_has_none():
    keep, other = PersonFactory(), PersonFactory()
    EmailFactory(person=keep, address="shared@example.org", status="subscribed", primary=False)
    EmailFactory(person=other, address="shared@example.org", status="unsubscribed")
    EmailFactory(person=other, address="main@example.org", primary=True)
    ValidPhoneFactory(person=other, number="+447400000041", primary=False)
    ValidPhoneFactory(person=other, number="+447400000042", primary=True)
    merge_people(keep, other)
    assert keep.email_addresses.get(address="shared@example.org").status == "unsubscribed"
    assert list(keep.email_addresses.filter(primary=True).values_list("address", flat=True)) == ["main@example.org"]
    assert list(keep.phone_numbers.filter(primary=True).values_list("number", flat=True)) == ["+447400000042"]
