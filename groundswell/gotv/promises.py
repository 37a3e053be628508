"""Promises: the electors who told us they support us, by the organiser's rule, and how many have voted.

The rule lives in `PollingDay.promise_rule` (changed through `services.update_polling_day`, which validates it
with `clean_rule` here):
    {"support_codes": ["L"], "min_likelihood": 7, "contacted_since": "2029-01-01"}
Every key is optional. Without `support_codes` the unit's own-party codes (`questions.support_codes.our_codes`)
count as promises. An elector has voted when they have a live TellingEntry for the day (any source: a teller
at a station, a postal vote known returned, or "voted already" on the doorstep).
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from groundswell.people.exporting import spreadsheet_safe
from groundswell.questions.support_codes import our_codes, support_codes_for
from groundswell.register.models import Elector
from groundswell.register.selectors import live_electors

from .models import CommitteeRoom, PollingDay, TellingEntry

RULE_KEYS = ("support_codes", "min_likelihood", "contacted_since")


def clean_rule(polling_day: PollingDay, rule: dict[str, Any]) -> dict[str, Any]:
    """Validate a promise rule against the day's support codes; returns the normalised rule (empty keys dropped).

    Raises ValidationError naming what is wrong.
    """
    unknown = set(rule) - set(RULE_KEYS)
    if unknown:
        raise ValidationError(f"Unknown rule keys: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    codes = [str(c).strip() for c in (rule.get("support_codes") or []) if str(c).strip()]
    if codes:
        known = support_codes_for(polling_day.unit)
        bad = [c for c in codes if c not in known]
        if bad:
            raise ValidationError(f"Unknown support codes: {', '.join(bad)}")
        cleaned["support_codes"] = sorted(set(codes), key=codes.index)
    likelihood = rule.get("min_likelihood")
    if likelihood not in (None, ""):
        try:
            likelihood = int(likelihood)
        except (TypeError, ValueError):
            raise ValidationError("Minimum likelihood must be a whole number from 1 to 10") from None
        if not 1 <= likelihood <= 10:
            raise ValidationError("Minimum likelihood must be a whole number from 1 to 10")
        cleaned["min_likelihood"] = likelihood
    since = rule.get("contacted_since")
    if since not in (None, ""):
        if isinstance(since, datetime.date):
            since = since.isoformat()
        try:
            datetime.date.fromisoformat(str(since))
        except ValueError:
            raise ValidationError("Contacted since must be a date (YYYY-MM-DD)") from None
        cleaned["contacted_since"] = str(since)
    return cleaned


def rule_codes(polling_day: PollingDay) -> set[str]:
    """The support codes that make a promise today: the rule's own list, else the unit's own-party codes."""
    codes = (polling_day.promise_rule or {}).get("support_codes") or []
    return set(codes) if codes else our_codes(polling_day.unit)


def promise_queryset(polling_day: PollingDay) -> QuerySet[Elector]:
    """Live electors in the day's constituency who are promises under the day's rule."""
    rule = polling_day.promise_rule or {}
    qs = live_electors(polling_day.constituency_id).filter(current_support__in=sorted(rule_codes(polling_day)))
    if rule.get("min_likelihood") not in (None, ""):
        qs = qs.filter(current_likelihood__gte=int(rule["min_likelihood"]))
    if rule.get("contacted_since"):
        since = datetime.date.fromisoformat(str(rule["contacted_since"]))
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        qs = qs.filter(last_contacted_at__gte=start)
    return qs


def postal_promises(polling_day: PollingDay) -> QuerySet[Elector]:
    """Promises who vote by post: the list for postal-vote reminders, in register order."""
    return promise_queryset(polling_day).filter(postal_voter=True).select_related("household")


def voted_elector_ids(polling_day: PollingDay, *, sources: list[str] | None = None) -> QuerySet:
    """Ids of electors with a live telling entry for the day (a subquery; optionally only some sources)."""
    qs = TellingEntry.objects.filter(polling_day=polling_day, undone_at__isnull=True, elector__isnull=False)
    if sources is not None:
        qs = qs.filter(source__in=sources)
    return qs.values("elector_id")


def has_voted(polling_day: PollingDay, elector: Elector) -> bool:
    return TellingEntry.objects.filter(polling_day=polling_day, elector=elector, undone_at__isnull=True).exists()


@dataclass
class PromiseRow:
    polling_district: str
    promises: int = 0
    postal_promises: int = 0
    target: int | None = None  # votes needed, set by the organiser
    voted: int = 0  # promises voted so far

    @property
    def still_to_vote(self) -> int:
        return self.promises - self.voted

    @property
    def voted_percent(self) -> int:
        """Promises voted as a share of the target (else of the promises), 0–100, for the bars."""
        base = self.target or self.promises
        return min(100, round(100 * self.voted / base)) if base else 0

    @property
    def promises_percent(self) -> int:
        """Promises as a share of the target, 0–100: below 100 the district cannot reach it on promises alone."""
        return min(100, round(100 * self.promises / self.target)) if self.target else 0


def day_districts(polling_day: PollingDay) -> list[str]:
    """Polling districts the day covers: those of its committee rooms and those given a target."""
    districts = set(polling_day.targets or {})
    for pds in CommitteeRoom.objects.filter(polling_day=polling_day).values_list("polling_districts", flat=True):
        districts.update(pds or [])
    return sorted(districts)


def promise_counts(polling_day: PollingDay) -> list[PromiseRow]:
    """One row per polling district (those with rooms, targets or promises): promises, postal promises, the
    votes-needed target and promises voted so far. One aggregate query."""
    rows = {pd: PromiseRow(pd) for pd in day_districts(polling_day)}
    aggregates = (
        promise_queryset(polling_day)
        .order_by()
        .values("polling_district")
        .annotate(
            n=Count("id"),
            postal=Count("id", filter=Q(postal_voter=True)),
            voted=Count("id", filter=Q(id__in=voted_elector_ids(polling_day))),
        )
    )
    for agg in aggregates:
        row = rows.setdefault(agg["polling_district"], PromiseRow(agg["polling_district"]))
        row.promises, row.postal_promises, row.voted = agg["n"], agg["postal"], agg["voted"]
    targets = polling_day.targets or {}
    for pd, row in rows.items():
        target = targets.get(pd)
        row.target = int(target) if target not in (None, "") else None
    return [rows[pd] for pd in sorted(rows)]


def totals(rows: list[PromiseRow]) -> PromiseRow:
    total = PromiseRow("Total", target=0)
    for row in rows:
        total.promises += row.promises
        total.postal_promises += row.postal_promises
        total.voted += row.voted
        total.target += row.target or 0
    total.target = total.target or None
    return total


POSTAL_COLUMNS = ["elector_number", "title", "forenames", "surname", "address", "postcode", "support", "voted"]


def write_postal_csv(polling_day: PollingDay, out: IO[str]) -> int:
    """The postal promises as CSV (for reminder letters and calls); returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(POSTAL_COLUMNS)
    voted = set(voted_elector_ids(polling_day).values_list("elector_id", flat=True))
    n = 0
    for e in postal_promises(polling_day).order_by("polling_district", "number", "suffix"):
        address = ", ".join(line for line in (e.household.address_lines if e.household else []) if line)
        postcode = e.household.postcode if e.household else ""
        row = [e.elector_number, e.title, e.forenames, e.surname, address, postcode, e.current_support]
        writer.writerow([spreadsheet_safe(v) for v in row] + ["yes" if e.pk in voted else ""])
        n += 1
    return n
