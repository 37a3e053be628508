"""Who may vote at the freeze date, and who may stand: the checks in plain words, and the snapshot's digest.

Voting: good standing on the freeze date (dues' rules on arrears) and continuous membership of at least N months
by then (the selection's rule; Labour's usual 6 months, uk-rules.md §6.1). Standing: continuous membership of the
applicant rule's months (12, NEC 2022 [R111]), a union card where required, and no disqualification in force.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from groundswell.people.models import Membership, Person

from . import standing
from .models import Disqualification, Selection


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Verdict:
    person_id: int
    membership_number: str
    eligible: bool
    reason: str
    overridden: bool = False  # set by an upheld challenge, and kept in later versions


def memberships_in(selection: Selection) -> list[Membership]:
    """Each member of the selection's unit once: their most recent membership (people in the unit's subtree, or
    whose membership names a branch or constituency party there)."""
    path = selection.unit.path
    rows = (
        Membership.objects.filter(
            Q(person__unit__path__startswith=path)
            | Q(branch__path__startswith=path)
            | Q(constituency_party__path__startswith=path)
        )
        .filter(person__merged_into__isnull=True, person__erased_at__isnull=True)
        .select_related("person")
        .order_by("person_id", "-joined_on", "-pk")
    )
    latest: dict[int, Membership] = {}
    for membership in rows:
        latest.setdefault(membership.person_id, membership)
    return list(latest.values())


def voter_verdict(
    selection: Selection, membership: Membership, freeze: date, found: standing.Standing | None = None
) -> Verdict:
    found = found or standing.standing_on(membership, freeze)
    since = found.continuous_since
    needed_by = months_before(freeze, selection.voter_min_months)
    number = membership.number
    if selection.require_good_standing and not found.good:
        return Verdict(membership.person_id, number, False, f"Not in good standing on the freeze date: {found.reason}")
    if since is None or since > needed_by:
        since_text = f"since {since:%-d %B %Y}" if since else "with no continuous membership"
        return Verdict(
            membership.person_id,
            number,
            False,
            f"A member {since_text}: {selection.voter_min_months} months' continuous membership by the freeze date "
            f"({freeze:%-d %B %Y}) means joining by {needed_by:%-d %B %Y}.",
        )
    return Verdict(
        membership.person_id,
        number,
        True,
        f"In good standing on {freeze:%-d %B %Y} and a member continuously since {since:%-d %B %Y}.",
    )


def voter_verdicts(selection: Selection, freeze: date) -> list[Verdict]:
    memberships = memberships_in(selection)
    found = standing.standings_on(memberships, freeze)
    return [voter_verdict(selection, m, freeze, found[m.pk]) for m in memberships]


def digest(freeze: date, rules: dict, eligible_numbers: list[str]) -> str:
    """SHA-256 over the canonical JSON of the freeze date, the rules and the sorted eligible membership numbers.

    Anyone holding the list can recompute it: the page states this recipe.
    """
    canonical = json.dumps(
        {"freeze_date": freeze.isoformat(), "rules": rules, "eligible": sorted(eligible_numbers)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def applicant_checks(selection: Selection, person: Person, on: date, union_member: bool) -> dict[str, list]:
    """{"continuous": [ok, why], "union": [ok, why], "disqualified": [ok, why]} for someone applying on `on`."""
    membership = person.memberships.order_by("-joined_on", "-pk").first()
    checks: dict[str, list] = {}
    needed_by = months_before(on, selection.applicant_min_months)
    if membership is None:
        checks["continuous"] = [False, "No membership on record."]
    else:
        found = standing.standing_on(membership, on)
        since = found.continuous_since
        if not found.good:
            checks["continuous"] = [False, f"Not in good standing: {found.reason}"]
        elif since is None or since > needed_by:
            since_text = f"{since:%-d %B %Y}" if since else "no date"
            checks["continuous"] = [
                False,
                f"{selection.applicant_min_months} months' continuous membership needed (a member since "
                f"{since_text}; joining by {needed_by:%-d %B %Y} was required).",
            ]
        else:
            checks["continuous"] = [True, f"A member continuously since {since:%-d %B %Y}."]
    if selection.applicant_requires_union:
        checks["union"] = [
            bool(union_member),
            "Member of an affiliated trade union."
            if union_member
            else "Membership of an affiliated union is required.",
        ]
    else:
        checks["union"] = [True, "Not required for this selection."]
    barred = Disqualification.objects.filter(person=person).filter(Q(until__isnull=True) | Q(until__gt=on)).first()
    checks["disqualified"] = [barred is None, f"Disqualified: {barred.reason}" if barred else "No disqualification."]
    return checks
