"""Segment filters and counts: each built-in kind, combinations, the unit boundary, and the registry."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from groundswell.geography.models import Postcode
from groundswell.messaging import segments, services
from groundswell.people.models import Person, TimelineEntry
from groundswell.people.services import add_tags, set_membership
from groundswell.tests.factories import PersonFactory

from .helpers import contact

pytestmark = pytest.mark.django_db


def _match(unit, *filters):
    return set(
        segments.people_matching(unit, [{"key": k, "value": v} for k, v in filters]).values_list("pk", flat=True)
    )


def test_a_segment_never_reaches_outside_its_unit(tree):
    inside = PersonFactory(unit=tree.branch_a1)
    PersonFactory(unit=tree.clp_b)
    assert _match(tree.clp_a) == {inside.pk}
    # A unit filter naming a unit elsewhere matches nobody rather than widening the segment.
    assert _match(tree.clp_a, ("unit", tree.clp_b.pk)) == set()
    assert _match(tree.clp_a, ("unit", tree.branch_a1.pk)) == {inside.pk}


def test_tags_any_of(tree):
    a, b, c = (PersonFactory(unit=tree.clp_a) for _ in range(3))
    add_tags(a, ["volunteer"])
    add_tags(b, ["donor", "volunteer"])
    add_tags(c, ["donor"])
    assert _match(tree.clp_a, ("tag", ["volunteer"])) == {a.pk, b.pk}
    assert _match(tree.clp_a, ("tag", ["volunteer", "donor"])) == {a.pk, b.pk, c.pk}
    assert _match(tree.clp_a, ("tag", ["volunteer"]), ("tag", ["donor"])) == {b.pk}


def test_membership_status(tree):
    active, lapsed = PersonFactory(unit=tree.clp_a), PersonFactory(unit=tree.clp_a)
    PersonFactory(unit=tree.clp_a)
    set_membership(active, "M1", status="active")
    set_membership(lapsed, "M2", status="lapsed")
    assert _match(tree.clp_a, ("membership_status", ["lapsed"])) == {lapsed.pk}
    assert _match(tree.clp_a, ("membership_status", ["active", "lapsed"])) == {active.pk, lapsed.pk}


def test_events_attended_and_survey_answers_read_the_timeline(tree):
    went, answered, other = (PersonFactory(unit=tree.clp_a) for _ in range(3))
    TimelineEntry.objects.create(person=went, kind="event", summary="Attended", data={"event_id": 7})
    TimelineEntry.objects.create(person=other, kind="event", summary="Attended", data={"event_id": 8})
    TimelineEntry.objects.create(
        person=answered, kind="survey", summary="Answered", data={"survey_id": 3, "answers": {"housing": "yes"}}
    )
    TimelineEntry.objects.create(
        person=other, kind="survey", summary="Answered", data={"survey_id": 3, "answers": {"housing": "no"}}
    )
    assert _match(tree.clp_a, ("event_attended", 7)) == {went.pk}
    assert _match(tree.clp_a, ("survey_answer", segments.parse_survey_answer("3"))) == {answered.pk, other.pk}
    assert _match(tree.clp_a, ("survey_answer", segments.parse_survey_answer("3:housing=yes"))) == {answered.pk}


@pytest.mark.parametrize("text", ["", "x", "3:house__x=1", "3:=yes"])
def test_survey_answer_input_is_checked(text):
    with pytest.raises(ValidationError):
        segments.parse_survey_answer(text)


def test_canvass_support_uses_the_electors_current_support(tree):
    from django.utils import timezone

    from groundswell.geography.models import Constituency
    from groundswell.register.models import Elector

    con = Constituency.objects.create(code="E14000879", name="Reading East")
    supporter, against, removed = (PersonFactory(unit=tree.clp_a) for _ in range(3))
    for n, (person, code) in enumerate([(supporter, "S"), (against, "A"), (removed, "S")], start=1):
        Elector.objects.create(
            constituency=con,
            polling_district="AB1",
            number=n,
            person=person,
            current_support=code,
            deleted_at=timezone.now() if person is removed else None,
        )
    assert _match(tree.clp_a, ("canvass_support", ["S"])) == {supporter.pk}
    assert _match(tree.clp_a, ("canvass_support", ["S", "A"])) == {supporter.pk, against.pk}


def test_distance_from_a_postcode(tree):
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.4551, longitude=-0.9787)
    near = PersonFactory(unit=tree.clp_a, latitude=51.46, longitude=-0.97)  # ~0.8 km
    edge = PersonFactory(unit=tree.clp_a, latitude=51.4551, longitude=-0.9087)  # ~4.9 km due east
    corner = PersonFactory(unit=tree.clp_a, latitude=51.4951, longitude=-0.9187)  # in the 5 km box, ~6 km away
    PersonFactory(unit=tree.clp_a, latitude=None, longitude=None)
    value = segments.DistanceField(required=False).clean("rg11aa, 5")
    assert value["postcode"] == "RG1 1AA" and value["km"] == 5
    assert _match(tree.clp_a, ("distance", value)) == {near.pk, edge.pk}
    assert corner.pk not in _match(tree.clp_a, ("distance", value))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("RG1 1AA", "postcode, then kilometres"),
        ("RG1 1AA, 900", "at most 500"),
        ("ZZ9 9ZZ, 2", "not a UK postcode"),
        ("SW1A 1AA, 2", "not in the postcode"),
    ],
)
def test_distance_input_is_checked(text, message):
    with pytest.raises(ValidationError) as info:
        segments.DistanceField(required=False).clean(text)
    assert message in " ".join(info.value.messages)


def test_consent_filter_and_live_count(tree):
    emailable = contact(tree.clp_a)
    contact(tree.clp_a, email_consent=None)
    assert _match(tree.clp_a, ("consent", "email")) == {emailable.pk}


def test_saving_a_segment_checks_filters_and_is_audited(tree):
    from groundswell.audit.models import AuditEntry

    segment = services.save_segment(
        unit=tree.clp_a,
        name="Volunteers",
        filters=[{"key": "tag", "value": ["volunteer"]}, {"key": "event_attended", "value": None}],
        actor=None,
    )
    assert segment.filters == [{"key": "tag", "value": ["volunteer"]}]
    assert AuditEntry.objects.filter(object_type="messaging.segment", object_id=str(segment.pk)).exists()
    with pytest.raises(ValidationError):
        services.save_segment(unit=tree.clp_a, name="Bad", filters=[{"key": "nope", "value": 1}], actor=None)
    with pytest.raises(ValidationError) as info:
        services.save_segment(unit=tree.clp_a, name=" ", filters=[], actor=None)
    assert "name" in info.value.message_dict


def test_other_apps_can_register_filters(tree):
    a = PersonFactory(unit=tree.clp_a, given_name="Zed")
    PersonFactory(unit=tree.clp_a, given_name="Amy")
    segments.register_segment_filter(
        "given_name_is",
        "Given name is",
        lambda: forms.CharField(required=False),
        lambda qs, value, unit: qs.filter(given_name=value),
    )
    try:
        assert "given_name_is" in {f.key for f in segments.segment_filters()}
        assert _match(tree.clp_a, ("given_name_is", "Zed")) == {a.pk}
        assert segments.describe_filters([{"key": "given_name_is", "value": "Zed"}]) == ["Given name is: Zed"]
    finally:
        segments._REGISTRY.pop("given_name_is")
    with pytest.raises(ValueError):
        segments.register_segment_filter("Bad Key", "x", forms.CharField, lambda qs, v, u: qs)


def test_a_segment_feeds_a_send(tree):
    a = contact(tree.clp_a)
    add_tags(a, ["volunteer"])
    b = contact(tree.clp_a)
    add_tags(b, ["volunteer"])
    contact(tree.clp_a)
    Person.objects.filter(pk=b.pk).update(erased_at="2026-01-01T00:00:00Z")
    people = segments.people_matching(tree.clp_a, [{"key": "tag", "value": ["volunteer"]}])
    send = services.create_email_send(unit=tree.clp_a, subject="Hi", body_text="Hello", people=people, actor=None)
    assert list(send.recipients.values_list("person_id", flat=True)) == [a.pk]
