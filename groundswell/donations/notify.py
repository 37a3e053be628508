"""The 30-day clock's reminders: an email through messaging to the treasurers of the donation's accounting unit
(the nearest unit at or above it with a treasurer whose login is linked to a person record), at 14, 7 and 2 days
left and once when the deadline has passed. Each stage is sent once per donation (CheckReminder is unique), so the
scheduler may run the job as often as it likes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.people.models import Person

from .models import CheckReminder, Donation
from .rules import pounds

STAGES = (14, 7, 2)
OVERDUE = -1


def stage_for(days_left: int) -> int | None:
    """The reminder stage a donation with `days_left` is in: 14, 7, 2, OVERDUE, or None (more than 14 days)."""
    if days_left < 0:
        return OVERDUE
    due = [s for s in STAGES if days_left <= s]
    return min(due) if due else None


def treasurer_people(donation: Donation) -> list[Person]:
    """People (via their logins) holding the treasurer role at the nearest unit at or above the accounting unit."""
    unit = donation.accounting_unit.unit
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    holders = (
        RoleAssignment.objects.filter(role=Role.TREASURER, unit_id__in=ids, user__is_active=True)
        .exclude(user__person__isnull=True)
        .select_related("user__person", "unit")
    )
    by_unit: dict[int, list[Person]] = {}
    for a in holders:
        by_unit.setdefault(a.unit_id, []).append(a.user.person)
    for pk in reversed(ids):
        if pk in by_unit:
            return by_unit[pk]
    return []


def send_check_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Send every reminder now due; returns {"sent", "no_treasurer"}."""
    today = today or dt.date.today()
    horizon = today + dt.timedelta(days=max(STAGES))
    pending = Donation.objects.filter(status=Donation.Status.PENDING, check_due_on__lte=horizon).select_related(
        "accounting_unit__unit", "donor"
    )
    sent = no_treasurer = 0
    for donation in pending:
        stage = stage_for(donation.days_left(today))
        if stage is None or CheckReminder.objects.filter(donation=donation, days_left=stage).exists():
            continue
        people = treasurer_people(donation)
        try:
            with transaction.atomic():
                reminder = CheckReminder.objects.create(donation=donation, days_left=stage)
                if people:
                    reminder.email_send = _email(donation, people, stage)
                    reminder.save(update_fields=["email_send"])
        except IntegrityError:  # another scheduler sent this stage first
            continue
        if people:
            sent += 1
        else:
            no_treasurer += 1
    return {"sent": sent, "no_treasurer": no_treasurer}


def _email(donation: Donation, people: list[Person], stage: int):
    au = donation.accounting_unit
    if stage == OVERDUE:
        subject = f"Donation #{donation.pk} to {au.name}: the 30-day deadline has passed without a decision"
        lead = (f"The 30 days to check this donation ended on {donation.check_due_on:%d %b %Y}. In law it is now "
                "deemed accepted: record the check and the decision now.")  # fmt: skip
    else:
        subject = f"Donation #{donation.pk} to {au.name}: {stage} days left to check and decide"
        lead = f"Decide by {donation.check_due_on:%A %d %B %Y}: accept it, or return it."
    body = (
        f"{lead}\n\n{pounds(donation.amount_pence)} received {donation.received_on:%d %b %Y} "
        f"({donation.get_channel_display()}).\n{settings.PUBLIC_BASE_URL}/donations/{donation.pk}/\n"
    )
    send = create_email_send(
        unit=au.unit, subject=subject, body_text=body, people=Person.objects.filter(pk__in=[p.pk for p in people]),
        actor=None, source=f"donations clock {donation.pk} {stage}", purpose="service",
    )  # fmt: skip
    transaction.on_commit(lambda: queue_send(send))
    return send
