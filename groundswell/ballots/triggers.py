"""Trigger ballots: do a sitting member's branches and affiliates force a full selection?

The thresholds are data (TriggerRule rows with their source), compared in exact fractions: with 10 branches
and a one-third rule, 4 are needed (3/10 < 1/3 ≤ 4/10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.accounts.access import Perm, require

from .auditing import audit
from .models import TriggerBallot, TriggerResult, TriggerRule


@dataclass
class TriggerOutcome:
    branches_for: int
    branches_needed: int
    affiliates_for: int
    affiliates_needed: int
    triggered: bool
    reason: str


def needed(eligible: int, share: Fraction) -> int:
    """The fewest of `eligible` that reach `share` (at least)."""
    return math.ceil(eligible * share) if eligible else 0


def record_result(
    actor: Any, trigger: TriggerBallot, *, kind: str, name: str, votes_for: int, votes_against: int
) -> TriggerResult:
    """One branch's or affiliate's result (a majority of those voting for a selection counts as asking for one)."""
    require(actor, Perm.MANAGE_BALLOTS, trigger.unit)
    if kind not in TriggerResult.Kind.values:
        raise ValidationError({"kind": ["A party branch or an affiliated branch."]})
    if votes_for < 0 or votes_against < 0 or votes_for + votes_against == 0:
        raise ValidationError({"votes_for": [f"{name}: give the votes cast for and against."]})
    taken = trigger.results.filter(kind=kind).count()
    limit = trigger.branches_eligible if kind == TriggerResult.Kind.BRANCH else trigger.affiliates_eligible
    if not trigger.results.filter(kind=kind, name=name).exists() and taken >= limit:
        raise ValidationError({"name": [f"All {limit} eligible {kind}es have a result already."]})
    with transaction.atomic():
        result, _ = TriggerResult.objects.update_or_create(
            trigger=trigger,
            kind=kind,
            name=name.strip(),
            defaults={
                "wants_selection": votes_for > votes_against,
                "votes_for": votes_for,
                "votes_against": votes_against,
                "recorded_by": actor,
            },
        )
        audit(
            "trigger_result",
            actor=actor,
            obj=trigger,
            detail={"kind": kind, "for": votes_for, "against": votes_against},
        )
    return result


def outcome(trigger: TriggerBallot) -> TriggerOutcome:
    rule: TriggerRule = trigger.rule
    branch_share = Fraction(rule.branch_numerator, rule.branch_denominator)
    affiliate_share = Fraction(rule.affiliate_numerator, rule.affiliate_denominator)
    yes = trigger.results.filter(wants_selection=True)
    branches = yes.filter(kind=TriggerResult.Kind.BRANCH).count()
    affiliates = yes.filter(kind=TriggerResult.Kind.AFFILIATE).count()
    b_need = needed(trigger.branches_eligible, branch_share)
    a_need = needed(trigger.affiliates_eligible, affiliate_share)
    by_branches = trigger.branches_eligible > 0 and branches >= b_need
    by_affiliates = trigger.affiliates_eligible > 0 and affiliates >= a_need
    if by_branches or by_affiliates:
        which = " and ".join(w for w, hit in (("branches", by_branches), ("affiliates", by_affiliates)) if hit)
        reason = f"A full selection is triggered by the {which} ({rule.name}; {rule.source})."
    else:
        reason = (
            f"Not triggered: {branches} of {b_need} branches needed and {affiliates} of {a_need} affiliates needed "
            f"({rule.name})."
        )
    return TriggerOutcome(branches, b_need, affiliates, a_need, by_branches or by_affiliates, reason)


def create_trigger(
    actor: Any, *, unit: Any, sitting_member: str, branches_eligible: int, affiliates_eligible: int
) -> TriggerBallot:
    """A trigger ballot under the rule in force (the newest rule row)."""
    require(actor, Perm.MANAGE_BALLOTS, unit)
    rule = TriggerRule.objects.order_by("-in_force_from").first()
    if rule is None:
        raise ValidationError("No trigger-ballot rule is loaded (run migrate).")
    if not sitting_member.strip():
        raise ValidationError({"sitting_member": ["Name the sitting member."]})
    if branches_eligible < 0 or affiliates_eligible < 0 or branches_eligible + affiliates_eligible == 0:
        raise ValidationError({"branches_eligible": ["Give how many branches and affiliates may take part."]})
    with transaction.atomic():
        trigger = TriggerBallot.objects.create(
            unit=unit,
            sitting_member=sitting_member.strip(),
            rule=rule,
            branches_eligible=branches_eligible,
            affiliates_eligible=affiliates_eligible,
        )
        audit("trigger_created", actor=actor, obj=trigger)
    return trigger
