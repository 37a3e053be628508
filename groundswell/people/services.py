"""Writes to people records. Views, commands, the API and later apps call these; none write the models directly.

Every change is audited through `groundswell.audit.services.record` (labels carry no personal data: the
audit log cannot be rewritten on erasure, so details name fields, never their values).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from groundswell.audit.services import record
from groundswell.db import sql

from .models import (
    Consent,
    EmailAddress,
    Membership,
    OrganisationUnit,
    Person,
    PhoneNumber,
    Suppression,
    Tag,
    Tagging,
    TimelineEntry,
)
from .normalise import (
    InvalidValue,
    apply_geography,
    lookup_postcodes,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_phone_with_kind,
    normalise_postcode,
)

# Plain fields callers may set through create_person/update_person.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "additional_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
    "synthetic",
)
# How a changed field is named on the person's timeline.
FIELD_LABELS = {
    "given_name": "first name",
    "family_name": "last name",
    "additional_name": "middle name",
    "date_of_birth": "date of birth",
    "address_line1": "address",
    "address_line2": "address line 2",
    "locality": "town",
    "custom_fields": "other fields",
}
_MAX_LENGTHS = {
    f.name: f.max_length for f in Person._meta.get_fields() if getattr(f, "max_length", None) and f.name != "postcode"
}


def _clean_person_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "postcode":
            value = normalise_postcode(value) if value else ""
        elif name == "date_of_birth":
            if value and value > timezone.localdate():
                raise InvalidValue("Date of birth is in the future", field=name)
        elif isinstance(value, str):
            value = value.strip()
            limit = _MAX_LENGTHS.get(name)
            if limit and len(value) > limit:
                raise InvalidValue(
                    f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters", field=name
                )
        cleaned[name] = value
    return cleaned


def _geocode(person: Person) -> None:
    apply_geography(person, lookup_postcodes([person.postcode]).get(person.postcode) if person.postcode else None)


def _audit_change(person: Person, actor: Any, fields: list[str]) -> None:
    record("changed", actor=actor if getattr(actor, "pk", None) else None, obj=person, detail={"fields": fields})


def add_email(person: Person, address: str, primary: bool = False, actor: Any = None) -> EmailAddress:
    """Add an address (normalised) unless the person already has it; the first address becomes primary."""
    with transaction.atomic():
        email = _add_email(person, address, primary)
        _audit_change(person, actor, ["emails"])
    return email


def _add_email(person: Person, address: str, primary: bool = False) -> EmailAddress:
    value = normalise_email(address)
    existing = person.email_addresses.filter(address=value).first()
    if existing:
        if primary and not existing.primary:
            person.email_addresses.update(primary=False)
            existing.primary = True
            existing.save(update_fields=["primary"])
        return existing
    has_primary = person.email_addresses.filter(primary=True).exists()
    if primary and has_primary:
        person.email_addresses.update(primary=False)
    return EmailAddress.objects.create(person=person, address=value, primary=primary or not has_primary)


def add_phone(
    person: Person, number: str, kind: str | None = None, primary: bool = False, actor: Any = None
) -> PhoneNumber:
    """Add a number (stored E.164) unless the person already has it; kind defaults from the number's type."""
    with transaction.atomic():
        phone = _add_phone(person, number, kind, primary)
        _audit_change(person, actor, ["phones"])
    return phone


def _add_phone(person: Person, number: str, kind: str | None = None, primary: bool = False) -> PhoneNumber:
    value, detected_kind = normalise_phone_with_kind(number)
    existing = person.phone_numbers.filter(number=value).first()
    if existing:
        return existing
    has_primary = person.phone_numbers.filter(primary=True).exists()
    if primary and has_primary:
        person.phone_numbers.update(primary=False)
    return PhoneNumber.objects.create(
        person=person, number=value, kind=kind or detected_kind, primary=primary or not has_primary
    )


def get_or_create_tags(names: Iterable[str]) -> dict[str, Tag]:
    """{name: Tag}, creating missing tags in bulk. Names are trimmed; blanks ignored."""
    wanted = {n.strip() for n in names if n and n.strip()}
    for name in wanted:
        if len(name) > Tag._meta.get_field("name").max_length:
            raise InvalidValue(f"Tag {name[:20]!r}… is longer than 100 characters")
    tags = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    missing = wanted - set(tags)
    if missing:
        # ignore_conflicts: another import may create the same tag at the same moment.
        Tag.objects.bulk_create([Tag(name=n) for n in missing], ignore_conflicts=True)
        tags.update({t.name: t for t in Tag.objects.filter(name__in=missing)})
    return tags


