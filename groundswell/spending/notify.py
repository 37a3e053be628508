"""Messages to the agent: limit warnings and return reminders, sent through the messaging app (a service email
to the person record the agent's login is linked to), each send kept on the warning or reminder it carries. An agent
whose login has no person record still gets them, sent straight to the login's email address (kept as `emailed_to`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from groundswell.messaging.models import EmailRecipient, EmailSend
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.people.models import Person

from .limits import pounds
from .models import Candidacy, LimitWarning, ReturnReminder


def _to_agent(candidacy: Candidacy, subject: str, body: str, source: str) -> EmailSend | str | None:
    """A one-person service send to the seat's agent, queued once the caller's transaction commits. Messaging writes
    to people, not logins: when the agent's login has no person record the email goes straight to the login's
    address and that address is returned; None when there is no agent or no address at all."""
    agent = candidacy.agent
    person = getattr(agent, "person", None) if agent is not None else None
    if person is None:
        address = getattr(agent, "email", "") or ""
        if not address:
            return None
        transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))
        return address
    send = create_email_send(
        unit=person.unit, subject=subject, body_text=body, people=Person.objects.filter(pk=person.pk),
        actor=None, source=source, purpose="service",
    )  # fmt: skip
    transaction.on_commit(lambda: queue_send(send))
    return send


def delivery(send: EmailSend | None, emailed_to: str = "") -> str:
    """How the ledger describes a warning's or reminder's email."""
    if send is None and emailed_to:
        return f"emailed to the agent's login address ({emailed_to}); link the login to a person to use messaging"
    if send is None:
        return "not sent: the seat has no agent with an email address"
    if not EmailRecipient.objects.filter(send=send).exists():
        return "not sent: the agent has no usable email address (or asked not to be contacted)"
    return f"emailed through messaging (send #{send.pk})"


def _keep(record: LimitWarning | ReturnReminder, send: EmailSend | str | None) -> None:
    if isinstance(send, str):
        record.emailed_to = send
    else:
        record.email_send = send
    record.save(update_fields=["email_send", "emailed_to"])


def limit_warning(warning: LimitWarning, total_pence: int, limit_pence: int) -> bool:
    """Email the seat's agent that spending passed a threshold, and keep the send on the warning."""
    candidacy = warning.candidacy
    seat = candidacy.constituency.name
    subject = f"Spending in {seat} has reached {warning.threshold}% of the {warning.period} campaign limit"
    body = (
        f"{seat}, {candidacy.election.election_id}: £{pounds(total_pence)} counted against a limit of "
        f"£{pounds(limit_pence)} ({warning.percent}%).\n\n"
        "An item that would take the seat over its limit is refused unless you override it with a reason.\n"
        f"{settings.PUBLIC_BASE_URL}/spending/seats/{candidacy.pk}/\n"
    )
    send = _to_agent(candidacy, subject, body, f"spending warning {candidacy.pk} {warning.period} {warning.threshold}%")
    _keep(warning, send)
    return send is not None


def return_reminder(reminder: ReturnReminder, due: dt.date, days_left: int) -> bool:
    candidacy = reminder.candidacy
    subject = f"Spending return for {candidacy.constituency.name} due {due:%a %d %b %Y} ({days_left} days)"
    body = "The return, with every invoice and receipt over £200, goes to the returning officer by that day.\n"
    send = _to_agent(candidacy, subject, body, f"spending return reminder {candidacy.pk} {reminder.days_before}")
    _keep(reminder, send)
    return send is not None
