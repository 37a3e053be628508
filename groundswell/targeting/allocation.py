"""Allocating organisers (or blocks of volunteer hours) across seats to maximise expected seats won.

Each seat's chance is moved on the margin scale: with win probability p and x organisers,
p(x) = Φ(Φ⁻¹(p) + e(x)/σ), where e(x) = effect·(1 + d + … + d^(x−1)) is the margin gained (each extra
organiser adds d times what the previous one did: diminishing returns) and σ the spread of the seat's margin.
Because p(x) is S-shaped rather than concave, greedy allocation is not optimal; a dynamic programme over
seats and budget is, and it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

DEFAULT_EFFECT = 0.01  # one organiser: +1 point of margin (an assumption to vary; see the sensitivity table)
DEFAULT_DECAY = 0.7
DEFAULT_SIGMA = 0.06  # spread of a seat's margin at this distance from polling day, in share points
MAX_BUDGET = 400
_ND = NormalDist()


def effect_of(x: np.ndarray | int, effect: float = DEFAULT_EFFECT, decay: float = DEFAULT_DECAY) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if decay == 1:
        return effect * x
    return effect * (1 - decay**x) / (1 - decay)


def win_curve(p: float, budget: int, effect: float, decay: float, sigma: float) -> np.ndarray:
    """p(x) for x = 0 … budget."""
    z = _ND.inv_cdf(min(max(p, 1e-4), 1 - 1e-4))
    boost = effect_of(np.arange(budget + 1), effect, decay) / sigma
    return np.array([_ND.cdf(z + b) for b in boost])


@dataclass
class Allocation:
    codes: list[str]
    organisers: list[int]
    expected: float  # expected seats among the candidates with this allocation
    baseline: float  # with nobody allocated

    @property
    def gain(self) -> float:
        return self.expected - self.baseline


def optimise(
    probabilities: dict[str, float],
    budget: int,
    effect: float = DEFAULT_EFFECT,
    decay: float = DEFAULT_DECAY,
    sigma: float = DEFAULT_SIGMA,
) -> Allocation:
    """The allocation of `budget` whole organisers that maximises the sum of win probabilities (exactly)."""
    if budget < 0 or budget > MAX_BUDGET:
        raise ValueError(f"budget must be between 0 and {MAX_BUDGET} (use blocks of hours for volunteer time)")
    codes = list(probabilities)
    curves = [win_curve(probabilities[c], budget, effect, decay, sigma) for c in codes]
    best = np.zeros(budget + 1)
    choices = []
    b = np.arange(budget + 1)
    for curve in curves:
        # candidate[b, x] = best[b − x] + curve[x] for x ≤ b
        x = np.arange(budget + 1)
        cand = np.where(
            x[None, :] <= b[:, None], best[np.clip(b[:, None] - x[None, :], 0, None)] + curve[None, :], -np.inf
        )
        choice = cand.argmax(axis=1)
        best = cand[b, choice]
        choices.append(choice)
    given, left = [0] * len(codes), budget
    for i in range(len(codes) - 1, -1, -1):
        given[i] = int(choices[i][left])
        left -= given[i]
    return Allocation(codes, given, float(best[budget]), float(sum(c[0] for c in curves)))


def expected_seats(
    probabilities: dict[str, float],
    organisers: dict[str, float],
    effect: float = DEFAULT_EFFECT,
    decay: float = DEFAULT_DECAY,
    sigma: float = DEFAULT_SIGMA,
) -> float:
    """Sum of win probabilities with `organisers` per seat (fractions allowed: shared organisers, hours)."""
    total = 0.0
    for code, p in probabilities.items():
        z = _ND.inv_cdf(min(max(p, 1e-4), 1 - 1e-4))
        total += _ND.cdf(z + float(effect_of(organisers.get(code, 0), effect, decay)) / sigma)
    return total


def even_spread(codes: list[str], budget: int) -> dict[str, float]:
    """The same share of the budget in every candidate seat (a fraction of an organiser each, if need be)."""
    return {code: budget / len(codes) for code in codes} if codes else {}


@dataclass
class Plan:
    allocation: Allocation
    even: float  # expected seats with an even spread
    sensitivity: list[dict]

    @property
    def gain_over_even(self) -> float:
        return self.allocation.expected - self.even

    @property
    def even_gain(self) -> float:
        return self.even - self.allocation.baseline


def plan(
    probabilities: dict[str, float],
    budget: int,
    effect: float = DEFAULT_EFFECT,
    decay: float = DEFAULT_DECAY,
    sigma: float = DEFAULT_SIGMA,
) -> Plan:
    """The optimal allocation, the even spread's expected seats, and how both move as the effect varies."""
    ordered = sorted(probabilities, key=lambda c: abs(probabilities[c] - 0.5))
    probabilities = {c: probabilities[c] for c in ordered}
    best = optimise(probabilities, budget, effect, decay, sigma)
    even_alloc = even_spread(ordered, budget)
    even = expected_seats(probabilities, even_alloc, effect, decay, sigma)
    sensitivity = []
    for factor in (0.25, 0.5, 1.0, 2.0, 4.0):
        e = effect * factor
        opt = optimise(probabilities, budget, e, decay, sigma)
        ev = expected_seats(probabilities, even_alloc, e, decay, sigma)
        sensitivity.append(
            {
                "effect": e,
                "points": e * 100,
                "optimal_gain": opt.gain,
                "even_gain": ev - opt.baseline,
                "advantage": opt.expected - ev,
            }
        )
    return Plan(best, even, sensitivity)


def candidates(seats: list, limit: int = 150) -> dict[str, float]:
    """Seats worth considering: attack and defend seats (not safe, not out of reach), closest first."""
    chosen = [s for s in seats if s.category in ("attack", "defend")][:limit]
    return {s.code: s.p_win for s in chosen}
