"""Complaints: reads. The backlog dashboard (counts and ages, no case content), the published statistics with
small numbers suppressed, the parties' own cases, a case's access history."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from groundswell import charts
from groundswell.accounts import access
from groundswell.accounts.models import User
from groundswell.audit.models import AuditEntry
from groundswell.people.models import OrganisationUnit

from . import policy
from .models import OPEN_STAGES, Case, Category, Handler, InterimSuspension, Notice, Stage, StagePeriod

# Age bands in weeks since the complaint was received: (label, from weeks, to weeks or None).
AGE_BANDS = [
    ("under 2 weeks", 0, 2),
    ("2–4 weeks", 2, 4),
    ("4–8 weeks", 4, 8),
    ("8–13 weeks", 8, 13),
    ("13–26 weeks", 13, 26),
    ("26–52 weeks", 26, 52),
    ("over a year", 52, None),
]
CHART_LABELS = ["< 2 wk", "2–4", "4–8", "8–13", "13–26", "26–52", "> 1 yr"]
# Published counts below this are shown as "fewer than 5" (the ONS's usual threshold for small counts).
SUPPRESS_BELOW = 5
SUPPRESSED = "fewer than 5"
MEDIAN_WINDOW_DAYS = 365


def _age_filters(now: datetime.datetime) -> dict[str, Q]:
    out = {}
    for i, (_, lo, hi) in enumerate(AGE_BANDS):
        q = Q(opened_at__lte=now - datetime.timedelta(weeks=lo))
        if hi is not None:
            q &= Q(opened_at__gt=now - datetime.timedelta(weeks=hi))
        out[f"band{i}"] = q
    return out


def _open_by_stage_and_age(
    cases: QuerySet[Case], now: datetime.datetime, extra: dict[str, Q] | None = None
) -> dict[str, dict[str, Any]]:
    """One grouped query over the open cases: per stage, the count in each age band plus any `extra` counts."""
    filters = _age_filters(now)
    counts = {name: Count("id", filter=q) for name, q in (filters | (extra or {})).items()}
    rows = {row["stage"]: row for row in cases.filter(stage__in=OPEN_STAGES).values("stage").annotate(**counts)}
    out = {}
    for stage in OPEN_STAGES:
        row = rows.get(stage, {})
        out[stage] = {"ages": [row.get(name, 0) for name in filters]} | {k: row.get(k, 0) for k in extra or {}}
    return out


def _median_from_histogram(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found, seen = [], 0
    for value in sorted(histogram):
        n = histogram[value]
        found += [value for position in wanted if seen <= position < seen + n]
        seen += n
    return sum(found) / len(found)


def _median_working_days(periods: QuerySet[StagePeriod]) -> dict[str, float | None]:
    """Median working days per stage over the periods ended in the last year. Working days are small whole numbers,
    so the database returns a histogram (stage, days, count) and the median is read off it: one grouped scan on
    either database, no sort of every period."""
    since = timezone.localdate() - datetime.timedelta(days=MEDIAN_WINDOW_DAYS)
    rows = (
        periods.filter(ended_on__gte=since, working_days__isnull=False)
        .values("stage", "working_days")
        .annotate(n=Count("id"))
        .order_by()
    )
    histograms: dict[str, dict[int, int]] = {}
    for row in rows:
        histograms.setdefault(row["stage"], {})[row["working_days"]] = row["n"]
    return {stage: _median_from_histogram(histograms.get(stage, {})) for stage in OPEN_STAGES}


def _scoped(queryset: QuerySet, user: Any, perm: access.Perm, path_field: str) -> QuerySet:
    """`access.scope`, except that someone holding `perm` at every root unit sees everything: then the filter (a
    join to the unit tree on every row) is left out, which matters at tens of thousands of cases."""
    paths = access.unit_paths_with(user, perm)
    roots = set(OrganisationUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    if roots and roots <= set(paths):
        return queryset
    return queryset.filter(access.within_units(paths, path_field))


@dataclass
class Backlog:
    rows: list[dict[str, Any]]
    bands: list[str]
    band_totals: list[int]
    open_total: int
    missed_total: int
    suspensions_outstanding: int
    suspension_reviews_overdue: int
    pending_selection_flags: int
    chart: dict[str, Any]


def backlog(user: Any) -> Backlog:
    """The dashboard for the units where `user` holds VIEW_COMPLAINTS_BACKLOG: counts only, never content."""
    now, today = timezone.now(), timezone.localdate()
    perm = access.Perm.VIEW_COMPLAINTS_BACKLOG
    cases = _scoped(Case.objects.all(), user, perm, "unit__path")
    extra = {
        "missed": Q(overdue=True) | Q(stage_due_on__lt=today, clock_paused=False),
        "paused": Q(clock_paused=True),
        "flagged": Q(pending_selection=True),
    }
    by_stage = _open_by_stage_and_age(cases, now, extra)
    medians = _median_working_days(_scoped(StagePeriod.objects.all(), user, perm, "case__unit__path"))
    labels = dict(Stage.choices)
    rows = [
        {
            "stage": stage,
            "label": labels[stage],
            "ages": by_stage[stage]["ages"],
            "open": sum(by_stage[stage]["ages"]),
            "missed": by_stage[stage]["missed"],
            "paused": by_stage[stage]["paused"],
            "median_days": medians[stage],
        }
        for stage in OPEN_STAGES
    ]
    band_totals = [sum(row["ages"][i] for row in rows) for i in range(len(AGE_BANDS))]
    suspensions = _scoped(InterimSuspension.objects.filter(lifted_at__isnull=True), user, perm, "case__unit__path")
    frame = charts.Frame(width=560, height=220, left=44, right=8, top=10, bottom=44)
    chart = charts.column_chart(frame, band_totals, dict(enumerate(CHART_LABELS)))
    return Backlog(
        rows=rows,
        bands=[band[0] for band in AGE_BANDS],
        band_totals=band_totals,
        open_total=sum(band_totals),
        missed_total=sum(row["missed"] for row in rows),
        suspensions_outstanding=suspensions.count(),
        suspension_reviews_overdue=suspensions.filter(review_on__lt=today).count(),
        pending_selection_flags=sum(row["flagged"] for row in by_stage.values()),
        chart=chart,
    )


def suppress(counts: dict[str, int]) -> dict[str, int | str]:
    """Small-number suppression for published tables: counts 1–4 become "fewer than 5"; when exactly one cell is
    hidden, the next smallest non-zero cell is hidden too, so it cannot be worked out from the total."""
    out: dict[str, int | str] = {k: (SUPPRESSED if 0 < v < SUPPRESS_BELOW else v) for k, v in counts.items()}
    hidden = [k for k, v in out.items() if v == SUPPRESSED]
    if len(hidden) == 1:
        shown = sorted((v, k) for k, v in counts.items() if out[k] != SUPPRESSED and v > 0)
        if shown:
            out[shown[0][1]] = SUPPRESSED
    return out


def _total(counts: dict[str, int]) -> int | str:
    total = sum(counts.values())
    return SUPPRESSED if 0 < total < SUPPRESS_BELOW else total


def published_statistics() -> dict[str, Any]:
    """Anonymised counts for members: complaints received in the last 12 months by category, open cases by stage
    and by age band. No case, person or unit is named; small numbers are suppressed."""
    now = timezone.now()
    since = now - datetime.timedelta(days=365)
    by_category = dict(
        Case.objects.filter(opened_at__gte=since)
        .values("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    category_counts = {label: by_category.get(value, 0) for value, label in Category.choices}
    by_age = {stage: row["ages"] for stage, row in _open_by_stage_and_age(Case.objects.all(), now).items()}
    labels = dict(Stage.choices)
    stage_counts = {labels[s]: sum(by_age[s]) for s in OPEN_STAGES}
    band_counts = {band[0]: sum(by_age[s][i] for s in OPEN_STAGES) for i, band in enumerate(AGE_BANDS)}
    closed = Case.objects.filter(closed_at__gte=since, stage=Stage.CLOSED).count()
    return {
        "by_category": suppress(category_counts),
        "received_total": _total(category_counts),
        "by_stage": suppress(stage_counts),
        "by_age": suppress(band_counts),
        "open_total": _total(stage_counts),
        "closed_last_year": SUPPRESSED if 0 < closed < SUPPRESS_BELOW else closed,
    }


def cases_of(person: Any) -> list[dict[str, Any]]:
    """A party's own cases for their personal page: status and dates only. A respondent sees a case once they have
    been told of it (at investigation, or an interim suspension), never while it is being triaged."""
    if person is None:
        return []
    told = Notice.objects.filter(recipient=Notice.Recipient.RESPONDENT).values("case_id")
    cases = (
        Case.objects.filter(Q(complainant=person) | Q(respondent=person, pk__in=told))
        .filter(anonymised_at__isnull=True)
        .order_by("-opened_at")
    )
    out = []
    for case in cases:
        role = "complainant" if case.complainant_id == person.pk else "respondent"
        out.append(
            {
                "case": case,
                "role": role,
                "events": list(case.events.filter(public=True).order_by("at", "id")),
                "suspended": case.suspensions.filter(lifted_at__isnull=True).first() if role == "respondent" else None,
            }
        )
    return out


def access_history(case: Case) -> QuerySet[AuditEntry]:
    """Every audit entry about the case: views, edits, decisions, downloads and refused attempts."""
    return AuditEntry.objects.filter(object_type="complaints.case", object_id=str(case.pk)).order_by("sequence")


def followed_case(case: Case) -> dict[str, Any]:
    """What a public complainant sees through their personal link: no more than a member complainant sees on "My
    complaints" (no respondent, no sanction, no handler, no notes), and only notices addressed to the complainant.
    Pauses show their reason, not the handler's note."""
    periods = list(case.periods.order_by("started_on", "id").prefetch_related("pauses"))
    return {
        "case": case,
        "periods": periods,
        "pauses": [p for period in periods for p in period.pauses.all()],
        "notices": list(case.notices.filter(recipient=Notice.Recipient.COMPLAINANT).order_by("sent_at", "id")),
    }


def training_register() -> list[dict[str, Any]]:
    """Everyone who holds the handler role (or is already in the pool), with their training and refresher dates and
    whether they can be assigned cases today. Staff records only: no case content."""
    roles = access.roles_granting(access.Perm.HANDLE_COMPLAINTS)
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(roles__role__in=roles) | Q(complaints_handler__isnull=False))
        .distinct()
        .order_by("email")
    )
    handlers = {h.user_id: h for h in Handler.objects.filter(user__in=users)}
    today = timezone.localdate()
    rows = []
    for user in users:
        handler = handlers.get(user.pk)
        refresher = handler.refresher_due_on if handler else None
        rows.append(
            {
                "user": user,
                "handler": handler,
                "units": sorted({a.unit.name for a in user.roles.select_related("unit") if a.role in roles}),
                "trained": policy.is_trained(handler, today),
                "refresher_overdue": refresher is not None and refresher < today,
            }
        )
    return rows
