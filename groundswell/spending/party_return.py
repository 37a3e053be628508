"""The party's national return for a general election: spending in the regulated period by the party return's
categories, every payment over £200 with its invoice, the total against the national limit of each part of Great
Britain (by seats contested), and the deadline by total: 3 months, or 6 with an auditor's report over £250,000."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Sum

from groundswell.people.models import OrganisationUnit

from .limits import LimitError, national_limit, pounds
from .models import PARTY_CATEGORIES, Allocation, Candidacy, Election, SpendingItem
from .services import EVIDENCE_REQUIRED_OVER_PENCE
from .timetable import party_return_due

PARTS = {"E": "england", "S": "scotland", "W": "wales", "N": "northern_ireland"}


@dataclass
class PartyReturn:
    election: Election
    by_category: dict[str, int]
    total: int
    over_200: list[SpendingItem]
    missing_evidence: list[SpendingItem]
    limits: dict[str, tuple[int, int | None]]  # part → (seats contested, limit pence)
    due: dt.date
    auditor_report: bool


def build_party_return(election: Election, unit: OrganisationUnit) -> PartyReturn:
    """Party spending (the shares not attributed to a candidate) by items of `unit` and the units below it."""
    shares = Allocation.objects.filter(
        candidacy__isnull=True, item__withdrawn=False, item__election=election,
        item__unit__path__startswith=unit.path,
    ).exclude(item__status=SpendingItem.Status.PLANNED)  # fmt: skip
    by_category = {c.value: 0 for c in PARTY_CATEGORIES}
    for row in shares.values("item__category").annotate(t=Sum("amount_pence")):
        by_category[row["item__category"]] = by_category.get(row["item__category"], 0) + row["t"]
    total = sum(by_category.values())
    items = (
        SpendingItem.objects.filter(pk__in=shares.values("item_id"), amount_pence__gt=EVIDENCE_REQUIRED_OVER_PENCE)
        .prefetch_related("evidence")
        .order_by("incurred_on", "pk")
    )
    over_200 = list(items)
    missing = [i for i in over_200 if not i.evidence.all()]
    seats: dict[str, int] = dict.fromkeys(PARTS.values(), 0)
    for code in Candidacy.objects.filter(election=election).values_list("constituency__code", flat=True):
        part = PARTS.get(code[:1])
        if part:
            seats[part] += 1
    limits: dict[str, tuple[int, int | None]] = {}
    for part, n in seats.items():
        try:
            limits[part] = (n, national_limit(part, n, election.poll_date).limit_pence if n else None)
        except LimitError:
            limits[part] = (n, None)
    due, audited = party_return_due(election.poll_date, total)
    return PartyReturn(election, by_category, total, over_200, missing, limits, due, audited)


def party_return_csv(ret: PartyReturn) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "label", "amount", "detail"])
    labels = {c.value: c.label for c in PARTY_CATEGORIES}
    for cat, pence in ret.by_category.items():
        w.writerow(["category", labels.get(cat, cat), pounds(pence), ""])
    w.writerow(["total", "Campaign spending in the regulated period", pounds(ret.total), ""])
    for part, (seats, limit) in ret.limits.items():
        w.writerow(["limit", part, pounds(limit) if limit is not None else "", f"{seats} seats contested"])
    for item in ret.over_200:
        files = ";".join(f"evidence-{e.pk}.{e.extension}" for e in item.evidence.all()) or "MISSING INVOICE"
        w.writerow(["payment over £200", f"{item.incurred_on} {item.supplier}: {item.description}",
                    pounds(item.amount_pence), files])  # fmt: skip
    w.writerow(["deadline", "Return due", "", f"{ret.due.isoformat()}" + (
        " with an independent auditor's report" if ret.auditor_report else "")])  # fmt: skip
    return out.getvalue()