def add_tags(person: Person, names: Iterable[str], actor: Any = None) -> list[Tag]:
    """Tag a person (creating tags as needed); existing tags stay."""
    with transaction.atomic():
        tags = _add_tags(person, names)
        _audit_change(person, actor, ["tags"])
    return tags


def _add_tags(person: Person, names: Iterable[str]) -> list[Tag]:
    tags = list(get_or_create_tags(names).values())
    Tagging.objects.bulk_create([Tagging(person=person, tag=t) for t in tags], ignore_conflicts=True)
    return tags


def set_tags(person: Person, names: Iterable[str], actor: Any = None) -> list[Tag]:
    """Make the person's tags exactly `names`."""
    with transaction.atomic():
        tags = _set_tags(person, names)
        _audit_change(person, actor, ["tags"])
    return tags


def _set_tags(person: Person, names: Iterable[str]) -> list[Tag]:
    tags = get_or_create_tags(names)
    person.taggings.exclude(tag__in=tags.values()).delete()
    return _add_tags(person, tags)


def constituency_party_for(unit: OrganisationUnit | None) -> OrganisationUnit | None:
    """The constituency party a unit sits in (itself if it is one), for Membership.constituency_party."""
    if unit is None:
        return None
    if unit.kind == OrganisationUnit.Kind.CONSTITUENCY:
        return unit
    for ancestor in reversed(unit.ancestors()):
        if ancestor.kind == OrganisationUnit.Kind.CONSTITUENCY:
            return ancestor
    return None


def set_membership(
    person: Person,
    number: str,
    status: str = Membership.Status.ACTIVE,
    joined_on: datetime.date | None = None,
    lapsed_on: datetime.date | None = None,
    branch: OrganisationUnit | None = None,
    payment_reference: str = "",
    actor: Any = None,
) -> Membership:
    """Create or update the membership with this number. A number belongs to one person only."""
    with transaction.atomic():
        membership = _set_membership(person, number, status, joined_on, lapsed_on, branch, payment_reference, actor)
        _audit_change(person, actor, ["membership"])
    return membership


def _set_membership(
    person: Person,
    number: str,
    status: str = Membership.Status.ACTIVE,
    joined_on: datetime.date | None = None,
    lapsed_on: datetime.date | None = None,
    branch: OrganisationUnit | None = None,
    payment_reference: str = "",
    actor: Any = None,
) -> Membership:
    number = (number or "").strip()
    if not number:
        raise InvalidValue("No membership number given")
    if status not in Membership.Status.values:
        raise InvalidValue(f"Unknown membership status {status!r}")
    existing = Membership.objects.filter(number=number).first()
    if existing and existing.person_id != person.pk:
        raise InvalidValue(f"Membership number {number} already belongs to someone else")
    membership = existing or Membership(person=person, number=number)
    old_status = membership.status if existing else None
    membership.status = status
    membership.joined_on = joined_on or membership.joined_on
    membership.lapsed_on = lapsed_on or membership.lapsed_on
    if branch is not None:
        membership.branch = branch
        membership.constituency_party = constituency_party_for(branch)
    if payment_reference:
        membership.payment_reference = payment_reference
    membership.save()
    if old_status != status:
        add_timeline_entry(
            person,
            TimelineEntry.Kind.MEMBERSHIP,
            f"Membership {number}: {membership.get_status_display()}",
            {"number": number, "status": status, "previous_status": old_status},
            actor=actor,
        )
    return membership


