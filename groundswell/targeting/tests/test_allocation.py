"""Allocation: exact on small cases (checked by brute force), diminishing returns, the even spread."""

from __future__ import annotations

import itertools

import pytest

from groundswell.targeting import allocation


def brute_force(probabilities: dict[str, float], budget: int, **kw) -> float:
    codes = list(probabilities)
    best = 0.0
    for split in itertools.product(range(budget + 1), repeat=len(codes)):
        if sum(split) != budget:
            continue
        best = max(best, allocation.expected_seats(probabilities, dict(zip(codes, split, strict=True)), **kw))
    return best


@pytest.mark.parametrize(
    ("probabilities", "budget"),
    [
        ({"a": 0.5, "b": 0.3, "c": 0.05}, 4),
        ({"a": 0.02, "b": 0.9, "c": 0.45, "d": 0.2}, 5),
        ({"a": 0.15, "b": 0.15}, 6),
    ],
)
@pytest.mark.parametrize("effect", [0.005, 0.02, 0.05])
def test_the_allocation_is_optimal_by_brute_force(probabilities, budget, effect):
    result = allocation.optimise(probabilities, budget, effect=effect)
    assert sum(result.organisers) == budget
    achieved = allocation.expected_seats(
        probabilities, dict(zip(result.codes, result.organisers, strict=True)), effect=effect
    )
    assert achieved == pytest.approx(result.expected)
    assert result.expected == pytest.approx(brute_force(probabilities, budget, effect=effect))


def test_each_extra_organiser_adds_less_margin_than_the_last():
    steps = [float(allocation.effect_of(x + 1) - allocation.effect_of(x)) for x in range(6)]
    assert all(later < earlier for earlier, later in itertools.pairwise(steps))


def test_organisers_go_where_the_race_is_close_not_where_it_is_safe_or_lost():
    result = allocation.optimise({"close": 0.5, "safe": 0.995, "lost": 0.001}, 3, effect=0.01)
    given = dict(zip(result.codes, result.organisers, strict=True))
    assert given["close"] == 3


def test_the_plan_beats_or_matches_an_even_spread_at_every_effect():
    probabilities = {f"s{i}": p for i, p in enumerate([0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.97])}
    plan = allocation.plan(probabilities, 14)
    assert plan.gain_over_even >= -1e-9
    assert [row["effect"] for row in plan.sensitivity] == pytest.approx([0.0025, 0.005, 0.01, 0.02, 0.04])
    assert all(row["advantage"] >= -1e-9 for row in plan.sensitivity)


def test_even_spread_gives_every_seat_the_same_share_of_the_budget():
    assert allocation.even_spread(["a", "b", "c", "d"], 6) == {"a": 1.5, "b": 1.5, "c": 1.5, "d": 1.5}
    assert allocation.even_spread([], 6) == {}


def test_a_budget_beyond_the_limit_is_refused():
    with pytest.raises(ValueError, match="budget"):
        allocation.optimise({"a": 0.5}, allocation.MAX_BUDGET + 1)
