"""Messaging: who may be emailed or texted, sends with frozen recipient lists, queuing, statistics, opt-outs.

The public API other apps call (events, surveys) is the first block below; keep these signatures stable:
`email_recipients`, `sms_recipients`, `create_email_send`, `create_sms_send`, `queue_send`, `send_stats`,
`last_contacted`. Segment filters are extended through `groundswell.messaging.segments.register_segment_filter`.

For a political party, email and SMS need prior, granted consent: the soft opt-in does not apply (PECR reg. 22;
the ICO's "Guidance for the use of personal data in political campaigning", on political campaigning as direct
marketing). `people.selectors.contactable` holds those rules; everything here goes through it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template import TemplateSyntaxError
from django.utils import timezone

from groundswell.accounts.access import within_units
from groundswell.audit.services import record
from groundswell.db.bulk import insert_rows
from groundswell.people.models import (
    Consent,
    EmailAddress,
    OrganisationUnit,
    Person,
    PhoneNumber,
    Suppression,
    TimelineEntry,
)
from groundswell.people.normalise import InvalidValue, normalise_email, normalise_phone
from groundswell.people.selectors import PURPOSES, UNUSABLE_EMAIL_STATUSES, contactable
from groundswell.people.services import add_suppression, add_timeline_entry, set_consent

from . import sending, sms
from .models import (
    EmailRecipient,
    EmailSend,
    EmailTemplate,
    InboundSms,
    RecipientStatus,
    Segment,
    SendStatus,
    SmsRecipient,
    SmsSend,
)
from .segments import get_segment_filter
from .tasks import send_email_task, send_sms_task

MAX_SUBJECT = 250
_OPEN = [RecipientStatus.QUEUED, RecipientStatus.SENDING]

# ------------------------------------------------------------------------------------------ public API


def email_recipients(people: QuerySet[Person], purpose: str = "promotion") -> QuerySet[Person]:
    """Those of `people` who may be emailed for `purpose`: granted current email consent (promotion), a usable
    address that is not suppressed, not on the do-not-contact list, not erased or merged."""
    return contactable(people, "email", purpose)


def sms_recipients(people: QuerySet[Person], purpose: str = "promotion") -> QuerySet[Person]:
    """Those of `people` who may be texted: granted SMS consent (promotion), a mobile number not suppressed."""
    return contactable(people, "sms", purpose)


def create_email_send(
    *,
    unit: OrganisationUnit,
    subject: str,
    body_text: str,
    body_html: str = "",
    people: QuerySet[Person],
    actor: Any | None,
    source: str = "",
    purpose: str = "promotion",
    merge_data: Mapping[int, Mapping[str, str]] | None = None,
    segment: Segment | None = None,
    template: EmailTemplate | None = None,
    rate_per_second: float | None = None,
) -> EmailSend:
    """Freeze the recipient list now (only contactable people in `unit` and below, one row each) and return the
    send, not queued.

    Merge fields use Django template syntax: {{ given_name }}, {{ family_name }}, {{ unsubscribe_url }} and any
    key of merge_data[person_id]. Raises ValidationError naming the field for bad input; nothing is written then.
    """
    _check_purpose(purpose)
    subject = " ".join((subject or "").split())
    errors = email_content_errors(subject, body_text, body_html)
    if errors:
        raise ValidationError(errors)
    _check_rate(rate_per_second)
    fields = {"subject": subject, "body_text": body_text, "body_html": body_html or "", "template": template}
    return _create_send("email", unit, fields, people, purpose, merge_data, actor, source, segment, rate_per_second)


def create_sms_send(
    *,
    unit: OrganisationUnit,
    body: str,
    people: QuerySet[Person],
    actor: Any | None,
    source: str = "",
    purpose: str = "promotion",
    merge_data: Mapping[int, Mapping[str, str]] | None = None,
    segment: Segment | None = None,
    rate_per_second: float | None = None,
) -> SmsSend:
    """As create_email_send, for text messages: one row per person with a usable mobile number and SMS consent."""
    _check_purpose(purpose)
    if not (body or "").strip():
        raise ValidationError({"body": "Write the message."})
    errors = template_errors(body=body)
    if errors:
        raise ValidationError(errors)
    _check_rate(rate_per_second)
    fields = {"body": body.strip()}
    return _create_send("sms", unit, fields, people, purpose, merge_data, actor, source, segment, rate_per_second)


def queue_send(send: EmailSend | SmsSend) -> None:
    """Hand the send to the background workers. Calling it again is harmless: rows are claimed atomically, so
    an extra task finds nothing to do or shares the work; it also restarts a send whose worker died."""
    channel = sending.channel_for(send)
    model = channel.send_model
    model.objects.filter(pk=send.pk, status=SendStatus.DRAFT).update(status=SendStatus.QUEUED, queued_at=timezone.now())
    if sending.unfinished(channel.recipient_model, send.pk):
        (send_email_task if channel.name == "email" else send_sms_task).enqueue(send.pk)
    else:
        model.objects.filter(pk=send.pk).exclude(status=SendStatus.DONE).update(
            status=SendStatus.DONE, finished_at=timezone.now()
        )
    send.refresh_from_db()


def send_stats(send: EmailSend | SmsSend) -> dict[str, int]:
    """Counts for one send: recipients, queued (waiting or being sent), sent, delivered, bounced, complained,
    opened, clicked, unsubscribed, failed, skipped (uncontactable by send time). Opens and clicks only where the
    provider tracks them."""
    model = sending.channel_for(send).recipient_model
    counts: dict[str, Any] = {
        "recipients": Count("id"),
        "queued": Count("id", filter=Q(status__in=_OPEN)),
        "sent": Count("id", filter=Q(status=RecipientStatus.SENT)),
        "delivered": Count("id", filter=Q(delivered_at__isnull=False)),
        "unsubscribed": Count("id", filter=Q(unsubscribed_at__isnull=False)),
        "failed": Count("id", filter=Q(status=RecipientStatus.FAILED)),
        "skipped": Count("id", filter=Q(status=RecipientStatus.SKIPPED)),
    }
    if model is EmailRecipient:
        for name in ("bounced", "complained", "opened", "clicked"):
            counts[name] = Count("id", filter=Q(**{f"{name}_at__isnull": False}))
    stats = model.objects.filter(send_id=send.pk).aggregate(**counts)
    order = ("recipients", "queued", "sent", "delivered", "bounced", "complained", "opened", "clicked")
    return {key: int(stats.get(key) or 0) for key in (*order, "unsubscribed", "failed", "skipped")}


def last_contacted(people: QuerySet[Person], since: datetime.datetime) -> QuerySet[Person]:
    """Those of `people` messaged (email or SMS) since `since`, counting messages queued and not yet sent."""

    def messaged(model: type) -> Exists:
        open_send = Q(status__in=_OPEN, send__status__in=[SendStatus.QUEUED, SendStatus.SENDING])
        return Exists(model.objects.filter(Q(sent_at__gte=since) | open_send, person=OuterRef("pk")))

    return people.filter(messaged(EmailRecipient) | messaged(SmsRecipient))


# ------------------------------------------------------------------------------------------ helpers


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValidationError({"purpose": f"Purpose must be one of {', '.join(PURPOSES)}."})


def _check_rate(rate: float | None) -> None:
    if rate is not None and not 0 < rate <= 10_000:
        raise ValidationError({"rate_per_second": "Sending rate must be more than 0 and at most 10,000 a second."})


def email_content_errors(subject: str, body_text: str, body_html: str = "") -> dict[str, str]:
    """{field: message} for an email's subject and parts (shared by sends and templates)."""
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = "Give the email a subject."
    elif len(" ".join(subject.split())) > MAX_SUBJECT:
        errors["subject"] = f"Subject is longer than {MAX_SUBJECT} characters."
    if not (body_text or "").strip():
        errors["body_text"] = "The plain-text part is required (some people read only that)."
    for name, message in template_errors(subject=subject, body_text=body_text, body_html=body_html).items():
        errors.setdefault(name, message)
    return errors


