"""Reads for selections: a member's selections and eligibility, the transparency page, flags and their
statistics, the hustings count, and the lookup complaints use to find a respondent's pending selections."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet

from groundswell.accounts.access import Perm, scope
from groundswell.complaints.selections import PendingSelection
from groundswell.events.models import RSVP
from groundswell.people.models import Person

from .models import Applicant, JoinFlag, Selection, Snapshot, SnapshotEntry


def current_snapshot(selection: Selection) -> Snapshot | None:
    return selection.snapshots.order_by("-version").first()


def selections_for_member(person: Person | None, user: Any = None) -> QuerySet[Selection]:
    """Selections of the units above the member's own (their branch, constituency party, region, nation), and
    those whose panel the user sits on."""
    panel = Q(panel__user=user) if getattr(user, "pk", None) else Q(pk__in=[])
    own = Q(unit_id__in=person.unit.ancestor_ids()) if person is not None else Q(pk__in=[])
    return Selection.objects.filter(own | panel).distinct().select_related("unit")


def my_entry(selection: Selection, person: Person | None) -> SnapshotEntry | None:
    snapshot = current_snapshot(selection)
    if snapshot is None or person is None:
        return None
    return snapshot.entries.filter(person=person).first()


def selections_to_manage(user: Any) -> QuerySet[Selection]:
    return scope(Selection.objects.all(), user, Perm.MANAGE_SELECTIONS).select_related("unit")


def timetable(selection: Selection) -> list[dict]:
    by_stage = {t.stage: t for t in selection.timetable.all()}
    order = list(Selection.Stage.values)
    certified = selection.ballot_id is not None and selection.ballot.certified_at is not None
    current = order.index(Selection.Stage.RESULT if certified else selection.stage)
    return [
        {
            "stage": Selection.Stage(s).label,
            "row": by_stage.get(s),
            "done": i < current,
            "current": i == current,
        }
        for i, s in enumerate(order)
    ]


def hustings_rows(selection: Selection) -> list[dict]:
    """Each hustings with the count of eligible members who said they are coming (turnout decides selections)."""
    rows = []
    for h in selection.hustings.select_related("event"):
        coming = h.event.rsvps.filter(status__in=[RSVP.Status.GOING, RSVP.Status.ATTENDED]).count()
        rows.append({"hustings": h, "event": h.event, "coming": coming})
    return rows


def is_coming(selection: Selection, person: Person | None) -> set[int]:
    """The hustings ids this person said they are coming to."""
    if person is None:
        return set()
    return set(
        selection.hustings.filter(
            event__rsvps__person=person, event__rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.ATTENDED]
        ).values_list("pk", flat=True)
    )


def nomination_counts(selection: Selection) -> dict[int, int]:
    return dict(selection.applicants.annotate(n=Count("nominations")).filter(n__gt=0).values_list("pk", "n"))


def balance_summary(applicants: list[Applicant]) -> dict[str, int]:
    """Counts only, from self-declared data held with consent (never shown per person)."""
    declared = [a for a in applicants if a.diversity_consent]
    return {
        "total": len(applicants),
        "declared": len(declared),
        "women": sum(1 for a in declared if a.gender == Applicant.Gender.WOMAN),
        "minority_ethnic": sum(1 for a in declared if a.minority_ethnic),
    }


def panel_totals(selection: Selection) -> list[dict]:
    """Each applicant's total score from the panel, and who could not score them for a declared conflict."""
    rows = []
    for a in selection.applicants.prefetch_related("scores", "conflicts__panel_member"):
        rows.append(
            {
                "applicant": a,
                "total": sum(s.score for s in a.scores.all()),
                "scores": len(a.scores.all()),
                "conflicted": [c.panel_member.name for c in a.conflicts.all()],
            }
        )
    return rows


def flags_for(user: Any, selection: Selection) -> QuerySet[JoinFlag]:
    return (
        scope(JoinFlag.objects.filter(selection=selection), user, Perm.MANAGE_SELECTIONS, "selection__unit__path")
        .select_related("reviewed_by", "snapshot")
        .order_by("decision", "signal", "key")
    )


def flag_statistics(user: Any) -> list[dict]:
    """Per unit and selection: flags by signal and by decision (counts only) for the governing body."""
    flags = scope(JoinFlag.objects.all(), user, Perm.VIEW_SELECTION_STATISTICS, "selection__unit__path")
    rows: dict[int, dict] = {}
    for f in flags.select_related("selection__unit").only(
        "signal", "decision", "selection__title", "selection__unit__name", "selection__unit__path"
    ):
        row = rows.setdefault(
            f.selection_id,
            {"selection": f.selection, "unit": f.selection.unit, "signals": Counter(), "decisions": Counter()},
        )
        row["signals"][f.get_signal_display()] += 1
        row["decisions"][f.get_decision_display()] += 1
    out = []
    for row in rows.values():
        row["total"] = sum(row["signals"].values())
        row["open"] = row["decisions"].get(JoinFlag.Decision.OPEN.label, 0)
        row["signals"] = sorted(row["signals"].items())
        row["decisions"] = sorted(row["decisions"].items())
        out.append(row)
    return sorted(out, key=lambda r: (r["unit"].name, r["selection"].title))


def ballot_result(selection: Selection) -> dict | None:
    ballot = selection.ballot
    if ballot is None or not ballot.certified_at:
        return None
    return ballot.result


def pending_selections_of(person: Any) -> list[PendingSelection]:
    """For complaints: the unfinished selections this person applies to or votes in (see complaints/selections.py)."""
    if person is None:
        return []
    unfinished = Selection.objects.exclude(stage=Selection.Stage.RESULT).exclude(ballot__certified_at__isnull=False)
    found: list[PendingSelection] = []
    for applicant in Applicant.objects.filter(person=person, selection__in=unfinished).exclude(
        status__in=[Applicant.Status.WITHDRAWN, Applicant.Status.INELIGIBLE]
    ):
        found.append(_pending(applicant.selection, "applicant"))
    applying = {p.label for p in found}
    for selection in unfinished.filter(snapshots__entries__person=person, snapshots__entries__eligible=True).distinct():
        entry = my_entry(selection, person)
        if entry and entry.eligible and selection.title not in applying:
            found.append(_pending(selection, "voter"))
    return found


def _pending(selection: Selection, role: str) -> PendingSelection:
    secretary = selection.procedures_secretary
    ids = (secretary.person_id,) if secretary is not None and secretary.person_id else ()
    return PendingSelection(label=selection.title, role=role, procedures_secretary_ids=ids)


def open_challenges(selection: Selection) -> QuerySet:
    return selection.challenges.filter(status="open").select_related("person", "against")


def entries_for_roll(snapshot: Snapshot, query: str = "") -> QuerySet[SnapshotEntry]:
    entries = snapshot.entries.select_related("person")
    if query:
        entries = entries.filter(
            Q(membership_number__iexact=query) | Q(person__normalised_name__icontains=query.lower())
        )
    return entries
