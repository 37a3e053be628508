"""Fundraising reads: an appeal's progress (money actually received, net of refunds), totals by appeal and by unit,
the monthly run-rate, the weekly chart and the donor list, each scoped to the units the reader covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from groundswell.accounts.access import Perm, scope
from groundswell.charts import Frame, column_chart

from .forms import pounds
from .models import Appeal, Gift, GiftPayment

CHART_WEEKS = 12
CHART_FRAME = Frame(width=560, height=180, left=52, right=8, top=10, bottom=28)


def appeals_for(user: Any, perm: Perm = Perm.VIEW_FUNDRAISING) -> QuerySet[Appeal]:
    return scope(Appeal.objects.select_related("unit"), user, perm)


def public_appeal(slug: str) -> Appeal | None:
    """A published appeal by its web address (closed ones still show, with the form switched off)."""
    return Appeal.objects.select_related("unit").filter(slug=slug, published=True).first()


@dataclass(frozen=True)
class Progress:
    raised_pence: int
    target_pence: int
    donors: int

    @property
    def percent(self) -> int:
        """Share of the target, 0–100 for the bar (the figure beside it may say more than 100%)."""
        return min(100, self.raw_percent)

    @property
    def raw_percent(self) -> int:
        return int(self.raised_pence * 100 // self.target_pence) if self.target_pence else 0

    @property
    def raised(self) -> str:
        return pounds(self.raised_pence)

    @property
    def target(self) -> str:
        return pounds(self.target_pence)


def progress(appeal: Appeal) -> Progress:
    """Raised so far: payments received (never pending or declined checkouts), less refunds."""
    figures = GiftPayment.objects.filter(appeal=appeal).aggregate(
        raised=Sum(F("amount_pence") - F("refunded_pence")), donors=Count("gift", distinct=True)
    )
    return Progress(int(figures["raised"] or 0), appeal.target_pence, int(figures["donors"] or 0))


def _running_monthly(appeal_ids: list[int]) -> QuerySet[Gift]:
    return Gift.objects.filter(appeal_id__in=appeal_ids, interval=Gift.Interval.MONTH, status=Gift.Status.PAID,
                               cancelled_at__isnull=True)  # fmt: skip


def run_rate_pence(appeals: QuerySet[Appeal]) -> int:
    """Monthly income promised by running monthly gifts (paid at least once, not stopped)."""
    ids = list(appeals.values_list("pk", flat=True))
    return int(_running_monthly(ids).aggregate(n=Sum("amount_pence"))["n"] or 0)


def appeal_rows(appeals: QuerySet[Appeal]) -> list[dict[str, Any]]:
    """One row per appeal: raised, donors, monthly run-rate, share of target (three grouped queries in all)."""
    listed = list(appeals.order_by("-created_at", "-id"))
    ids = [a.pk for a in listed]
    money = {
        row["appeal"]: row
        for row in GiftPayment.objects.filter(appeal_id__in=ids)
        .values("appeal")
        .annotate(raised=Sum(F("amount_pence") - F("refunded_pence")), donors=Count("gift", distinct=True))
    }
    monthly = dict(_running_monthly(ids).values_list("appeal").annotate(n=Sum("amount_pence")))
    rows = []
    for appeal in listed:
        figures = money.get(appeal.pk, {})
        p = Progress(int(figures.get("raised") or 0), appeal.target_pence, int(figures.get("donors") or 0))
        run_rate = int(monthly.get(appeal.pk) or 0)
        rows.append({"appeal": appeal, "progress": p, "run_rate_pence": run_rate, "run_rate": pounds(run_rate)})
    return rows


def unit_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`appeal_rows` added up by the unit each appeal belongs to: raised, donors, monthly run-rate, bar share."""
    by_unit: dict[int, dict[str, Any]] = {}
    for row in rows:
        unit = row["appeal"].unit
        entry = by_unit.setdefault(unit.pk, {"unit": unit, "raised_pence": 0, "donors": 0, "appeals": 0, "monthly": 0})
        entry["raised_pence"] += row["progress"].raised_pence
        entry["donors"] += row["progress"].donors
        entry["monthly"] += row["run_rate_pence"]
        entry["appeals"] += 1
    result = sorted(by_unit.values(), key=lambda e: -e["raised_pence"])
    top = max([e["raised_pence"] for e in result] or [0])
    for e in result:
        e["raised"], e["run_rate"] = pounds(e["raised_pence"]), pounds(e["monthly"])
        e["share"] = round(100 * e["raised_pence"] / top) if top else 0
    return result


def weekly_chart(appeals: QuerySet[Appeal], today: dt.date | None = None) -> dict[str, Any]:
    """Money received per week over the last twelve weeks (whole pounds), one column a week, Monday to Sunday."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=CHART_WEEKS - 1)
    ids = list(appeals.values_list("pk", flat=True))
    days = (
        GiftPayment.objects.filter(appeal_id__in=ids, received_on__gte=start)
        .values("received_on")
        .annotate(n=Sum(F("amount_pence") - F("refunded_pence")))
        .values_list("received_on", "n")
    )
    weeks = [0] * CHART_WEEKS
    for day, net in days:
        index = (day - start).days // 7
        if 0 <= index < CHART_WEEKS:
            weeks[index] += int(net or 0)
    values = [w // 100 for w in weeks]
    labels = {i: f"{start + dt.timedelta(weeks=i):%d %b}" for i in range(0, CHART_WEEKS, 3)}
    chart = column_chart(CHART_FRAME, values, labels)
    chart["total"] = pounds(sum(weeks))
    return chart


def gifts_for(appeal: Appeal, *, status: str = "") -> QuerySet[Gift]:
    gifts = (
        Gift.objects.filter(appeal=appeal)
        .select_related("person")
        .annotate(
            received_pence=Sum(F("payments__amount_pence") - F("payments__refunded_pence")),
            payment_count=Count("payments"),
        )
    )
    if status:
        gifts = gifts.filter(status=status)
    return gifts.order_by("-created_at", "-id")


def donors(appeal: Appeal) -> QuerySet[Gift]:
    """Gifts that brought money in (the donor list)."""
    return gifts_for(appeal).filter(Q(payments__isnull=False)).distinct()


CSV_HEADER = [
    "gift", "created", "status", "frequency", "amount", "received", "payments", "full_name", "address_line1",
    "address_line2", "town", "postcode", "country", "email", "on_register", "overseas_elector", "monthly_stopped",
]  # fmt: skip


def csv_rows(appeal: Appeal) -> list[list[Any]]:
    rows: list[list[Any]] = [CSV_HEADER]
    for g in gifts_for(appeal):
        rows.append([
            g.pk, f"{timezone.localtime(g.created_at):%Y-%m-%d %H:%M}", g.status, "monthly" if g.monthly else "one-off",
            f"{g.amount_pence // 100}.{g.amount_pence % 100:02d}",
            f"{(g.received_pence or 0) // 100}.{(g.received_pence or 0) % 100:02d}", g.payment_count, g.full_name,
            g.address_line1, g.address_line2, g.town, g.postcode, g.country, g.email,
            {True: "yes", False: "no", None: "not sure"}[g.on_register], "yes" if g.overseas_elector else "no",
            f"{timezone.localtime(g.cancelled_at):%Y-%m-%d}" if g.cancelled_at else "",
        ])  # fmt: skip
    return rows
