"""Backtests: project a past election from the one before it and score the projection against what happened.

Two inputs per pair: the actual shares (Great Britain plus Scotland and Wales, no national error, since the
shares are then known) and the final pre-election poll shares (GB only, with the historical polling error).
The model is fitted only on pairs of elections up to the base year, never on the target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .covariates import covariate_values, covariates_known_before
from .engine import METHODS, Inputs, SwingModel, fit_model, polling_error_scale, prepare, simulate
from .parties import PARTIES
from .polls import FINAL_WINDOW_DAYS, final_polls
from .results import ELECTIONS, GB_NATIONS, election_table, fought_on

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


def known_covariates(target: int) -> dict[str, dict[str, float]]:
    """The stored covariates published before the target's polling day (none for a 2015 backtest's Leave)."""
    return covariates_known_before(dt.date.fromisoformat(ELECTIONS[target]), covariate_values())


def score(
    base_year: int,
    target: int,
    method: str,
    inputs: Inputs,
    label: str,
    sims: int,
    seed: int | None,
    model: SwingModel | None = None,
    covariates: dict[str, dict[str, float]] | None = None,
    national_scale: float | None = None,
) -> Score:
    base = election_table(base_year, fought_on(target))  # 2019 → 2024 starts from the notionals
    result = election_table(target)
    covariates = known_covariates(target) if covariates is None else covariates
    model = model or fit_model(base_year, covariates)
    setup = prepare(base, inputs, method, model, covariates)
    if national_scale is None:
        national_scale = 0.0 if label == "actual shares" else polling_error_scale(before=target)
    sim = simulate(setup, sims=sims, seed=seed, national_scale=national_scale)
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


@dataclass
class Plan:
    """What one backtest uses, all of it available before the target's polling day."""

    base_year: int
    target: int
    boundary_set: str
    runs: list[tuple[str, Inputs, float | None]]  # (label, inputs, national error scale: 0 = shares known)
    covariates: dict[str, dict[str, float]]
    model: SwingModel
    polls_note: str

    def describe(self) -> list[str]:
        base = f"{self.base_year} notional" if self.boundary_set != fought_on(self.base_year) else str(self.base_year)
        pairs = ", ".join(f"{a}→{b}" for a, b in self.model.pairs)
        used = [n for n, by_party in self.model.covariates.items() if any(abs(v) > 1e-9 for v in by_party.values())]
        return [
            f"  base: {base} results on the {self.boundary_set} boundary set",
            f"  model fitted on: {pairs} (nothing from {self.target})",
            "  covariates: "
            + (
                ", ".join(used)
                + " (published before polling day; fitted on the latest pair with ≥300 seats on their codes)"
                if used
                else "none (none published before polling day on a pair the model can learn from)"
            ),
            f"  final polls: {self.polls_note}",
        ]


def plan(base_year: int, target: int) -> Plan:
    if (base_year, target) not in BACKTESTS and not (base_year >= 2010 and target > base_year):
        raise ValueError("backtests start at 2010: earlier elections were fought on other boundaries")
    polling_day = dt.date.fromisoformat(ELECTIONS[target])
    runs: list[tuple[str, Inputs, float | None]] = [("actual shares", actual_inputs(target), 0.0)]
    error_scale = polling_error_scale(before=target)  # past elections' polling errors only
    tracked = final_polls(polling_day)
    if tracked:
        runs.append(("final polls", Inputs(gb=tracked), error_scale))
        shown = ", ".join(f"{p} {v:.1%}" for p, v in tracked.items())
        note = (
            f"the stored polls' tracker (house effects from the year before), the {FINAL_WINDOW_DAYS} days "
            f"before {polling_day}: {shown}"
        )
    elif target in FINAL_POLLS:
        runs.append(("final polls", Inputs(gb=FINAL_POLLS[target]), error_scale))
        note = "Electoral Calculus's final-prediction shares (no polls stored for that week)"
    else:
        note = "none stored for that week (import the shipped polls: `groundswell targeting import_polls --shipped`)"
    covariates = known_covariates(target)
    return Plan(
        base_year=base_year,
        target=target,
        boundary_set=fought_on(target),
        runs=runs,
        covariates=covariates,
        model=fit_model(base_year, covariates),
        polls_note=note,
    )


def backtest(
    base_year: int,
    target: int,
    methods: tuple[str, ...] = METHODS,
    sims: int = 10_000,
    seed: int | None = 2017,
    the_plan: Plan | None = None,
) -> list[Score]:
    """Score each method on both inputs (actual shares; the final polls where polls are stored)."""
    the_plan = the_plan or plan(base_year, target)
    return [
        score(base_year, target, m, inp, label, sims, seed, the_plan.model, the_plan.covariates, scale)
        for label, inp, scale in the_plan.runs
        for m in methods
    ]


def format_scores(base_year: int, target: int, scores: list[Score], the_plan: Plan | None = None) -> str:
    lines = [f"Backtest {base_year} → {target} (Great Britain, {NI_NOTE})"]
    if the_plan is not None:
        lines += the_plan.describe()
    for s in scores:
        errors = ", ".join(f"{p} {v:+d}" for p, v in s.seat_error.items())
        misses = [p for p, ok in s.in_90.items() if not ok]
        lines.append(
            f"  {s.inputs:<13} {s.method:<12} called right {s.called_right:6.1%}  Brier {s.brier:.3f}  "
            f"seat errors: {errors}  outside 90% interval: {', '.join(misses) or 'none'}"
        )
    return "\n".join(lines)


NI_NOTE = "632 seats; Northern Ireland's 18 excluded"
