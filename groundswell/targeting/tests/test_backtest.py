"""The four backtests recomputed on the real data, as recorded in docs/benchmarks.md.

The results (uk-politics package for the 2010 set and the training pairs; the Commons Library's 2024 result and
Rallings & Thrasher's 2019 notionals for the 2024 set), the shipped covariates and the shipped polls are loaded
into the test database once for all four. Winners called and seat errors come from the point prediction and do
not depend on the simulation, so they are pinned exactly; Brier scores and intervals come from a small seeded
simulation and are pinned loosely.
"""

from __future__ import annotations

import pytest

from groundswell.targeting.backtest import backtest, plan
from groundswell.targeting.covariates import load_shipped_covariates
from groundswell.targeting.hoc_results import load_seat_results
from groundswell.targeting.polls import import_shipped_polls

SIMS = 400
GB_SEATS = 632


def seats_right(score) -> int:
    return round(score.called_right * GB_SEATS)


@pytest.fixture
def everything(results):
    load_seat_results()
    load_shipped_covariates()
    import_shipped_polls()
    out = {}
    for base, target in ((2010, 2015), (2015, 2017), (2017, 2019), (2019, 2024)):
        the_plan = plan(base, target)
        scores = backtest(base, target, sims=SIMS, seed=2017, the_plan=the_plan)
        out[target] = (the_plan, {(s.inputs, s.method): s for s in scores})
    return out


def test_four_backtests_on_the_real_data(everything):
    called = {
        target: tuple(seats_right(scores[inputs, m]) for inputs in ("actual shares", "final polls") for m in METHODS)
        for target, (_, scores) in everything.items()
    }
    # (actual shares: uniform, proportional, model; final polls from the stored polls: the same three)
    assert called == PINNED


METHODS = ("uniform", "proportional", "model")
PINNED = {
    2015: (591, 583, 601, 525, 525, 544),
    2017: (580, 579, 572, 573, 573, 570),
    2019: (585, 578, 596, 581, 570, 587),
    2024: (472, 435, 521, 487, 464, 490),
}


def test_what_each_backtest_used(everything):
    # No leakage: the model is fitted on pairs up to the base year, covariates only if published before polling
    # day (the EU referendum was in June 2016, so the 2015 backtest has no Leave share), and the final polls
    # from polls whose fieldwork ended before polling day.
    plan_2015, _ = everything[2015]
    assert all(b <= 2010 for _, b in plan_2015.model.pairs)
    assert "leave" not in plan_2015.covariates
    plan_2024, _ = everything[2024]
    assert plan_2024.boundary_set == "2024"
    assert plan_2024.model.pairs[-1] == (2017, 2019)
    assert "leave" in plan_2024.covariates
    assert any("tracker" in line for line in plan_2024.describe())


def test_aims(everything):
    _, s2015 = everything[2015]
    _, s2019 = everything[2019]
    _, s2024 = everything[2024]
    # 2010 → 2015: at least 95% of GB seats given the actual shares (601 of 632).
    assert s2015["actual shares", "model"].called_right >= 0.95
    # 2017 → 2019: at least 94% (596 of 632), with covariate effects fitted on 2015 → 2017 only.
    assert s2019["actual shares", "model"].called_right >= 0.94
    # 2019-notional → 2024: at least 5 points above uniform swing.
    assert s2024["actual shares", "model"].called_right >= s2024["actual shares", "uniform"].called_right + 0.05
    for _, scores in everything.values():
        assert scores["actual shares", "model"].brier <= scores["actual shares", "uniform"].brier + 0.02


def test_backtests_start_in_2010(results):
    with pytest.raises(ValueError, match="2010"):
        backtest(2005, 2010, sims=100)