def template_errors(**parts: str) -> dict[str, str]:
    """{field: message} for each part whose merge-field syntax does not compile."""
    errors = {}
    for name, text in parts.items():
        if not text:
            continue
        label = name.replace("_", " ").capitalize()
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            # Django renders a half-typed "{{ given_name" as literal text; catch it before thousands see it.
            errors[name] = f"{label}: a merge field is not closed (each {{{{ needs a }}}})."
            continue
        try:
            sending.compile_template(text, html=(name == "body_html"))
        except TemplateSyntaxError as exc:
            errors[name] = f"{label}: merge field error: {exc}"
    return errors


def _merge_lookup(merge_data: Mapping[Any, Mapping[str, Any]] | None) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for key, values in (merge_data or {}).items():
        out[int(key)] = {str(k): "" if v is None else str(v) for k, v in dict(values).items()}
    return out


def _create_send(
    channel: str,
    unit: OrganisationUnit,
    fields: dict[str, Any],
    people: QuerySet[Person],
    purpose: str,
    merge_data: Mapping[Any, Mapping[str, Any]] | None,
    actor: Any,
    source: str,
    segment: Segment | None,
    rate_per_second: float | None,
) -> EmailSend | SmsSend:
    """The send row, then one recipient row per contactable person (bulk), in one transaction."""
    send_model, row_model, to_field = (
        (EmailSend, EmailRecipient, "address") if channel == "email" else (SmsSend, SmsRecipient, "number")
    )
    extra = _merge_lookup(merge_data)
    with transaction.atomic():
        send = send_model.objects.create(
            unit=unit,
            **fields,
            source=(source or "")[:200],
            purpose=purpose,
            created_by=actor if getattr(actor, "pk", None) else None,
            segment=segment,
            rate_per_second=rate_per_second,
        )
        # Never beyond the send's unit and the units below it, whatever queryset the caller passed.
        within = people.filter(within_units([unit]))
        chosen = _chosen_contacts(channel, contactable(within, channel, purpose))
        # Raw bulk insert (COPY on PostgreSQL): bulk_create spends most of its time preparing each value, and a
        # send to a whole membership is hundreds of thousands of rows.
        insert_rows(
            row_model,
            ["send", "person", to_field, "merge_data", "status", "lease_owner", "attempts"]
            + ["message_id", "provider_message_id", "error", "on_timeline"],
            (
                (send.pk, pid, value, extra.get(pid, {}), RecipientStatus.QUEUED, "", 0, "", "", "", False)
                for pid, value in chosen.items()
            ),
        )
        _audit_send(send, actor, channel, len(chosen))
    return send


