"""Simulation: reproducible with a seed, probabilities that are probabilities, intervals that nest."""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.targeting.engine import Inputs, SwingModel, polling_error_scale, prepare, simulate
from groundswell.targeting.parties import INDEX, PARTIES

from .fixtures import small_gb

INPUTS = Inputs({"CON": 0.36, "LAB": 0.38, "LD": 0.14, "GRN": 0.04, "UKIP": 0.04, "SNP": 0.03, "PC": 0.01})


def run(seed: int | None, sims: int = 2000, **kw) -> object:
    return simulate(prepare(small_gb(), INPUTS, "model", SwingModel()), sims=sims, seed=seed, **kw)


def test_the_same_seed_gives_the_same_simulation():
    a, b = run(7), run(7)
    assert np.array_equal(a.p_win, b.p_win)
    assert np.array_equal(a.totals, b.totals)


def test_a_different_seed_gives_a_different_draw():
    assert not np.array_equal(run(7).totals, run(8).totals)


def test_win_probabilities_sum_to_one_per_seat_and_totals_to_the_seat_count():
    sim = run(1)
    assert np.allclose(sim.p_win.sum(axis=1), 1.0)
    assert (sim.totals.sum(axis=1) == len(sim.codes)).all()


def test_intervals_nest_around_the_median():
    for t in run(1).intervals().values():
        assert t["p5"] <= t["p25"] <= t["median"] <= t["p75"] <= t["p95"]


def test_a_party_that_does_not_stand_never_wins():
    sim = run(3)
    e4 = sim.codes.index("E4")
    assert sim.p_win[e4, INDEX["CON"]] == 0 and sim.p_win[e4, INDEX["SPK"]] == 1


def test_without_any_error_the_simulation_agrees_with_the_point_prediction():
    model = SwingModel(region_sd=0.0, seat_sd=0.0)
    sim = simulate(prepare(small_gb(), INPUTS, "model", model), sims=200, seed=1, national_scale=0.0)
    assert (sim.p_win.argmax(axis=1) == sim.point.argmax(axis=1)).all()
    assert set(np.unique(sim.p_win)) <= {0.0, 1.0}


def test_national_error_comes_from_past_polling_errors():
    # Before 2015 the polls' misses were smaller than after it, and the scale says so.
    assert polling_error_scale(before=2015) < polling_error_scale()
    sim = run(1)
    assert sim.national_sd[INDEX["LAB"]] == pytest.approx(polling_error_scale() * np.sqrt(0.38), rel=0.2)
    assert len(PARTIES) == sim.p_win.shape[1]
