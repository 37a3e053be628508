"""Reads for ballots: the member's ballots, the public bulletin, the published result."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet

from groundswell.accounts.access import Perm, scope

from .models import Ballot, CastBallot


def ballots_for_member(person: Any) -> QuerySet[Ballot]:
    """The ballots a member is on the roll of, with whether they have voted."""
    if person is None:
        return Ballot.objects.none()
    return Ballot.objects.filter(voters__person=person).order_by("-closes_at")


def has_voted(ballot: Ballot, person: Any) -> bool:
    return person is not None and ballot.voters.filter(person=person, voted=True).exists()


def ballots_to_manage(user: Any) -> QuerySet[Ballot]:
    managed = scope(Ballot.objects.all(), user, Perm.MANAGE_BALLOTS)
    return (managed | Ballot.objects.filter(returning_officer=user)).distinct().select_related("unit")


def bulletin(ballot: Ballot) -> QuerySet[CastBallot]:
    """Every receipt with its preferences, published once the ballot has closed (empty before)."""
    if not ballot.is_closed():
        return CastBallot.objects.none()
    return ballot.cast_ballots.order_by("receipt")


def bulletin_csv(ballot: Ballot) -> str:
    """The bulletin as a ballot file for `groundswell ballots count` (one ballot a line, receipt order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for prefs in bulletin(ballot).values_list("preferences", flat=True):
        writer.writerow(prefs)
    return out.getvalue()


def turnout(ballot: Ballot) -> dict[str, int]:
    voters = ballot.voters
    return {
        "eligible": voters.count(),
        "voted": voters.filter(voted=True).count(),
        "codes_sent": voters.exclude(code_sent_at=None).count(),
    }


def published_result(ballot: Ballot) -> dict | None:
    """The result as published: only once certified by the returning officer."""
    return ballot.result if ballot.certified_at else None