def _chosen_contacts(channel: str, recipients: QuerySet[Person]) -> dict[int, str]:
    """{person id: the address or mobile number to use}: primary first, skipping suppressed ones (and, for email,
    addresses that bounced or unsubscribed at the provider)."""
    if channel == "email":
        kinds, column = [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_EMAIL], "email"
        rows = EmailAddress.objects.exclude(status__in=UNUSABLE_EMAIL_STATUSES)
        value = "address"
    else:
        kinds, column = [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_PHONE], "phone"
        rows = PhoneNumber.objects.filter(kind=PhoneNumber.Kind.MOBILE)
        value = "number"
    blocked = Suppression.objects.filter(kind__in=kinds, **{column: OuterRef(value)})
    rows = (
        rows.filter(person__in=recipients.values("pk"))
        .exclude(Exists(blocked))
        .order_by("person_id", "-primary", "id")
        .values_list("person_id", value)
    )
    chosen: dict[int, str] = {}
    for person_id, contact in rows.iterator(chunk_size=5000):
        chosen.setdefault(person_id, contact)
    return chosen


def _audit_send(send: EmailSend | SmsSend, actor: Any, channel: str, count: int) -> None:
    record(
        "created",
        actor=actor if getattr(actor, "pk", None) else None,
        obj=send,
        detail={"channel": channel, "recipients": count, "source": send.source, "purpose": send.purpose},
    )


# ------------------------------------------------------------------------------------------ segments, templates


