"""Reads about people: current consent and who may be contacted, one at a time or in bulk.

The contact rules (UK GDPR + PECR, for a political party):

- `do_not_contact` on the person, or on any of their email addresses or phone numbers, blocks every channel.
- Email and SMS for promotion (which is everything a party sends to supporters except service messages such
  as a membership renewal) need *granted* consent. Parties cannot use the "soft opt-in", so no consent = no.
- Phone calls are opt-out: fine unless consent to calls was withdrawn, but for promotion the number must not be
  TPS-registered (party promotion calls are direct marketing and must be screened against TPS).
- Post is opt-out: fine unless withdrawn; needs an address.
- Withdrawn consent blocks its channel whatever the purpose; `no_email` / `no_phone` block their channels
  (`no_phone` covers SMS too: the person asked us not to use their number).
- Merged-away and erased records are never contactable.

`is_contactable` explains one person; `contactable` applies the same rules to a queryset in SQL. Tests check the
two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from .models import Consent, EmailAddress, Person, PhoneNumber, Suppression

PROMOTION = "promotion"
SERVICE = "service"
PURPOSES = (PROMOTION, SERVICE)
CHANNELS = tuple(Consent.Channel.values)

# Email statuses that mean the address cannot be used (bounced or unsubscribed at the mail provider).
UNUSABLE_EMAIL_STATUSES = ("bounced", "unsubscribed", "invalid", "complained")

_CHANNEL_SUPPRESSION = {
    "email": [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_EMAIL],
    "sms": [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_PHONE],
    "phone": [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_PHONE],
    "post": [Suppression.Kind.DO_NOT_CONTACT],
}


@dataclass(frozen=True)
class Contactability:
    """The answer and why. Truthy when contactable, so `if is_contactable(...)` reads naturally."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def current_consents(person: Person) -> dict[str, Consent | None]:
    """The newest consent row per channel (None where never asked)."""
    current: dict[str, Consent | None] = dict.fromkeys(CHANNELS)
    for consent in person.consents.order_by("-recorded_at", "-id"):
        if current.get(consent.channel) is None:
            current[consent.channel] = consent
    return current


def consent_history(person: Person, channel: str | None = None) -> QuerySet[Consent]:
    qs = person.consents.select_related("recorded_by").order_by("-recorded_at", "-id")
    return qs.filter(channel=channel) if channel else qs


def _check_args(channel: str, purpose: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"Unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")


def _usable_emails(person: Person) -> list[str]:
    return [e.address for e in person.email_addresses.all() if e.status not in UNUSABLE_EMAIL_STATUSES]


def is_contactable(person: Person, channel: str, purpose: str = PROMOTION) -> Contactability:
    """May we contact `person` on `channel` for `purpose` ('promotion' or 'service')? With the reason if not."""
    _check_args(channel, purpose)
    if person.merged_into_id:
        return Contactability(False, "merged into another record")
    if person.erased_at:
        return Contactability(False, "erased")
    emails = _usable_emails(person)
    all_emails = [e.address for e in person.email_addresses.all()]
    phones = list(person.phone_numbers.all())
    numbers = [p.number for p in phones]
    suppressions = list(
        Suppression.objects.filter(Q(person=person) | Q(email__in=all_emails, email__gt="") | Q(phone__in=numbers))
    )
    if any(s.kind == Suppression.Kind.DO_NOT_CONTACT for s in suppressions):
        return Contactability(False, "on the do-not-contact list")
    consent = current_consents(person)[channel]
    if consent is not None and consent.status == Consent.Status.WITHDRAWN:
        return Contactability(False, f"{channel} consent withdrawn")
    if channel == "email":
        if any(s.kind == Suppression.Kind.NO_EMAIL and s.person_id == person.pk for s in suppressions):
            return Contactability(False, "asked not to be emailed")
        blocked = {s.email for s in suppressions if s.kind == Suppression.Kind.NO_EMAIL}
        if not emails:
            return Contactability(False, "no usable email address")
        if not [e for e in emails if e not in blocked]:
            return Contactability(False, "email address suppressed")
    else:
        if channel in ("sms", "phone"):
            if any(s.kind == Suppression.Kind.NO_PHONE and s.person_id == person.pk for s in suppressions):
                return Contactability(False, "asked not to be phoned")
            candidates = [p for p in phones if p.kind == "mobile"] if channel == "sms" else phones
            if not candidates:
                return Contactability(False, "no mobile number" if channel == "sms" else "no phone number")
            blocked_kinds = {Suppression.Kind.NO_PHONE}
            if channel == "phone" and purpose == PROMOTION:
                blocked_kinds.add(Suppression.Kind.TPS)
            blocked = {s.phone for s in suppressions if s.kind in blocked_kinds and s.phone}
            if not [p for p in candidates if p.number not in blocked]:
                tps = {s.phone for s in suppressions if s.kind == Suppression.Kind.TPS}
                if blocked_kinds & {Suppression.Kind.TPS} and all(p.number in tps for p in candidates):
                    return Contactability(False, "number is TPS-registered")
                return Contactability(False, "phone number suppressed")
        if channel == "post" and not (person.address_line1 and person.postcode):
            return Contactability(False, "no postal address")
    if channel in ("email", "sms") and purpose == PROMOTION:
        if consent is None or consent.status != Consent.Status.GRANTED:
            return Contactability(False, f"no {channel} consent (parties cannot use soft opt-in)")
    return Contactability(True)