def create_person(
    unit: OrganisationUnit,
    *,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
    membership: Mapping[str, Any] | None = None,
    actor: Any = None,
    **fields: Any,
) -> Person:
    """Create a person. `emails`/`phones`: the first is primary. `membership`: keyword arguments of set_membership.

    Raises InvalidValue (nothing written) when any value is unusable.
    """
    cleaned = _clean_person_fields(fields)
    # Validate everything before the first write so a bad phone number leaves no half-made person.
    email_values = [normalise_email(e) for e in emails]
    phone_values = [normalise_phone(p) for p in phones]
    with transaction.atomic():
        person = Person(unit=unit, custom_fields=dict(custom_fields or {}), **cleaned)
        person.normalised_name = normalise_name(person.given_name, person.family_name)
        _geocode(person)
        person.save()
        for address in email_values:
            _add_email(person, address)
        for number in phone_values:
            _add_phone(person, number)
        if tags:
            _add_tags(person, tags)
        if membership:
            _set_membership(person, actor=actor, **membership)
        record("created", actor=actor, obj=person)
    return person


def update_person(
    person: Person,
    *,
    emails: Iterable[str] | None = None,
    phones: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    membership: Mapping[str, Any] | None = None,
    actor: Any = None,
    **fields: Any,
) -> Person:
    """Change a person. Only what is passed changes; `emails`/`phones` are added (never removed),
    `tags` replaces the tag set, `custom_fields` is merged in (a None value removes that key).
    """
    cleaned = _clean_person_fields(fields)
    email_values = [normalise_email(e) for e in emails or ()]
    phone_values = [normalise_phone(p) for p in phones or ()]
    changed = [name for name, value in cleaned.items() if getattr(person, name) != value]
    with transaction.atomic():
        for name in changed:
            setattr(person, name, cleaned[name])
        if "postcode" in changed:
            _geocode(person)
        if custom_fields:
            merged = dict(person.custom_fields or {})
            for key, value in custom_fields.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            if merged != person.custom_fields:
                person.custom_fields = merged
                changed.append("custom_fields")
        person.normalised_name = normalise_name(person.given_name, person.family_name)
        person.save()
        for address in email_values:
            _add_email(person, address)
        for number in phone_values:
            _add_phone(person, number)
        if tags is not None:
            _set_tags(person, tags)
            changed.append("tags")
        if membership:
            _set_membership(person, actor=actor, **membership)
            changed.append("membership")
        if email_values:
            changed.append("emails")
        if phone_values:
            changed.append("phones")
        if changed:
            # The person's own history says what changed and who changed it (values stay in the record itself).
            names = ", ".join(FIELD_LABELS.get(name, name.replace("_", " ")) for name in changed)
            add_timeline_entry(person, TimelineEntry.Kind.EDIT, f"Record edited: {names}", {"fields": changed}, actor)
        record("changed", actor=actor, obj=person, detail={"fields": changed})
    return person


def save_person(
    person: Person | None,
    *,
    unit: OrganisationUnit | None,
    fields: Mapping[str, Any],
    email: str = "",
    phone: str = "",
    tags: Iterable[str] | None = None,
    consents: Iterable[tuple[str, str, str]] = (),
    consent_source: str = "",
    actor: Any = None,
) -> Person:
    """Add or edit a person from the organisers' page, in one transaction: the fields, a new email or phone, the
    tag set, and consent changes (each kept with its source and wording, and on the timeline). Raises
    InvalidValue (nothing written) when a value is unusable; the caller checks the actor may edit `person`."""
    consents = list(consents)
    if consents and not consent_source.strip():
        raise InvalidValue("Say how they told us: a consent is kept with where it was given", field="consent_source")
    source = f"organiser: {consent_source.strip()}"
    with transaction.atomic():
        if person is None:
            if unit is None:
                raise InvalidValue("Choose the unit they belong to", field="unit")
            fields = {k: v for k, v in fields.items() if v not in ("", None)}
            person = create_person(
                unit,
                emails=[email] if email else (),
                phones=[phone] if phone else (),
                tags=tags or (),
                actor=actor,
                **fields,
            )
        else:
            current = {name: getattr(person, name) for name in fields}
            changed = {k: v for k, v in fields.items() if current[k] != v}
            old_tags = sorted(person.tags.values_list("name", flat=True))
            update_person(
                person,
                emails=[email]
                if email and email not in person.email_addresses.values_list("address", flat=True)
                else None,
                phones=[phone]
                if phone and phone not in person.phone_numbers.values_list("number", flat=True)
                else None,
                tags=tags if tags is not None and sorted(tags) != old_tags else None,
                actor=actor,
                **changed,
            )
        for channel, status, wording in consents:
            set_consent(person, channel, status, source, wording, by=actor)
    return person