def clean_filters(filters: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check each filter's key is registered; drop empty values."""
    out = []
    for item in filters:
        get_segment_filter(item.get("key", ""))
        value = item.get("value")
        if value in (None, "", [], {}):
            continue
        out.append({"key": item["key"], "value": value})
    return out


def save_segment(
    *,
    unit: OrganisationUnit,
    name: str,
    filters: Iterable[Mapping[str, Any]],
    actor: Any,
    segment: Segment | None = None,
) -> Segment:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the segment a name."})
    cleaned = clean_filters(filters)
    with transaction.atomic():
        segment = segment or Segment(created_by=actor if getattr(actor, "pk", None) else None)
        segment.unit, segment.name, segment.filters = unit, name[:200], cleaned
        segment.save()
        record("changed", actor=actor, obj=segment, detail={"filters": [f["key"] for f in cleaned]})
    return segment


def save_template(
    *,
    unit: OrganisationUnit,
    name: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    actor: Any,
    template: EmailTemplate | None = None,
) -> EmailTemplate:
    errors = email_content_errors(subject, body_text, body_html)
    if not (name or "").strip():
        errors["name"] = "Give the template a name."
    if errors:
        raise ValidationError(errors)
    template = template or EmailTemplate(created_by=actor if getattr(actor, "pk", None) else None)
    template.unit, template.name = unit, name.strip()[:200]
    template.subject, template.body_text, template.body_html = " ".join(subject.split()), body_text, body_html or ""
    with transaction.atomic():
        template.save()
        record("changed", actor=actor, obj=template)
    return template


def preview_email(
    *, subject: str, body_text: str, body_html: str = "", person: Person | None = None, address: str = ""
) -> dict[str, str]:
    """Subject and both parts rendered for one (sample) person, exactly as build_email would send them."""
    errors = template_errors(subject=subject, body_text=body_text, body_html=body_html)
    if errors:
        raise ValidationError(errors)
    send = EmailSend(subject=subject, body_text=body_text, body_html=body_html or "")
    row = {
        "address": address or "someone@example.org",
        "person__given_name": person.given_name if person else "Sam",
        "person__family_name": person.family_name if person else "Example",
        "merge_data": {},
    }
    message = sending.build_email(send, row)
    html = message.alternatives[0][0] if message.alternatives else ""
    return {"subject": message.subject, "text": message.body, "html": html, "to": row["address"]}


def send_test_email(
    *, unit: OrganisationUnit, subject: str, body_text: str, body_html: str = "", to: str, actor: Any
) -> None:
    """Send one '[Test]' copy to a staff address (merge fields filled with sample values). Audited."""
    try:
        address = normalise_email(to)
    except InvalidValue as exc:
        raise ValidationError({"to": f"Test address: {exc}"}) from None
    errors = template_errors(subject=subject, body_text=body_text, body_html=body_html)
    if errors:
        raise ValidationError(errors)
    send = EmailSend(subject=f"[Test] {subject}", body_text=body_text, body_html=body_html or "")
    row = {"address": address, "person__given_name": "Sam", "person__family_name": "Example", "merge_data": {}}
    message = sending.build_email(send, row)
    get_connection(fail_silently=False).send_messages([message])
    record(
        "test_send", actor=actor, object_type="messaging.emailsend", unit=unit, detail={"subject_chars": len(subject)}
    )


# ------------------------------------------------------------------------------------------ opt-outs and events


def unsubscribe(recipient: EmailRecipient, how: str = "unsubscribe link") -> bool:
    """Withdraw the person's email consent at once (their choice, recorded with its source). True if new."""
    with transaction.atomic():
        updated = EmailRecipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        if not updated:
            return False
        set_consent(
            recipient.person, Consent.Channel.EMAIL, Consent.Status.WITHDRAWN, f"{how}: send {recipient.send_id}"
        )
    return True


def _suppress_address(address: str, reason: str, source: str) -> None:
    if not address:
        return
    address = address.strip().lower()
    EmailAddress.objects.filter(address=address).update(status="bounced" if "bounce" in reason else "complained")
    if not Suppression.objects.filter(kind=Suppression.Kind.NO_EMAIL, email=address).exists():
        add_suppression(Suppression.Kind.NO_EMAIL, email=address, reason=reason, source=source)


def _row_for_event(message_id: str | None, metadata: Mapping[str, Any] | None, address: str) -> EmailRecipient | None:
    rid = str((metadata or {}).get("gs_recipient") or "")
    qs = EmailRecipient.objects.select_related("person")
    if rid.isdigit():
        row = qs.filter(pk=int(rid)).first()
        if row is not None and (not address or row.address == address.strip().lower()):
            return row
    if message_id:
        return qs.filter(Q(provider_message_id=message_id) | Q(message_id=message_id)).order_by("-id").first()
    return None


def record_email_event(
    event_type: str,
    *,
    recipient: str = "",
    message_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> EmailRecipient | None:
    """Apply one provider tracking event (anymail's normalised event types). Bounces and complaints suppress
    the address whether or not we can find the message; complaints and provider unsubscribes withdraw consent."""
    at = at or timezone.now()
    row = _row_for_event(message_id, metadata, recipient)
    address = (recipient or (row.address if row else "")).strip().lower()
    fields = {
        "delivered": ["delivered_at"],
        "opened": ["opened_at"],
        "clicked": ["clicked_at", "opened_at"],  # a click means it was opened, even with images blocked
        "bounced": ["bounced_at"],
        "complained": ["complained_at"],
        "unsubscribed": ["unsubscribed_at"],
    }.get(event_type, [])
    with transaction.atomic():
        if row is not None:
            for name in fields:
                EmailRecipient.objects.filter(pk=row.pk, **{f"{name}__isnull": True}).update(**{name: at})
        source = f"provider event: send {row.send_id}" if row else "provider event"
        if event_type == "bounced" or (event_type == "rejected" and row is not None):
            _suppress_address(address, "hard bounce", source)
        elif event_type in ("complained", "unsubscribed"):
            if event_type == "complained":
                _suppress_address(address, "spam complaint", source)
            people = [row.person] if row else list(Person.objects.filter(email_addresses__address=address))
            for person in people:
                set_consent(person, Consent.Channel.EMAIL, Consent.Status.WITHDRAWN, f"{event_type} ({source})")
    return row


def receive_sms(number: str, body: str) -> InboundSms:
    """An incoming text. STOP (and the other opt-out words) withdraws SMS consent for everyone with the number."""
    try:
        number = normalise_phone(number)
    except InvalidValue as exc:
        raise ValidationError({"from": f"Sender number: {exc}"}) from None
    stop = sms.is_stop_message(body)
    with transaction.atomic():
        inbound = InboundSms.objects.create(number=number, body=(body or "")[:1600], opted_out=stop)
        if stop:
            people = Person.objects.filter(phone_numbers__number=number, merged_into__isnull=True).distinct()
            for person in people:
                set_consent(person, Consent.Channel.SMS, Consent.Status.WITHDRAWN, f"SMS reply '{body.strip()[:20]}'")
            latest = SmsRecipient.objects.filter(number=number, unsubscribed_at__isnull=True).order_by("-id").first()
            if latest is not None:
                SmsRecipient.objects.filter(pk=latest.pk).update(unsubscribed_at=timezone.now())
        else:
            for person in Person.objects.filter(phone_numbers__number=number).distinct():
                add_timeline_entry(
                    person, TimelineEntry.Kind.SMS, f"Text received: {body[:100]}", {"inbound": inbound.pk}
                )
    return inbound


def record_sms_status(provider_message_id: str, status: str) -> int:
    """A delivery receipt from the SMS provider: 'delivered', or 'failed'/'undelivered'."""
    rows = SmsRecipient.objects.filter(provider_message_id=provider_message_id)
    if status == "delivered":
        return rows.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())
    if status in ("failed", "undelivered"):
        return rows.update(error=f"provider: {status}"[:300])
    raise ValidationError({"status": f"Unknown SMS status {status!r}"})


def resume_sends() -> int:
    """Re-queue sends with rows left waiting (a worker died, or retries fell due). Returns how many."""
    count = 0
    for model in (EmailSend, SmsSend):
        for send in model.objects.filter(status__in=[SendStatus.QUEUED, SendStatus.SENDING]):
            queue_send(send)
            count += 1
    return count
