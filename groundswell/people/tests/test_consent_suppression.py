import datetime

import pytest
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.people.models import Consent, Person, Suppression, TimelineEntry
from groundswell.people.selectors import (
    CHANNELS,
    PURPOSES,
    contactable,
    contactable_numbers,
    current_consents,
    is_contactable,
)
from groundswell.people.services import add_suppression, set_consent

from .factories import EmailFactory, PersonFactory, UserFactory, ValidPhoneFactory

pytestmark = pytest.mark.django_db


def _person(email=True, mobile=True, landline=False, address=True):
    person = PersonFactory(address_line1="1 High Street" if address else "", postcode="RG1 1AA" if address else "")
    if email:
        EmailFactory(person=person)
    if mobile:
        ValidPhoneFactory(person=person, kind="mobile")
    if landline:
        ValidPhoneFactory(person=person, number=f"+44118496{person.pk % 10000:04d}", kind="other", primary=False)
    return person


def test_consent_history_is_kept_and_newest_is_current():
    person = _person()
    user = UserFactory()
    t0 = timezone.now() - datetime.timedelta(days=10)
    first = set_consent(person, "email", "granted", "RSVP form", "Keep me updated", by=user, at=t0)
    second = set_consent(person, "email", "withdrawn", "unsubscribe link")
    set_consent(person, "sms", "granted", "doorstep")
    assert Consent.objects.filter(person=person, channel="email").count() == 2
    current = current_consents(person)
    assert current["email"] == second and current["sms"].status == "granted"
    assert current["phone"] is None and current["post"] is None
    first.refresh_from_db()
    assert first.recorded_by == user and first.wording == "Keep me updated" and first.recorded_at == t0
    kinds = list(TimelineEntry.objects.filter(person=person).values_list("kind", flat=True))
    assert kinds.count(TimelineEntry.Kind.CONSENT) == 3
    assert AuditEntry.objects.filter(action="changed", object_id=str(person.pk)).count() == 3


def test_an_older_decision_recorded_later_does_not_override_a_newer_one():
    person = _person()
    set_consent(person, "email", "withdrawn", "phone call")
    set_consent(person, "email", "granted", "paper form", at=timezone.now() - datetime.timedelta(days=30))
    assert current_consents(person)["email"].status == "withdrawn"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"channel": "fax", "status": "granted", "source": "x"}, "channel"),
        ({"channel": "email", "status": "maybe", "source": "x"}, "status"),
        ({"channel": "email", "status": "granted", "source": " "}, "source"),
    ],
)
def test_consent_rejects_bad_input(kwargs, message):
    person = _person()
    with pytest.raises(ValueError, match=message):
        set_consent(person, **kwargs)
    assert not Consent.objects.exists()


def test_parties_get_no_soft_opt_in_for_email_or_sms():
    person = _person()
    assert not is_contactable(person, "email")
    assert "consent" in is_contactable(person, "email").reason
    assert not is_contactable(person, "sms")
    # Calls and post are opt-out; service messages do not need marketing consent.
    assert is_contactable(person, "phone")
    assert is_contactable(person, "post")
    assert is_contactable(person, "email", purpose="service")
    set_consent(person, "email", "granted", "form")
    assert is_contactable(person, "email")


def test_withdrawn_consent_blocks_the_channel_for_every_purpose():
    person = _person()
    set_consent(person, "phone", "withdrawn", "asked on the doorstep")
    set_consent(person, "post", "withdrawn", "letter")
    for purpose in PURPOSES:
        assert not is_contactable(person, "phone", purpose)
        assert not is_contactable(person, "post", purpose)


def test_do_not_contact_blocks_every_channel_by_person_email_or_phone():
    for how in ("person", "email", "phone"):
        person = _person()
        for channel in CHANNELS:
            set_consent(person, channel, "granted", "form")
        assert all(is_contactable(person, c) for c in CHANNELS)
        target = {
            "person": {"person": person},
            "email": {"email": person.primary_email.upper()},
            "phone": {"phone": person.primary_phone},
        }[how]
        add_suppression(Suppression.Kind.DO_NOT_CONTACT, reason="asked", **target)
        for channel in CHANNELS:
            result = is_contactable(person, channel)
            assert not result and result.reason == "on the do-not-contact list", (how, channel)


def test_tps_blocks_promotion_calls_only():
    person = _person()
    set_consent(person, "sms", "granted", "form")
    add_suppression(Suppression.Kind.TPS, phone=person.primary_phone, source="TPS file 2024-06")
    result = is_contactable(person, "phone", "promotion")
    assert not result and "TPS" in result.reason
    assert is_contactable(person, "phone", "service")
    assert is_contactable(person, "sms", "promotion")  # TPS covers live calls, not texts
    assert contactable_numbers(person) == []
    assert contactable_numbers(person, "service") == [person.primary_phone]


