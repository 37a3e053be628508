"""Paper ballots by double entry: two tellers enter every paper independently; the entries are reconciled.

Papers whose two entries agree go into the count; a paper whose entries disagree is listed with both readings
and waits for the returning officer, who reads the paper and records what it says and why. A paper reaches
the count only once (PaperDecision is unique per paper), as a CastBallot with the receipt "P-<number>".
Members who vote on paper are marked on the roll when their paper is issued, so they cannot also vote online.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from groundswell.accounts.access import Perm, require
from groundswell.people.models import Person

from .auditing import audit
from .counting import check_preferences
from .models import Ballot, CastBallot, EligibleVoter, PaperDecision, PaperEntry


@dataclass
class PaperCheck:
    paper_number: str
    readings: dict[str, list[str]]  # teller's email → their reading
    status: str  # "agreed", "mismatch", "waiting" (one entry so far), "counted"


def issue_paper(actor: Any, ballot: Ballot, person: Person) -> None:
    """Mark a member on the roll as voting on paper (refused if they have voted online)."""
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    with transaction.atomic():
        spent = EligibleVoter.objects.filter(ballot=ballot, person=person, voted=False).update(
            voted=True, voted_on=timezone.localdate(), voted_on_paper=True
        )
        if not spent:
            raise ValidationError("This member is not on the roll, or has already voted.")
        audit("paper_issued", actor=actor, obj=ballot)


def enter_paper(actor: Any, ballot: Ballot, paper_number: str, preferences: list[str]) -> PaperEntry:
    """One teller's entry of one paper; a second entry of the same paper by the same teller is refused."""
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    number = paper_number.strip()
    if not number:
        raise ValidationError({"paper_number": ["Give the number printed on the paper."]})
    problem = check_preferences(preferences, list(ballot.candidates.values_list("name", flat=True)))
    if problem:
        raise ValidationError({"preferences": [f"Paper {number}: {problem}."]})
    if PaperEntry.objects.filter(ballot=ballot, paper_number=number, teller=actor).exists():
        raise ValidationError(
            {"paper_number": [f"You have already entered paper {number}; the other teller enters it too."]}
        )
    with transaction.atomic():
        entry = PaperEntry.objects.create(
            ballot=ballot, paper_number=number, teller=actor, preferences=[p.strip() for p in preferences if p.strip()]
        )
        audit("paper_entered", actor=actor, obj=ballot, detail={"paper": number})
    return entry


def reconcile(ballot: Ballot) -> list[PaperCheck]:
    """Every paper with its readings and whether the two tellers agree."""
    decided = set(ballot.paper_decisions.values_list("paper_number", flat=True))
    papers: dict[str, dict[str, list[str]]] = {}
    for entry in ballot.paper_entries.select_related("teller").order_by("paper_number", "entered_at"):
        papers.setdefault(entry.paper_number, {})[entry.teller.email] = entry.preferences
    checks = []
    for number, readings in sorted(papers.items()):
        if number in decided:
            status = "counted"
        elif len(readings) < 2:
            status = "waiting"
        else:
            status = "agreed" if len({tuple(r) for r in readings.values()}) == 1 else "mismatch"
        checks.append(PaperCheck(number, readings, status))
    return checks


def _add_to_count(ballot: Ballot, number: str, preferences: list[str], actor: Any, reason: str) -> None:
    PaperDecision.objects.create(
        ballot=ballot, paper_number=number, preferences=preferences, resolved_by=actor, reason=reason
    )
    CastBallot.objects.create(receipt=f"P-{number}", ballot=ballot, preferences=preferences, on_paper=True)


def accept_agreed(actor: Any, ballot: Ballot) -> int:
    """Put every paper whose two entries agree into the count; returns how many."""
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    agreed = [c for c in reconcile(ballot) if c.status == "agreed"]
    with transaction.atomic():
        for check in agreed:
            _add_to_count(ballot, check.paper_number, next(iter(check.readings.values())), None, "both tellers agreed")
        audit("papers_accepted", actor=actor, obj=ballot, detail={"papers": len(agreed)})
    return len(agreed)


def resolve_mismatch(actor: Any, ballot: Ballot, paper_number: str, preferences: list[str], reason: str) -> None:
    """The returning officer reads a disputed paper and records what it says, with the reason."""
    if ballot.returning_officer_id is None or actor.pk != ballot.returning_officer_id:
        raise PermissionDenied("Only the returning officer resolves a disputed paper.")
    check = next((c for c in reconcile(ballot) if c.paper_number == paper_number), None)
    if check is None or check.status != "mismatch":
        raise ValidationError(f"Paper {paper_number} is not awaiting a decision.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why (what the paper shows)."]})
    problem = check_preferences(preferences, list(ballot.candidates.values_list("name", flat=True)))
    if problem:
        raise ValidationError({"preferences": [f"Paper {paper_number}: {problem}."]})
    with transaction.atomic():
        _add_to_count(ballot, paper_number, list(preferences), actor, reason.strip())
        audit("paper_resolved", actor=actor, obj=ballot, detail={"paper": paper_number}, reason=reason.strip())