def add_timeline_entry(
    person: Person,
    kind: str,
    summary: str,
    data: Mapping[str, Any] | None = None,
    actor: Any = None,
    occurred_at: datetime.datetime | None = None,
) -> TimelineEntry:
    """Append one interaction to a person's timeline (later apps: canvassing, calls, events, email)."""
    if kind not in TimelineEntry.Kind.values:
        raise ValueError(f"Unknown timeline kind {kind!r}")
    return TimelineEntry.objects.create(
        person=person,
        kind=kind,
        summary=summary[:300],
        data=dict(data or {}),
        actor=actor if getattr(actor, "pk", None) else None,
        occurred_at=occurred_at or timezone.now(),
    )


_INSERT_TIMELINE = """
INSERT INTO people_timelineentry (person_id, kind, occurred_at, summary, data, actor_id) VALUES (%s, %s, %s, %s, %s, %s)
"""


def add_timeline_row(
    person_id: int,
    kind: str,
    summary: str,
    data: Mapping[str, Any],
    actor_id: int | None,
    occurred_at: datetime.datetime,
) -> None:
    """`add_timeline_entry` by ids, one prepared statement and no model instance: for hot paths (a phonebank
    result) that write one row per request and need nothing back."""
    if kind not in TimelineEntry.Kind.values:
        raise ValueError(f"Unknown timeline kind {kind!r}")
    sql.execute(_INSERT_TIMELINE, [person_id, kind, occurred_at, summary[:300], sql.json_param(dict(data)), actor_id])


def set_consent(
    person: Person,
    channel: str,
    status: str,
    source: str,
    wording: str = "",
    by: Any = None,
    at: datetime.datetime | None = None,
) -> Consent:
    """Record a consent decision. Always appends (the history is the evidence); the newest row is current."""
    if channel not in Consent.Channel.values:
        raise ValueError(f"Unknown consent channel {channel!r}")
    if status not in Consent.Status.values:
        raise ValueError(f"Unknown consent status {status!r}")
    if not (source or "").strip():
        # PECR/UK GDPR: we must be able to show where and how consent was given.
        raise ValueError("A consent needs a source (where it was given)")
    at = at or timezone.now()
    by = by if getattr(by, "pk", None) else None
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            channel=channel,
            status=status,
            source=source[:200],
            wording=wording,
            recorded_at=at,
            recorded_by=by,
        )
        label = Consent.Channel(channel).label
        add_timeline_entry(
            person,
            TimelineEntry.Kind.CONSENT,
            f"{label} consent: {Consent.Status(status).label.lower()} ({source[:100]})",
            {"channel": channel, "status": status, "source": source, "consent_id": consent.pk},
            actor=by,
            occurred_at=at,
        )
        record("changed", actor=by, obj=person, detail={"consent": channel, "status": status})
    return consent


def add_suppression(
    kind: str,
    *,
    person: Person | None = None,
    email: str = "",
    phone: str = "",
    reason: str = "",
    source: str = "",
    actor: Any = None,
) -> Suppression:
    """Put a person, an email address or a phone number on the global suppression list.

    Email/phone entries match by value, so they keep working for records imported later or merged.
    """
    if kind not in Suppression.Kind.values:
        raise ValueError(f"Unknown suppression kind {kind!r}")
    email = normalise_email(email) if email else ""
    phone = normalise_phone(phone) if phone else ""
    if person is None and not email and not phone:
        raise ValueError("A suppression needs a person, an email address or a phone number")
    with transaction.atomic():
        suppression = Suppression.objects.create(
            kind=kind, person=person, email=email, phone=phone, reason=reason[:200], source=source[:200]
        )
        if person is not None:
            add_timeline_entry(
                person,
                TimelineEntry.Kind.NOTE,
                f"Suppressed: {Suppression.Kind(kind).label}",
                {"suppression_id": suppression.pk, "kind": kind, "reason": reason},
                actor=actor,
            )
        record(
            "changed",
            actor=actor,
            object_type="people.suppression",
            object_id=suppression.pk,
            object_label=f"suppression #{suppression.pk}",
            detail={"kind": kind, "person_id": person.pk if person else None},
            unit=person.unit if person else None,
        )
    return suppression
