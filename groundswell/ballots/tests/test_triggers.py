"""Trigger ballots against the one-third thresholds (a data row with its source)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groundswell.ballots import triggers
from groundswell.ballots.models import TriggerBallot, TriggerRule

from .world import build_world, login

pytestmark = pytest.mark.django_db


def _trigger(world, branches=10, affiliates=6) -> TriggerBallot:
    rule = TriggerRule.objects.get(name__startswith="Labour 2018")
    return TriggerBallot.objects.create(
        unit=world.units.clp_a,
        sitting_member="A. Member",
        rule=rule,
        branches_eligible=branches,
        affiliates_eligible=affiliates,
    )


def test_the_rule_is_a_row_with_its_source():
    rule = TriggerRule.objects.get(name__startswith="Labour 2018")
    assert (rule.branch_numerator, rule.branch_denominator) == (1, 3) and "R123" in rule.source


@pytest.mark.parametrize("eligible, need", [(10, 4), (9, 3), (3, 1), (1, 1), (0, 0)])
def test_one_third_rounds_up(eligible, need):
    assert triggers.needed(eligible, Fraction(1, 3)) == need


def test_three_of_ten_branches_is_not_enough_four_is():
    world = build_world(voters=1)
    trigger = _trigger(world)
    for i in range(3):
        triggers.record_result(
            world.secretary, trigger, kind="branch", name=f"Branch {i}", votes_for=12, votes_against=5
        )
    triggers.record_result(world.secretary, trigger, kind="branch", name="Branch 9", votes_for=4, votes_against=9)
    result = triggers.outcome(trigger)
    assert not result.triggered and "3 of 4 branches" in result.reason
    triggers.record_result(world.secretary, trigger, kind="branch", name="Branch 9", votes_for=10, votes_against=9)
    assert triggers.outcome(trigger).triggered


def test_affiliates_alone_can_trigger():
    world = build_world(voters=1)
    trigger = _trigger(world, branches=10, affiliates=6)
    for name in ("Unite 1/123", "GMB Reading"):
        triggers.record_result(world.secretary, trigger, kind="affiliate", name=name, votes_for=3, votes_against=1)
    result = triggers.outcome(trigger)
    assert result.triggered and "affiliates" in result.reason and result.branches_for == 0


def test_bad_results_are_refused():
    world = build_world(voters=1)
    trigger = _trigger(world, branches=1, affiliates=0)
    with pytest.raises(ValidationError, match="votes cast"):
        triggers.record_result(world.secretary, trigger, kind="branch", name="Abbey", votes_for=0, votes_against=0)
    triggers.record_result(world.secretary, trigger, kind="branch", name="Abbey", votes_for=2, votes_against=1)
    with pytest.raises(ValidationError, match="All 1 eligible"):
        triggers.record_result(world.secretary, trigger, kind="branch", name="Park", votes_for=2, votes_against=1)


def test_trigger_pages_record_results_and_show_the_outcome():
    world = build_world(voters=1)
    client = login(world.secretary)
    assert reverse("ballots:triggers") in client.get(reverse("ballots:home")).text
    page = client.post(
        reverse("ballots:triggers"),
        {
            "unit": world.units.clp_a.pk,
            "sitting_member": "A. Member",
            "branches_eligible": "3",
            "affiliates_eligible": "0",
        },
        follow=True,
    )
    assert "Not triggered" in page.text
    trigger = TriggerBallot.objects.get()
    page = client.post(
        reverse("ballots:trigger", args=[trigger.pk]),
        {"name": "Abbey", "kind": "branch", "votes_for": "9", "votes_against": "2"},
        follow=True,
    )
    assert "A full selection is triggered by the branches" in page.text
    bad = client.post(
        reverse("ballots:trigger", args=[trigger.pk]), {"name": "Park", "kind": "branch", "votes_for": "x"}, follow=True
    )
    assert "whole numbers" in bad.text
