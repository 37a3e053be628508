"""Backtests: project a past election from the one before it and score the projection against what happened.

Two inputs per pair: the actual shares (Great Britain plus Scotland and Wales, no national error, since the
shares are then known) and the final pre-election poll shares (GB only, with the historical polling error).
The model is fitted only on pairs of elections up to the base year, never on the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import METHODS, Inputs, SwingModel, fit_model, prepare, simulate
from .parties import PARTIES
from .results import GB_NATIONS, election_table, fought_on

# The vote shares in Electoral Calculus's final pre-election predictions (their track-record pages), drawn
# from the final polls; their published seat figures are compared in docs/benchmarks.md.
FINAL_POLLS: dict[int, dict[str, float]] = {
    2015: {"CON": 0.335, "LAB": 0.312, "LD": 0.110, "UKIP": 0.130, "GRN": 0.051, "SNP": 0.041, "PC": 0.006},
    2017: {"CON": 0.443, "LAB": 0.353, "LD": 0.079, "UKIP": 0.043, "GRN": 0.020, "SNP": 0.041, "PC": 0.006},
}
BACKTESTS = ((2010, 2015), (2015, 2017), (2017, 2019), (2019, 2024))


@dataclass
class Score:
    method: str
    inputs: str
    seat_error: dict[str, int]  # projected point total − actual, per party with seats in either
    called_right: float  # share of seats whose winner was called right
    brier: float
    in_90: dict[str, bool]
    totals: dict[str, dict[str, float]]
    actual: dict[str, int]

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "inputs": self.inputs,
            "called_right": round(self.called_right, 4),
            "brier": round(self.brier, 4),
            "seat_error": self.seat_error,
            "abs_seat_error": sum(abs(v) for v in self.seat_error.values()),
            "in_90": self.in_90,
            "projected": {p: t["point"] for p, t in self.totals.items() if p in self.seat_error},
            "interval_90": {p: [t["p5"], t["p95"]] for p, t in self.totals.items() if p in self.seat_error},
            "actual": self.actual,
        }


def actual_inputs(target: int) -> Inputs:
    t = election_table(target)

    def shares(values: np.ndarray) -> dict[str, float]:
        return {p: float(v) for p, v in zip(PARTIES, values, strict=True) if p != "SPK"}

    return Inputs(gb=shares(t.national()), nations={n: shares(t.national(n)) for n in GB_NATIONS if n != "England"})


def score(
    base_year: int,
    target: int,
    method: str,
    inputs: Inputs,
    label: str,
    sims: int,
    seed: int | None,
    model: SwingModel | None = None,
) -> Score:
    base = election_table(base_year, fought_on(target))  # 2019 → 2024 starts from the notionals
    result = election_table(target)
    model = model or fit_model(base_year)
    setup = prepare(base, inputs, method, model)
    scale = 0.0 if label == "actual shares" else None
    sim = simulate(setup, sims=sims, seed=seed, national_scale=scale)
    index = result.index_of()
    rows = [index[c] for c in sim.codes]
    actual_winner = result.shares[rows].argmax(axis=1)
    predicted = sim.point.argmax(axis=1)
    onehot = np.zeros_like(sim.p_win)
    onehot[np.arange(len(rows)), actual_winner] = 1
    brier = float(np.mean(np.sum((sim.p_win - onehot) ** 2, axis=1)))
    actual_totals = np.bincount(actual_winner, minlength=len(PARTIES))
    totals = sim.intervals()
    seat_error, in_90, actual = {}, {}, {}
    for p, party in enumerate(PARTIES):
        if actual_totals[p] or totals[party]["point"]:
            seat_error[party] = int(totals[party]["point"] - actual_totals[p])
            in_90[party] = bool(totals[party]["p5"] <= actual_totals[p] <= totals[party]["p95"])
            actual[party] = int(actual_totals[p])
    return Score(
        method=method,
        inputs=label,
        seat_error=seat_error,
        called_right=float(np.mean(predicted == actual_winner)),
        brier=brier,
        in_90=in_90,
        totals=totals,
        actual=actual,
    )


def backtest(
    base_year: int, target: int, methods: tuple[str, ...] = METHODS, sims: int = 10_000, seed: int | None = 2017
) -> list[Score]:
    """Score each method on both inputs (actual shares; final polls where this table has them)."""
    if (base_year, target) not in BACKTESTS and not (base_year >= 2010 and target > base_year):
        raise ValueError("backtests start at 2010: earlier elections were fought on other boundaries")
    runs = [("actual shares", actual_inputs(target))]
    if target in FINAL_POLLS:
        runs.append(("final polls", Inputs(gb=FINAL_POLLS[target])))
    model = fit_model(base_year)
    return [score(base_year, target, m, inp, label, sims, seed, model) for label, inp in runs for m in methods]


def format_scores(base_year: int, target: int, scores: list[Score]) -> str:
    lines = [f"Backtest {base_year} → {target} (Great Britain, {NI_NOTE})"]
    for s in scores:
        errors = ", ".join(f"{p} {v:+d}" for p, v in s.seat_error.items())
        misses = [p for p, ok in s.in_90.items() if not ok]
        lines.append(
            f"  {s.inputs:<13} {s.method:<12} called right {s.called_right:6.1%}  Brier {s.brier:.3f}  "
            f"seat errors: {errors}  outside 90% interval: {', '.join(misses) or 'none'}"
        )
    return "\n".join(lines)


NI_NOTE = "632 seats; Northern Ireland's 18 excluded"
