"""Reminders to members through the messaging app (a one-person service email), each kept as a Reminder row so
it is sent once: a payment failed, a yearly renewal is due, the membership is about to lapse."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from groundswell.messaging.models import EmailRecipient
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.people.models import Membership, Person

from .models import Arrangement, Reminder
from .standing import Standing, pounds

PAGE = "/dues/me/"


def _remind(membership: Membership, kind: str, key: str, subject: str, body: str) -> bool:
    """Send once per (membership, kind, key); True when a reminder row was written now."""
    if Reminder.objects.filter(membership=membership, kind=kind, key=key).exists():
        return False
    person = membership.person
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(membership=membership, kind=kind, key=key)
            send = create_email_send(
                unit=person.unit, subject=subject, body_text=body, people=Person.objects.filter(pk=person.pk),
                actor=None, source=f"dues {kind} {membership.pk} {key}", purpose="service",
            )  # fmt: skip
            reminder.email_send = send
            reminder.delivered = EmailRecipient.objects.filter(send=send).exists()
            reminder.save(update_fields=["email_send", "delivered"])
    except IntegrityError:  # a second scheduler wrote it first
        return False
    transaction.on_commit(lambda: queue_send(send))
    return True


def _link() -> str:
    return f"{settings.PUBLIC_BASE_URL}{PAGE}"


def about_to_lapse(membership: Membership, standing: Standing, key: str) -> bool:
    body = (
        f"Hello,\n\nYour membership ({membership.number}) is {standing.months_behind} months behind with its dues: "
        f"{standing.reason}\n\nPay or set up a Direct Debit here: {_link()}\n"
    )
    return _remind(membership, Reminder.Kind.ABOUT_TO_LAPSE, key, "Your membership is about to lapse", body)


def renewal_due(arrangement: Arrangement, key: str) -> bool:
    body = (
        f"Hello,\n\nYour yearly membership dues of {pounds(arrangement.amount_pence)} "
        f"({arrangement.membership_type.name}) will be taken from your card on "
        f"{arrangement.next_renewal_on:%-d %B %Y}.\n\nTo change or cancel: {_link()}\n"
    )
    return _remind(arrangement.membership, Reminder.Kind.RENEWAL_DUE, key, "Your membership renews soon", body)


def failed_payment(membership: Membership, amount_pence: int, key: str) -> bool:
    body = (
        f"Hello,\n\nA dues payment of {pounds(amount_pence)} for membership {membership.number} did not go through. "
        f"Nothing else needs to happen if your bank retries it; otherwise set up your dues again: {_link()}\n"
    )
    return _remind(membership, Reminder.Kind.FAILED_PAYMENT, key, "Your membership payment failed", body)
