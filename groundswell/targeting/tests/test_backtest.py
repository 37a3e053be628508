"""Backtests recomputed on the real results (the uk-politics package), as recorded in docs/benchmarks.md.

The point predictions (winners called, seat errors) do not depend on the simulation, so they are pinned
exactly; the Brier scores and intervals come from a seeded simulation and are pinned loosely.
"""

from __future__ import annotations

import pytest

from groundswell.targeting.backtest import backtest

SIMS = 2000


@pytest.fixture
def scores_2015(results):
    return {(s.inputs, s.method): s for s in backtest(2010, 2015, sims=SIMS, seed=2017)}


@pytest.fixture
def scores_2017(results):
    return {(s.inputs, s.method): s for s in backtest(2015, 2017, sims=SIMS, seed=2017)}


def seats_right(score) -> int:
    return round(score.called_right * 632)


def test_2010_to_2015_with_the_actual_shares(scores_2015):
    model, uniform = scores_2015["actual shares", "model"], scores_2015["actual shares", "uniform"]
    assert (seats_right(model), seats_right(uniform)) == (596, 591)
    assert model.seat_error["CON"] == 0 and model.seat_error["LAB"] == 6
    assert uniform.seat_error["CON"] == -14
    assert model.brier == pytest.approx(0.092, abs=0.01)


def test_2010_to_2015_with_the_final_polls(scores_2015):
    model, uniform = scores_2015["final polls", "model"], scores_2015["final polls", "uniform"]
    assert (seats_right(model), seats_right(uniform)) == (555, 549)
    # No Scottish polls are given: Scotland follows the SNP's GB rise proportionally, which finds half the surge.
    assert model.seat_error["SNP"] == -29
    assert model.brier < uniform.brier


def test_2015_to_2017_with_the_actual_shares(scores_2017):
    model, uniform = scores_2017["actual shares", "model"], scores_2017["actual shares", "uniform"]
    # Honest: uniform swing calls four more seats right here.
    assert (seats_right(model), seats_right(uniform)) == (576, 580)
    assert model.seat_error["LAB"] == 0 and uniform.seat_error["CON"] == 5
    assert model.brier == pytest.approx(0.129, abs=0.01)


def test_2015_to_2017_with_the_final_polls(scores_2017):
    model, uniform = scores_2017["final polls", "model"], scores_2017["final polls", "uniform"]
    # Honest again: uniform swing calls two more seats right with the 2017 polls.
    assert (seats_right(model), seats_right(uniform)) == (559, 561)
    assert model.seat_error["LAB"] == -35 and uniform.seat_error["LAB"] == -39
    assert model.in_90["LAB"] and model.in_90["CON"]


def test_backtests_start_in_2010(results):
    with pytest.raises(ValueError, match="2010"):
        backtest(2005, 2010, sims=100)
