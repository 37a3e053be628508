"""Small builders for messaging tests: people with addresses, numbers and consents."""

from __future__ import annotations

import itertools

from groundswell.people.models import Consent, Person
from groundswell.tests.factories import ConsentFactory, EmailFactory, PersonFactory, PhoneFactory

_n = itertools.count(1)


def contact(
    unit,
    *,
    email: bool = True,
    mobile: bool = False,
    email_consent: str | None = Consent.Status.GRANTED,
    sms_consent: str | None = None,
    **fields,
) -> Person:
    """A person in `unit` with (by default) an email address and granted email consent."""
    person = PersonFactory(unit=unit, **fields)
    i = next(_n)
    if email:
        EmailFactory(person=person, address=f"contact{i}.{person.pk}@example.org")
    if mobile:
        PhoneFactory(person=person, number=f"+4477009{i:05d}", kind="mobile")
    if email_consent:
        ConsentFactory(person=person, channel="email", status=email_consent)
    if sms_consent:
        ConsentFactory(person=person, channel="sms", status=sms_consent)
    return person