def test_a_second_number_not_on_tps_can_still_be_called():
    person = _person(landline=True)
    add_suppression(Suppression.Kind.TPS, phone=person.primary_phone)
    assert is_contactable(person, "phone")
    numbers = contactable_numbers(person)
    assert person.primary_phone not in numbers and len(numbers) == 1


def test_no_email_and_no_phone_block_only_their_channels():
    person = _person()
    for channel in CHANNELS:
        set_consent(person, channel, "granted", "form")
    add_suppression(Suppression.Kind.NO_EMAIL, email=person.primary_email)
    assert not is_contactable(person, "email")
    assert is_contactable(person, "phone") and is_contactable(person, "sms")
    add_suppression(Suppression.Kind.NO_PHONE, person=person)
    assert not is_contactable(person, "phone") and not is_contactable(person, "sms")
    assert is_contactable(person, "post")


def test_sms_needs_a_mobile_and_post_an_address():
    person = _person(mobile=False, landline=True, address=False)
    set_consent(person, "sms", "granted", "form")
    assert is_contactable(person, "sms").reason == "no mobile number"
    assert is_contactable(person, "post").reason == "no postal address"
    assert is_contactable(person, "phone")


def test_merged_and_bounced_records_are_not_contactable():
    person = _person()
    set_consent(person, "email", "granted", "form")
    person.email_addresses.update(status="bounced")
    assert is_contactable(person, "email").reason == "no usable email address"
    other = _person()
    other.merged_into = person
    other.save()
    assert not is_contactable(other, "post")


def test_bad_channel_or_purpose_is_an_error():
    person = _person()
    with pytest.raises(ValueError):
        is_contactable(person, "pigeon")
    with pytest.raises(ValueError):
        contactable(Person.objects.all(), "email", "fundraising")


def test_bulk_filter_agrees_with_the_single_check():
    """Build a mixed population and compare `contactable` with `is_contactable` for every channel and purpose."""
    people = []
    plain = _person()
    people.append(plain)
    granted = _person()
    for channel in CHANNELS:
        set_consent(granted, channel, "granted", "form")
    people.append(granted)
    withdrawn = _person()
    set_consent(withdrawn, "email", "granted", "form", at=timezone.now() - datetime.timedelta(days=2))
    set_consent(withdrawn, "email", "withdrawn", "unsubscribe")
    set_consent(withdrawn, "phone", "withdrawn", "asked")
    people.append(withdrawn)
    dnc_email = _person()
    set_consent(dnc_email, "sms", "granted", "form")
    add_suppression(Suppression.Kind.DO_NOT_CONTACT, email=dnc_email.primary_email)
    people.append(dnc_email)
    tps = _person(landline=False)
    set_consent(tps, "sms", "granted", "form")
    add_suppression(Suppression.Kind.TPS, phone=tps.primary_phone)
    people.append(tps)
    tps_one_of_two = _person(landline=True)
    add_suppression(Suppression.Kind.TPS, phone=tps_one_of_two.primary_phone)
    people.append(tps_one_of_two)
    no_phone = _person()
    set_consent(no_phone, "sms", "granted", "form")
    add_suppression(Suppression.Kind.NO_PHONE, person=no_phone)
    people.append(no_phone)
    no_email_addr = _person()
    set_consent(no_email_addr, "email", "granted", "form")
    add_suppression(Suppression.Kind.NO_EMAIL, email=no_email_addr.primary_email)
    people.append(no_email_addr)
    landline_only = _person(mobile=False, landline=True, address=False, email=False)
    set_consent(landline_only, "sms", "granted", "form")
    set_consent(landline_only, "email", "granted", "form")
    people.append(landline_only)
    bounced = _person()
    set_consent(bounced, "email", "granted", "form")
    bounced.email_addresses.update(status="bounced")
    people.append(bounced)
    merged = _person()
    set_consent(merged, "email", "granted", "form")
    merged.merged_into = plain
    merged.save()
    people.append(merged)

    qs = Person.objects.filter(pk__in=[p.pk for p in people])
    seen_yes = seen_no = 0
    for channel in CHANNELS:
        for purpose in PURPOSES:
            in_bulk = set(contactable(qs, channel, purpose).values_list("pk", flat=True))
            one_by_one = {p.pk for p in people if is_contactable(Person.objects.get(pk=p.pk), channel, purpose)}
            assert in_bulk == one_by_one, (channel, purpose)
            seen_yes += len(one_by_one)
            seen_no += len(people) - len(one_by_one)
    assert seen_yes > 10 and seen_no > 10  # the population really exercises both answers


def test_suppression_needs_a_target_and_is_audited():
    with pytest.raises(ValueError):
        add_suppression(Suppression.Kind.NO_EMAIL)
    with pytest.raises(ValueError):
        add_suppression("maybe", email="a@example.org")
    entry = add_suppression(Suppression.Kind.NO_EMAIL, email=" A@Example.org ", reason="complaint")
    assert entry.email == "a@example.org"
    assert AuditEntry.objects.filter(object_type="people.suppression", object_id=str(entry.pk)).exists()
