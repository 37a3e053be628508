"""`groundswell bench targeting`: 10,000 simulated elections over Great Britain's 632 seats on the 2024 set.

Into the scratch database go the engine's training results (the uk-politics package, 1997–2019), the 2024 result
and notionals from data/results (`load_seat_results`) and the shipped covariates. The model is fitted on every
election pair up to 2024 (2019-notional → 2024 included), then one projection of the next election from 2024 is
simulated from a fixed seed. The figure that matters is `seconds`: the simulation alone, from the prepared model
to per-seat probabilities and totals. `fit_s` and `load_s` are reported beside it.
"""

from __future__ import annotations

import time

from tqdm import tqdm

from .covariates import load_shipped_covariates, shipped_covariates
from .engine import Inputs, fit_model, prepare, simulate
from .hoc_results import load_seat_results
from .results import election_table, load_results

SHARES = {"CON": 0.20, "LAB": 0.27, "LD": 0.13, "UKIP": 0.28, "GRN": 0.09, "SNP": 0.025, "PC": 0.008}


def run(size: int | None = None, progress: bool = True) -> dict:
    """Simulate `size` (default 10,000) elections from the 2024 result."""
    sims = size or 10_000
    started = time.perf_counter()
    load_results()
    load_seat_results()
    load_shipped_covariates()
    load_s = time.perf_counter() - started
    base = election_table(2024, "2024")
    covariates = shipped_covariates()
    started = time.perf_counter()
    model = fit_model(2024, covariates)
    fit_s = time.perf_counter() - started
    setup = prepare(base, Inputs(SHARES), "model", model, covariates)
    with tqdm(total=sims, desc="simulating", unit="sim", disable=not progress) as bar:
        started = time.perf_counter()
        sim = simulate(setup, sims=sims, seed=2026, progress=bar.update)
        seconds = time.perf_counter() - started
    totals = sim.intervals()
    return {
        "sims": sims,
        "seats": len(sim.codes),
        "boundary_set": sim.boundary_set,
        "seconds": round(seconds, 3),
        "fit_s": round(fit_s, 3),
        "load_s": round(load_s, 3),
        "lab_median": totals["LAB"]["median"],
        "lab_90": [totals["LAB"]["p5"], totals["LAB"]["p95"]],
        "ruk_median": totals["UKIP"]["median"],
        "ruk_90": [totals["UKIP"]["p5"], totals["UKIP"]["p95"]],
    }
