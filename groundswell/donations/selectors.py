"""Reads of the donations ledger: the accounting unit a unit's gifts go to, what a user may see, the 30-day clock,
totals by month, and a candidate's donations for the spending return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from groundswell import charts
from groundswell.accounts.access import Perm, scope
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit

from .models import AccountingUnit, Donation
from .rules import threshold_pence

UNIT_PATH = "accounting_unit__unit__path"


def accounting_unit_for(unit: OrganisationUnit) -> AccountingUnit:
    """The nearest registered accounting unit at or above `unit`; the central party (at the top of the tree) when
    none is registered on the way up. The central party is created on first use: every gift belongs somewhere."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part] or [unit.pk]
    found = {au.unit_id: au for au in AccountingUnit.objects.filter(unit_id__in=ids).select_related("unit")}
    for pk in reversed(ids):
        if pk in found:
            return found[pk]
    central = AccountingUnit.objects.filter(is_central=True).select_related("unit").first()
    if central is not None:
        return central
    root = OrganisationUnit.objects.get(pk=ids[0])
    central, _ = AccountingUnit.objects.get_or_create(
        unit=root, defaults={"name": f"{root.name} (central party)", "is_central": True}
    )
    return central


def donations_for(user: Any, perm: Perm = Perm.VIEW_DONATIONS) -> QuerySet[Donation]:
    """The donations recorded against accounting units within the units where `user` holds `perm`."""
    return scope(Donation.objects.all(), user, perm, UNIT_PATH).select_related("donor", "accounting_unit")


def accounting_units_for(user: Any, perm: Perm = Perm.VIEW_DONATIONS) -> QuerySet[AccountingUnit]:
    return scope(AccountingUnit.objects.all(), user, perm, "unit__path").select_related("unit")


def clock(user: Any, today: dt.date | None = None) -> QuerySet[Donation]:
    """Donations awaiting a permissibility decision, soonest deadline first (overdue ones at the top)."""
    return donations_for(user).filter(status=Donation.Status.PENDING).order_by("check_due_on", "pk")


@dataclass(frozen=True)
class ClockSummary:
    pending: int
    due_this_week: int
    overdue: int


def clock_summary(user: Any, today: dt.date | None = None) -> ClockSummary:
    today = today or dt.date.today()
    counts = clock(user).aggregate(
        pending=Count("pk"),
        week=Count("pk", filter=Q(check_due_on__gte=today, check_due_on__lte=today + dt.timedelta(days=7))),
        overdue=Count("pk", filter=Q(check_due_on__lt=today)),
    )
    return ClockSummary(counts["pending"], counts["week"], counts["overdue"])


MONTH_CHART = charts.Frame(width=640, height=220, left=56, right=8, top=10, bottom=36)


def by_month(donations: QuerySet[Donation], months: int = 12, today: dt.date | None = None) -> dict[str, Any]:
    """Money received per month over the last `months` months (whole pounds), as a column chart."""
    today = today or dt.date.today()
    first = dt.date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rows = (
        donations.filter(received_on__gte=first)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .order_by()
        .annotate(total=Sum("amount_pence"))
    )
    totals = {(_as_date(r["month"]).year, _as_date(r["month"]).month): r["total"] or 0 for r in rows}
    keys, cursor = [], first
    for _ in range(months):
        keys.append((cursor.year, cursor.month))
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    values = [int(totals.get(k, 0)) // 100 for k in keys]
    labels = {i: dt.date(y, m, 1).strftime("%b") for i, (y, m) in enumerate(keys)}
    chart = charts.column_chart(MONTH_CHART, values, labels)
    chart["total_pounds"] = sum(values)
    chart["months"] = [(dt.date(y, m, 1), v) for (y, m), v in zip(keys, values, strict=True)]
    return chart


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class CandidateDonation:
    """One gift to a candidate, as the candidate's return lists it."""

    donation_id: int
    donor_name: str
    donor_address: str
    donor_type: str
    received_on: dt.date
    accepted_on: dt.date | None
    amount_pence: int
    nature: str
    description: str
    is_donation: bool
    status: str


def candidate_donations(constituency: Constituency | str, election_id: str) -> list[CandidateDonation]:
    """The gifts to the candidate in `constituency` (object or ONS code) at `election_id`: over £50 are donations
    (with donor, date accepted, value), smaller ones listed only for the total; returned gifts are left out."""
    rows = Donation.objects.filter(recipient=Donation.Recipient.CANDIDATE, candidate_election_id=election_id)
    if isinstance(constituency, Constituency):
        rows = rows.filter(candidate_constituency=constituency)
    else:
        rows = rows.filter(candidate_constituency__code=constituency)
    rows = rows.exclude(
        status__in=[Donation.Status.RETURNED, Donation.Status.RETURNED_TO_TRANSFERRER, Donation.Status.FORFEITED]
    ).select_related("donor")
    return [
        CandidateDonation(
            donation_id=d.pk,
            donor_name=d.donor.full_name,
            donor_address=d.donor.address,
            donor_type=d.donor.get_donor_type_display(),
            received_on=d.received_on,
            accepted_on=d.decided_on if d.status == Donation.Status.ACCEPTED else None,
            amount_pence=d.amount_pence,
            nature=d.get_nature_display(),
            description=d.description,
            is_donation=d.is_donation,
            status=d.status,
        )  # fmt: skip
        for d in rows.order_by("received_on", "pk")
    ]


def donation_threshold(recipient: str, on: dt.date) -> int:
    """Pence a gift must exceed to be a donation: £500 to a party, £50 to a candidate (rows, with sources)."""
    kind = "donation_candidate" if recipient == Donation.Recipient.CANDIDATE else "donation_party"
    return threshold_pence(kind, on)
