"""Running and saving projections, and reading them back for pages: the one path views and commands share."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .covariates import covariate_values
from .engine import METHODS, Inputs, Simulation, fit_model, prepare, simulate
from .models import Projection
from .parties import PARTIES, parse_nation_shares, parse_shares
from .results import BOUNDARY_SETS, GB_NATIONS, SET_2024_SOURCES, election_table, ensure_results, fought_on
from .selectors import LEGACY_BOUNDARY_SET, projection_boundary_set, winners_on

DEFAULT_SAFE = 0.9
DEFAULT_REACH = 0.1


def our_party() -> str:
    """The party whose targets the pages show by default (settings.GROUNDSWELL_PARTY, Labour if unset)."""
    return getattr(settings, "GROUNDSWELL_PARTY", "LAB")


def run_projection(
    base_year: int,
    inputs: Inputs,
    method: str = "model",
    sims: int = 10_000,
    seed: int | None = None,
    national_scale: float | None = None,
    progress: Callable[[int], None] | None = None,
    boundary_set: str | None = None,
) -> Simulation:
    """Project the next election from `base_year`'s results on `boundary_set` (by default the set that election
    was fought on; `base_year=2019, boundary_set="2024"` starts from the notionals). The model is fitted on
    every election pair up to the base year, with every stored covariate."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    boundary_set = projection_set(base_year, boundary_set)
    ensure_results(boundary_set)
    covariates = covariate_values()
    base = election_table(base_year, boundary_set)
    model = fit_model(base_year, covariates)
    setup = prepare(base, inputs, method, model, covariates)
    sim = simulate(setup, sims=sims, seed=seed, national_scale=national_scale, progress=progress)
    sim.boundary_set = boundary_set
    return sim


def projection_set(base_year: int, boundary_set: str | None = None) -> str:
    """The boundary set a projection from `base_year` is keyed by; refuses a base the set has no results for."""
    boundary_set = boundary_set or fought_on(base_year)
    if boundary_set not in BOUNDARY_SETS:
        raise ValueError(f"--set {boundary_set!r}: choose {' or '.join(BOUNDARY_SETS)}")
    if boundary_set == "2010" and base_year >= 2024:
        raise ValueError(f"{base_year} was fought on the 2024 set: there are no {base_year} results on the 2010 set")
    if boundary_set == "2024" and base_year not in SET_2024_SOURCES:
        raise ValueError(f"no {base_year} results on the 2024 set (bases: {', '.join(map(str, SET_2024_SOURCES))})")
    return boundary_set


def save_projection(
    sim: Simulation,
    base_year: int,
    inputs: Inputs,
    method: str,
    user: Any = None,
    label: str = "",
    boundary_set: str | None = None,
) -> Projection:
    """Save a run; `inputs["boundary_set"]` records the set its `seats` are keyed by."""
    boundary_set = boundary_set or getattr(sim, "boundary_set", None) or fought_on(base_year)
    base = election_table(base_year, boundary_set)
    held = dict(zip(base.codes, (PARTIES[i] for i in base.shares.argmax(axis=1)), strict=True))
    seats = {}
    for i, code in enumerate(sim.codes):
        seats[code] = {
            "name": sim.names[i],
            "nation": sim.nations[i],
            "held": held.get(code, ""),
            "winner": PARTIES[int(sim.point[i].argmax())],
            "shares": {p: round(float(sim.point[i, k]), 4) for k, p in enumerate(PARTIES) if sim.point[i, k] > 0},
            "p_win": {p: round(float(sim.p_win[i, k]), 4) for k, p in enumerate(PARTIES) if sim.p_win[i, k] > 0},
        }
    return Projection.objects.create(
        created_by=user if getattr(user, "is_authenticated", False) else None,
        label=label,
        base_year=base_year,
        method=method,
        sims=sim.sims,
        seed=sim.seed,
        inputs={
            "gb": inputs.gb,
            "nations": inputs.nations,
            "boundary_set": boundary_set,
            "base_notional": base.notional,
        },
        totals=sim.intervals(),
        seats=seats,
    )


def latest_projection() -> Projection | None:
    return Projection.objects.first()


def seats_csv(sim: Simulation) -> str:
    """One row per seat: ons_code, name, winner, then share_<PARTY> and p_win_<PARTY> for every party."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ons_code", "name", "winner"] + [f"share_{p}" for p in PARTIES] + [f"p_win_{p}" for p in PARTIES])
    for i, code in enumerate(sim.codes):
        writer.writerow(
            [code, sim.names[i], PARTIES[int(sim.point[i].argmax())]]
            + [f"{sim.point[i, k]:.4f}" for k in range(len(PARTIES))]
            + [f"{sim.p_win[i, k]:.4f}" for k in range(len(PARTIES))]
        )
    return out.getvalue()


# ------------------------------------------------------------------ targets


class Category:
    DEFEND = "defend"
    ATTACK = "attack"
    SAFE = "safe"
    OUT_OF_REACH = "out of reach"


@dataclass
class TargetSeat:
    code: str
    name: str
    nation: str
    held: str
    winner: str
    p_win: float
    share: float
    margin: float  # our share minus the best other party's (negative when behind)
    category: str
    boundary_set: str = LEGACY_BOUNDARY_SET  # the set `code` names a seat of (the projection's)
    winner_p: float = 0.0  # the projected winner's chance


def classify(p_win: float, held_by_us: bool, safe: float = DEFAULT_SAFE, reach: float = DEFAULT_REACH) -> str:
    """Safe at or above `safe`; otherwise a seat we hold is to defend, and one we do not is to attack if our
    chance is at least `reach`, else out of reach."""
    if p_win >= safe:
        return Category.SAFE
    if held_by_us:
        return Category.DEFEND
    return Category.ATTACK if p_win >= reach else Category.OUT_OF_REACH


def target_list(
    projection: Projection, party: str, safe: float = DEFAULT_SAFE, reach: float = DEFAULT_REACH
) -> list[TargetSeat]:
    """Every seat of the projection, classified for `party`, closest contests first; codes are in the projection's
    boundary set. A seat whose holder the projection did not record is held by whoever won it last on that set."""
    if not 0 < reach < safe <= 1:
        raise ValueError("thresholds must satisfy 0 < reach < safe ≤ 1")
    boundary_set = projection_boundary_set(projection)
    holders: dict[str, str] | None = None
    seats = []
    for code, seat in projection.seats.items():
        held = seat.get("held")
        if held is None:
            holders = winners_on(boundary_set) if holders is None else holders
            held = holders.get(code, "")
        shares = seat["shares"]
        ours = shares.get(party, 0.0)
        best_other = max((v for p, v in shares.items() if p != party), default=0.0)
        p_win = seat["p_win"].get(party, 0.0)
        seats.append(
            TargetSeat(
                code=code,
                name=seat["name"],
                nation=seat.get("nation", ""),
                held=held,
                winner=seat["winner"],
                p_win=p_win,
                share=ours,
                margin=ours - best_other,
                category=classify(p_win, held == party, safe, reach),
                boundary_set=boundary_set,
                winner_p=seat["p_win"].get(seat["winner"], 0.0),
            )
        )
    seats.sort(key=lambda s: abs(s.p_win - 0.5))
    return seats


def parse_inputs(shares: str, nation_shares: str = "") -> Inputs:
    return Inputs(gb=parse_shares(shares), nations=parse_nation_shares(nation_shares) if nation_shares else {})


NATIONS = GB_NATIONS
