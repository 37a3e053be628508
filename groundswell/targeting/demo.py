"""The demo's targeting data: the seat pages' results on both boundary sets (with the notionals and overlaps) and
one projection on the current (2024) set to show (idempotent).

Until the engine projects from the 2024 election, the demo's projection is built here from the 2024 results by
uniform swing with a small simulation (`projection_from_results`): the same `Projection` fields `save_projection`
writes (`inputs["boundary_set"]`, seats keyed by the 2024 codes), so every page reads it like an engine run.
It is illustrative, not a forecast; the dashboard's form runs the real engine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .hoc_results import load_seat_results, seat_results_loaded
from .models import Projection, Result
from .parties import INDEX, PARTIES, lineage
from .results import GB_NATIONS
from .selectors import winners_on

# Illustrative shares for the demo's projection (not a forecast): Labour ahead, Reform (UKIP's successor) third.
DEMO_SHARES = {"CON": 0.27, "LAB": 0.36, "LD": 0.13, "UKIP": 0.14, "GRN": 0.06, "SNP": 0.03, "PC": 0.01}
DEMO_LABEL = "Demo projection (illustrative shares)"
DEMO_SET = "2024"
# National error: sd = c·sqrt(share), about 3 points for a party on 36% (the size of past final polls' misses);
# seat error: sd = s·sqrt(seat share), about 2.5 points for a party on 40% in a seat.
NATIONAL_SCALE = 0.05
SEAT_SCALE = 0.04
CHUNK = 250


def build_targeting(say: Callable[[str], None], sims: int = 2000) -> None:
    if not seat_results_loaded():
        say("Loading past general election results: 2010–2024, and the notionals on the 2024 boundaries.")
        load_seat_results()
    if not Projection.objects.filter(label=DEMO_LABEL, inputs__boundary_set=DEMO_SET).exists():
        projection_from_results(DEMO_SHARES, label=DEMO_LABEL, sims=sims, seed=2026)
        say(f"Saved a demo seat projection on the {DEMO_SET} boundaries ({sims} simulations).")


def _base(year: int, boundary_set: str) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """(codes, names, nations, votes[seat, party]) of one election's Great Britain seats on one set, each
    party counted along its lineage (Reform UK as UKIP's line)."""
    rows = (
        Result.objects.filter(
            source=Result.Source.HOC, year=year, boundary_set=boundary_set, notional=False, nation__in=GB_NATIONS
        )
        .order_by("ons_code", "party")
        .values_list("ons_code", "name", "nation", "party", "votes")
    )
    codes: list[str] = []
    names: list[str] = []
    nations: list[str] = []
    position: dict[str, int] = {}
    entries = []
    for code, name, nation, party, votes in rows:
        if code not in position:
            position[code] = len(codes)
            codes.append(code)
            names.append(name)
            nations.append(nation)
        entries.append((position[code], INDEX.get(lineage(party), INDEX["OTH"]), votes))
    if not codes:
        raise LookupError(f"no {year} results on the {boundary_set} boundaries: run load_seat_results first")
    votes = np.zeros((len(codes), len(PARTIES)))
    for i, p, v in entries:
        votes[i, p] += v
    return codes, names, nations, votes


def _targets(given: dict[str, float], base: np.ndarray) -> np.ndarray:
    """GB shares: the given ones, the rest of the vote shared among the other parties as at the base election."""
    out = np.zeros(len(PARTIES))
    for party, share in given.items():
        out[INDEX[party]] = share
    rest = [i for i, p in enumerate(PARTIES) if p not in given]
    left = max(0.0, 1.0 - sum(given.values()))
    spare = base[rest].sum()
    if spare > 0:
        out[rest] = base[rest] / spare * left
    return out


def projection_from_results(
    shares: dict[str, float],
    year: int = 2024,
    boundary_set: str = DEMO_SET,
    sims: int = 2000,
    seed: int | None = None,
    label: str = "",
) -> Projection:
    """A projection from one election's seat results by uniform swing to `shares` (GB), with win probabilities
    from `sims` simulated national and seat errors; saved with the fields `services.save_projection` writes."""
    codes, names, nations, votes = _base(year, boundary_set)
    totals_by_seat = votes.sum(axis=1, keepdims=True)
    base_shares = votes / np.where(totals_by_seat == 0, 1, totals_by_seat)
    gb_before = votes.sum(axis=0) / votes.sum()
    gb_after = _targets(shares, gb_before)
    stands = base_shares > 0
    point = np.where(stands, np.maximum(base_shares + (gb_after - gb_before), 0.0), 0.0)
    point /= np.where(point.sum(axis=1, keepdims=True) == 0, 1, point.sum(axis=1, keepdims=True))
    rng = np.random.default_rng(seed)
    national_sd = NATIONAL_SCALE * np.sqrt(gb_after)
    seat_sd = np.where(stands, SEAT_SCALE * np.sqrt(np.maximum(point, 0.005)), 0.0)
    n_seats, n_parties = point.shape
    wins = np.zeros((n_seats, n_parties))
    seat_totals = np.zeros((sims, n_parties), dtype=np.int64)
    done = 0
    while done < sims:
        k = min(CHUNK, sims - done)
        drawn = point[None] + stands[None] * (rng.standard_normal((k, 1, n_parties)) * national_sd)
        drawn += rng.standard_normal((k, n_seats, n_parties)) * seat_sd
        winner = drawn.argmax(axis=2)
        wins += np.eye(n_parties)[winner].sum(axis=0)
        seat_totals[done : done + k] = np.eye(n_parties, dtype=np.int64)[winner].sum(axis=1)
        done += k
    p_win = wins / sims
    held = winners_on(boundary_set)
    seats = {}
    for i, code in enumerate(codes):
        seats[code] = {
            "name": names[i],
            "nation": nations[i],
            "held": held.get(code, PARTIES[int(base_shares[i].argmax())]),
            "winner": PARTIES[int(point[i].argmax())],
            "shares": {p: round(float(point[i, k]), 4) for k, p in enumerate(PARTIES) if point[i, k] > 0},
            "p_win": {p: round(float(p_win[i, k]), 4) for k, p in enumerate(PARTIES) if p_win[i, k] > 0},
        }
    point_counts = np.bincount(point.argmax(axis=1), minlength=n_parties)
    q = np.percentile(seat_totals, [5, 25, 50, 75, 95], axis=0)
    totals = {
        party: {
            "point": int(point_counts[p]),
            "mean": round(float(seat_totals[:, p].mean()), 1),
            "median": float(q[2, p]),
            "p5": float(q[0, p]),
            "p25": float(q[1, p]),
            "p75": float(q[3, p]),
            "p95": float(q[4, p]),
        }
        for p, party in enumerate(PARTIES)
    }
    return Projection.objects.create(
        label=label,
        base_year=year,
        method="uniform",
        sims=sims,
        seed=seed,
        inputs={
            "gb": {p: float(v) for p, v in shares.items()},
            "nations": {},
            "boundary_set": boundary_set,
            "built_by": "targeting.demo.projection_from_results (uniform swing from the seat results)",
        },
        totals=totals,
        seats=seats,
    )
