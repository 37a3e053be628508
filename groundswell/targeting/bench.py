"""`groundswell bench targeting`: 10,000 simulated elections over Great Britain's 632 seats.

The real 2019 results (the uk-politics package) are loaded into the scratch database; the model is fitted
on every election pair up to 2019, then one projection is simulated from a fixed seed. The figure that
matters is `seconds`: the simulation alone, from the prepared model to per-seat probabilities and totals.
`fit_s` (fitting the model on 1997–2019) and `load_s` (importing the results) are reported beside it.
"""

from __future__ import annotations

import time

from tqdm import tqdm

from .engine import Inputs, fit_model, prepare, simulate
from .results import election_table, load_results

SHARES = {"CON": 0.30, "LAB": 0.38, "LD": 0.12, "UKIP": 0.10, "GRN": 0.05, "SNP": 0.03, "PC": 0.01}


def run(size: int | None = None, progress: bool = True) -> dict:
    """Simulate `size` (default 10,000) elections."""
    sims = size or 10_000
    started = time.perf_counter()
    load_results()
    load_s = time.perf_counter() - started
    base = election_table(2019)
    started = time.perf_counter()
    model = fit_model(2019)
    fit_s = time.perf_counter() - started
    setup = prepare(base, Inputs(SHARES), "model", model)
    with tqdm(total=sims, desc="simulating", unit="sim", disable=not progress) as bar:
        started = time.perf_counter()
        sim = simulate(setup, sims=sims, seed=2026, progress=bar.update)
        seconds = time.perf_counter() - started
    totals = sim.intervals()
    return {
        "sims": sims,
        "seats": len(sim.codes),
        "seconds": round(seconds, 3),
        "fit_s": round(fit_s, 3),
        "load_s": round(load_s, 3),
        "lab_median": totals["LAB"]["median"],
        "lab_90": [totals["LAB"]["p5"], totals["LAB"]["p95"]],
    }