def _current_status(channel: str) -> Subquery:
    newest = Consent.objects.filter(person=OuterRef("pk"), channel=channel).order_by("-recorded_at", "-id")
    return Subquery(newest.values("status")[:1])


def contactable(queryset: QuerySet[Person], channel: str, purpose: str = PROMOTION) -> QuerySet[Person]:
    """`queryset` narrowed to the people `is_contactable` would allow, in one SQL query (for phonebanks, mailings)."""
    _check_args(channel, purpose)
    kinds = _CHANNEL_SUPPRESSION[channel]
    dnc = Suppression.Kind.DO_NOT_CONTACT
    person_emails = EmailAddress.objects.filter(person=OuterRef(OuterRef("pk"))).values("address")
    person_phones = PhoneNumber.objects.filter(person=OuterRef(OuterRef("pk"))).values("number")
    qs = (
        queryset.filter(merged_into__isnull=True, erased_at__isnull=True)
        .exclude(Exists(Suppression.objects.filter(person=OuterRef("pk"), kind__in=kinds)))
        .exclude(Exists(Suppression.objects.filter(kind=dnc, email__gt="", email__in=person_emails)))
        .exclude(Exists(Suppression.objects.filter(kind=dnc, phone__gt="", phone__in=person_phones)))
        .annotate(_consent_status=_current_status(channel))
        # Spelled out rather than exclude(=withdrawn): in SQL, NOT (NULL = 'withdrawn') is not true, which would
        # drop everyone never asked.
        .filter(
            Q(_consent_status__isnull=True) | Q(_consent_status__in=[Consent.Status.GRANTED, Consent.Status.UNKNOWN])
        )
    )
    if channel == "email":
        blocked = Suppression.objects.filter(kind__in=kinds, email=OuterRef("address"))
        usable = EmailAddress.objects.filter(person=OuterRef("pk")).exclude(status__in=UNUSABLE_EMAIL_STATUSES)
        qs = qs.filter(Exists(usable.exclude(Exists(blocked))))
    elif channel in ("sms", "phone"):
        blocked_kinds = list(kinds)
        if channel == "phone" and purpose == PROMOTION:
            blocked_kinds.append(Suppression.Kind.TPS)
        blocked = Suppression.objects.filter(kind__in=blocked_kinds, phone=OuterRef("number"))
        usable = PhoneNumber.objects.filter(person=OuterRef("pk"))
        if channel == "sms":
            usable = usable.filter(kind=PhoneNumber.Kind.MOBILE)
        qs = qs.filter(Exists(usable.exclude(Exists(blocked))))
    else:
        qs = qs.exclude(address_line1="").exclude(postcode="")
    if channel in ("email", "sms") and purpose == PROMOTION:
        qs = qs.filter(_consent_status=Consent.Status.GRANTED)
    return qs


def contactable_numbers(person: Person, purpose: str = PROMOTION) -> list[str]:
    """The person's phone numbers a caller may dial (TPS-screened for promotion), primary first."""
    if not is_contactable(person, "phone", purpose):
        return []
    kinds = [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_PHONE]
    if purpose == PROMOTION:
        kinds.append(Suppression.Kind.TPS)
    numbers = [p.number for p in person.phone_numbers.all()]
    blocked = set(Suppression.objects.filter(kind__in=kinds, phone__in=numbers).values_list("phone", flat=True))
    return [n for n in numbers if n not in blocked]


def live_people(queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People not merged away or erased."""
    qs = Person.objects.all() if queryset is None else queryset
    return qs.filter(merged_into__isnull=True, erased_at__isnull=True)
