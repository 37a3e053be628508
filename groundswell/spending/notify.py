"""Messages to the agent: limit warnings and return reminders, by email (the project's email backend, as the
messaging app sends)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .limits import pounds
from .models import LimitWarning


def limit_warning(warning: LimitWarning, total_pence: int, limit_pence: int) -> bool:
    """Email the seat's agent that spending passed a threshold. False when the seat has no agent with an email."""
    candidacy = warning.candidacy
    agent = candidacy.agent
    if agent is None or not agent.email:
        return False
    seat = candidacy.constituency.name
    subject = f"Spending in {seat} has reached {warning.threshold}% of the {warning.period} campaign limit"
    body = (
        f"{seat}, {candidacy.election.election_id}: £{pounds(total_pence)} counted against a limit of "
        f"£{pounds(limit_pence)} ({warning.percent}%).\n\n"
        "An item that would take the seat over its limit is refused unless you override it with a reason.\n"
        f"{settings.PUBLIC_BASE_URL}/spending/seats/{candidacy.pk}/\n"
    )
    EmailMessage(subject=subject, body=body, to=[agent.email]).send()
    return True


def return_reminder(candidacy, due, days_left: int) -> bool:
    agent = candidacy.agent
    if agent is None or not agent.email:
        return False
    subject = f"Spending return for {candidacy.constituency.name} due {due:%a %d %b %Y} ({days_left} days)"
    body = "The return, with every invoice and receipt over £200, goes to the returning officer by that day.\n"
    EmailMessage(subject=subject, body=body, to=[agent.email]).send()
    return True
