"""Elections, candidacies, their dates and their limits: the reads and writes the ledger, pages and the
`groundswell spending` command share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.geography.selectors import constituency_by_code
from groundswell.people.models import OrganisationUnit

from .auditing import audit
from .limits import (
    Limit,
    LimitError,
    boundary_set_for_poll,
    compute_limit,
    parliament_first_met,
    register_electorate,
    seat_type,
)
from .models import Candidacy, CandidateLimit, Election, ElectionType, Period
from .timetable import Dates, UnknownElection, campaign_dates, parse_election_id


def election_for(election_id: str, *, create: bool = False) -> Election:
    """The Election with Democracy Club id `election_id`: a stored one, else one built from the id (saved when
    `create`). UnknownElection for an id that is not in the format or not a type with limits."""
    found = Election.objects.filter(election_id=(election_id or "").strip()).first()
    if found is not None:
        return found
    parsed = parse_election_id(election_id)
    election = Election(election_id=parsed.election_id, poll_date=parsed.poll_date, election_type=parsed.election_type)
    if create:
        election.source = "Democracy Club election id"
        election.save()
    return election


def long_start_override(election: Election) -> dt.date | None:
    row = (
        CandidateLimit.objects.filter(
            election_type=election.election_type, period=Period.LONG, applies_from__lte=election.poll_date
        )
        .exclude(applies_to__lt=election.poll_date)
        .exclude(long_campaign_start__isnull=True)
        .first()
    )
    return row.long_campaign_start if row else None


def election_dates(
    election: Election,
    *,
    dissolved: dt.date | None = None,
    became_candidate: dt.date | None = None,
    declared: dt.date | None = None,
) -> Dates:
    """The campaign's dates for `election` (dissolution from the election unless given)."""
    general = election.election_type == ElectionType.UK_PARLIAMENT
    first_met = parliament_first_met(election.poll_date) if general else None
    return campaign_dates(
        election.election_id,
        country=election.country,
        dissolved=dissolved or election.dissolved,
        first_met=first_met,
        long_start_override=long_start_override(election),
        became_candidate=became_candidate,
        declared=declared,
    )


def candidacy_dates(candidacy: Candidacy) -> Dates:
    return election_dates(candidacy.election, became_candidate=candidacy.became_candidate, declared=candidacy.declared)


@dataclass(frozen=True)
class SeatLimit:
    """A seat's limit for a period, with the seat it is for and where its electorate came from."""

    limit: Limit
    code: str
    name: str
    electorate_source: str

    def as_json(self) -> dict[str, Any]:
        return {**self.limit.as_json(), "constituency": self.code, "name": self.name,
                "electorate_source": self.electorate_source}  # fmt: skip


def seat_limit(
    election: Election,
    code: str,
    *,
    period: str = Period.SHORT,
    electorate: int | None = None,
    dissolved: dt.date | None = None,
    joint_candidates: int = 1,
) -> SeatLimit:
    """The limit for one seat: its type from the results files, its electorate from the imported register at
    the notice of election (attainers not 18 by polling day left out) unless `electorate` is given."""
    if period not in (Period.SHORT, Period.LONG):
        raise LimitError(f"period: {period!r} is not short or long")
    boundary_set = boundary_set_for_poll(election.poll_date)
    if election.election_type == ElectionType.LOCAL:
        area_type, name = "any", code
    else:
        area_type, name = seat_type(code, boundary_set)
    source = "given"
    if electorate is None:
        seat = constituency_by_code(code, boundary_set)
        dates = election_dates(election, dissolved=dissolved)
        counted = register_electorate(seat, election.poll_date, dates.notice_of_election) if seat else None
        if counted is None:
            raise LimitError(
                f"electorate: no register is imported for {code}; give the electorate at the notice of election"
            )
        electorate, source = counted, f"imported register at {dates.notice_of_election}"
    limit = compute_limit(
        election_type=election.election_type,
        poll_date=election.poll_date,
        period=period,
        area_type=area_type,
        electorate=electorate,
        dissolved=dissolved or election.dissolved,
        joint_candidates=joint_candidates,
    )
    return SeatLimit(limit, code.strip().upper(), name, source)


def candidacy_limit(candidacy: Candidacy, period: str) -> Limit | None:
    """The candidacy's limit for `period`, or None when the period has no limit (no long campaign)."""
    if candidacy.electorate is None:
        return None
    try:
        return compute_limit(
            election_type=candidacy.election.election_type,
            poll_date=candidacy.election.poll_date,
            period=period,
            area_type=candidacy.area_type,
            electorate=candidacy.electorate,
            dissolved=candidacy.election.dissolved,
            joint_candidates=candidacy.joint_candidates,
        )
    except LimitError:
        return None


def create_candidacy(
    *,
    actor: Any,
    election_id: str,
    constituency_code: str,
    unit: OrganisationUnit,
    candidate_name: str = "",
    electorate: int | None = None,
    electorate_source: str = "",
    agent: Any = None,
    became_candidate: dt.date | None = None,
    declared: dt.date | None = None,
    joint_candidates: int = 1,
) -> Candidacy:
    """Open a seat's ledger. The electorate comes from the register when one is imported, else must be given
    with its source. Errors name the field; nothing is written unless everything is right."""
    try:
        election = election_for(election_id)
    except UnknownElection as exc:
        raise ValidationError({"election": str(exc)}) from exc
    boundary_set = boundary_set_for_poll(election.poll_date)
    seat = constituency_by_code(constituency_code or "", boundary_set)
    if seat is None:
        raise ValidationError({"constituency": f"constituency {constituency_code!r} is not a loaded seat"})
    if election.election_type == ElectionType.LOCAL:
        area_type = "any"
    else:
        try:
            area_type, _ = seat_type(seat.code, boundary_set)
        except LimitError as exc:
            raise ValidationError({"constituency": str(exc)}) from exc
    if electorate is None:
        dates = election_dates(election)
        electorate = register_electorate(seat, election.poll_date, dates.notice_of_election)
        electorate_source = f"imported register at {dates.notice_of_election}" if electorate is not None else ""
    elif electorate < 0:
        raise ValidationError({"electorate": "the electorate cannot be negative"})
    elif not electorate_source.strip():
        raise ValidationError({"electorate_source": "say where the electorate figure comes from"})
    with transaction.atomic():
        if election.pk is None:
            election.source = "Democracy Club election id"
            election.save()
        if Candidacy.objects.filter(election=election, constituency=seat).exists():
            raise ValidationError({"constituency": f"{seat.name} already has a ledger for {election.election_id}"})
        candidacy = Candidacy.objects.create(
            election=election, constituency=seat, unit=unit, candidate_name=candidate_name, area_type=area_type,
            electorate=electorate, electorate_source=electorate_source, agent=agent,
            became_candidate=became_candidate, declared=declared, joint_candidates=joint_candidates,
        )  # fmt: skip
        audit("spending.candidacy.create", actor=actor, obj=candidacy, unit=unit)
    return candidacy
