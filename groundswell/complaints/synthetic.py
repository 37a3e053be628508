"""Synthetic cases with their whole history, written in bulk: the demo's backlog and `groundswell bench complaints`.

Each case walks the real stage path (intake → triage → investigation → [hearing] → decision → [appeal] → closed, or
closed at triage) with every stage's period, working-day target and due date computed as the services compute
them, and one event per stage plus some notes. Some stages run past their target, so the backlog has missed
targets; some investigations carry an interim suspension. Synthetic summaries only: no real complaint.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.utils import timezone

from groundswell.db.bulk import allocate_ids, insert_rows
from groundswell.workingdays import add_working_days

from .models import Case, CaseEvent, Category, InterimSuspension, Outcome, Sanction, Stage, StagePeriod
from .services import targets

# Where the cases stand: roughly half closed, the rest spread over the open stages.
FINAL_STAGES = [
    (Stage.INTAKE, 5),
    (Stage.TRIAGE, 10),
    (Stage.INVESTIGATION, 20),
    (Stage.HEARING, 8),
    (Stage.DECISION, 5),
    (Stage.APPEAL, 4),
    (Stage.CLOSED, 48),
]
SUMMARIES = [
    "Synthetic demo complaint: remarks at a branch meeting.",
    "Synthetic demo complaint: posts on social media about another member.",
    "Synthetic demo complaint: conduct at a campaign day.",
    "Synthetic demo complaint: messages sent to a volunteer.",
]
CHUNK = 5_000


@lru_cache(maxsize=100_000)
def _add(day: datetime.date, n: int) -> datetime.date:
    return add_working_days(day, n)


def _path(final: str, rng: random.Random) -> tuple[list[str], str]:
    """The stages a case passed through (the last is where it stands) and its outcome."""
    early = [Stage.INTAKE, Stage.TRIAGE, Stage.INVESTIGATION]
    if final in early:
        return early[: early.index(final) + 1], ""
    if final == Stage.CLOSED and rng.random() < 0.45:
        return [Stage.INTAKE, Stage.TRIAGE, Stage.CLOSED], rng.choice([Outcome.NO_CASE, Outcome.INFORMAL])
    hearing = rng.random() < 0.4 or final == Stage.HEARING
    path = [Stage.INTAKE, Stage.TRIAGE, Stage.INVESTIGATION] + ([Stage.HEARING] if hearing else [])
    if final == Stage.HEARING:
        return path, ""
    path.append(Stage.DECISION)
    if final == Stage.DECISION:
        return path, ""
    outcome = rng.choice([Outcome.UPHELD, Outcome.NOT_UPHELD])
    if final == Stage.APPEAL or rng.random() < 0.1:
        path.append(Stage.APPEAL)
    return path + ([Stage.CLOSED] if final == Stage.CLOSED else []), outcome


def build_cases(
    count: int,
    *,
    units: Sequence[Any],
    respondents: Sequence[int],
    complainants: Sequence[int],
    seed: int = 21,
    max_age_days: int = 540,
) -> dict[str, int]:
    """Write `count` cases with their periods, events and suspensions; returns the row counts. Call inside a
    transaction (SQLite would otherwise sync every chunk)."""
    rng = random.Random(seed)
    target = targets()
    today = timezone.localdate()
    now = timezone.now()
    weights = [w for _, w in FINAL_STAGES]
    finals = [s for s, _ in FINAL_STAGES]
    categories = Category.values
    totals = {"cases": 0, "periods": 0, "events": 0, "suspensions": 0}
    year = today.strftime("%y")
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        ids = allocate_ids(Case, n)
        cases, periods, events, suspensions = [], [], [], []
        for pk in ids:
            final = rng.choices(finals, weights)[0]
            path, outcome = _path(final, rng)
            # Older cases have gone further: open ones mostly within the last six months.
            age = rng.randint(0, max_age_days if final == Stage.CLOSED else rng.choice([40, 90, 180, 365]))
            opened = today - datetime.timedelta(days=age)
            day = opened
            due = None
            for i, stage in enumerate(path):
                if stage == Stage.CLOSED:
                    break
                t = target[stage]
                due = _add(day, t)
                if i == len(path) - 1:
                    periods.append((pk, stage, day, None, t, 0, due, None, None))
                    break
                spent = max(0, int(t * rng.uniform(0.3, 1.8)))
                ended = min(_add(day, spent), today)
                periods.append((pk, stage, day, ended, t, 0, due, spent, None))
                events.append((pk, now, "stage", stage, f"Moved to {Stage(stage).label}", {}, True))
                day = ended
            closed = path[-1] == Stage.CLOSED
            open_due = None if closed else due
            overdue = bool(open_due and open_due < today)
            sanction = ""
            if outcome == Outcome.UPHELD:
                sanction = rng.choice(
                    [Sanction.REMINDER, Sanction.WARNING, Sanction.TRAINING]
                    + ([Sanction.SUSPENSION, Sanction.EXPULSION] if Stage.HEARING in path else [])
                )
            opened_at = datetime.datetime.combine(opened, datetime.time(10), tzinfo=datetime.UTC)
            closed_at = datetime.datetime.combine(day, datetime.time(16), tzinfo=datetime.UTC) if closed else None
            retain = day.replace(year=day.year + 6) if closed and not (day.month == 2 and day.day == 29) else None
            unit = rng.choice(units)
            cases.append(
                (pk, f"C{year}-{pk:06d}", unit.pk, rng.choice(categories), rng.choice(SUMMARIES), rng.random() < 0.08,
                 rng.choice(complainants), rng.choice(respondents), "web", path[-1], open_due, False, overdue,
                 outcome, sanction, "Synthetic decision reasons." if outcome else "", Stage.HEARING in path,
                 day if Stage.HEARING in path and path[-1] != Stage.HEARING else None, False, "", opened_at,
                 closed_at, retain, "", "")
            )  # fmt: skip
            events.append((pk, opened_at, "stage", Stage.INTAKE, "Complaint received", {}, True))
            for _ in range(rng.randint(0, 3)):
                events.append((pk, now, "note", path[-1], "Synthetic case note", {}, False))
            if path[-1] in (Stage.INVESTIGATION, Stage.HEARING, Stage.DECISION) and rng.random() < 0.12:
                review = today + datetime.timedelta(days=rng.randint(-10, 60))
                suspensions.append((pk, "Synthetic: risk to members", now, review, None, None, ""))
        totals["cases"] += insert_rows(
            Case,
            ["id", "reference", "unit", "category", "summary", "special_category", "complainant", "respondent",
             "received_via", "stage", "stage_due_on", "clock_paused", "overdue", "outcome", "sanction",
             "decision_reason", "hearing_required", "hearing_held_on", "pending_selection", "sar_exemption",
             "opened_at", "closed_at", "retain_until", "complainant_name", "complainant_email"],
            cases,
        )  # fmt: skip
        totals["periods"] += insert_rows(
            StagePeriod,
            ["case", "stage", "started_on", "ended_on", "target_days", "paused_days", "due_on", "working_days",
             "escalated_at"],
            periods,
        )  # fmt: skip
        totals["events"] += insert_rows(
            CaseEvent, ["case", "at", "kind", "stage", "summary", "detail", "public"], events
        )
        totals["suspensions"] += insert_rows(
            InterimSuspension,
            ["case", "reason", "imposed_at", "review_on", "reminded_on", "lifted_at", "lift_reason"],
            suspensions,
        )
    return totals
