"""Seat projections: uniform swing, proportional swing and a swing model fitted on past elections, with
uncertainty by simulation.

Every method is written as a linear function of the target vote shares of the seat's nation,
`pred[i, p] = c0[i, p] + c1[i, p] * n[nation(i), p]`, then floored at zero and rescaled to sum to one.
That form lets the simulation perturb the national shares and recompute all seats in a few array operations.

Great Britain only: Northern Ireland's parties do not stand in Great Britain and its 18 seats are left out
explicitly (they are reported as excluded, never silently counted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .parties import INDEX, PARTIES
from .results import ELECTIONS, GB_NATIONS, ElectionTable, election_table, fought_on

METHODS = ("uniform", "proportional", "model")
MIN_PARTY_RESIDUALS = 200
MIN_CONTESTED = 3
SMALL_PARTY = 0.15
NI_SEATS = 18
SPK = INDEX["SPK"]
OTH = INDEX["OTH"]

# Final pre-election poll average minus the Great Britain result, in share points, for the parties the polls
# covered throughout (Con, Lab, LD). 1997–2010: final-poll averages as summarised in the British Polling
# Council's statements; 2015 and 2017: the same, and the inputs on Electoral Calculus's track-record pages.
HISTORICAL_POLL_ERRORS: dict[int, dict[str, float]] = {
    1997: {"CON": -0.4, "LAB": 2.6, "LD": -1.2},
    2001: {"CON": -0.7, "LAB": 3.0, "LD": -0.8},
    2005: {"CON": -0.2, "LAB": 1.9, "LD": 0.4},
    2010: {"CON": -1.9, "LAB": -1.7, "LD": 3.5},
    2015: {"CON": -3.9, "LAB": 2.3, "LD": 0.4},
    2017: {"CON": 0.2, "LAB": -5.2, "LD": 0.3},
    2019: {"CON": -1.4, "LAB": 0.9, "LD": -0.1},
    # 2024: the shipped polls' tracker over the final week (polls.final_polls) minus the GB result.
    2024: {"CON": -3.5, "LAB": 4.3, "LD": -1.6},
}


def polling_error_scale(before: int | None = None) -> float:
    """c in sd(error of a party with share n) = c * sqrt(n), from the elections before `before` (all if None).

    Polling error grows with a party's size, roughly as binomial noise does, so it is pooled on that scale.
    """
    ratios = []
    shares = {"CON": 0.36, "LAB": 0.36, "LD": 0.17}  # typical shares over the period, to put errors on one scale
    for year, errors in HISTORICAL_POLL_ERRORS.items():
        if before is not None and year >= before:
            continue
        ratios += [(err / 100) ** 2 / shares[party] for party, err in errors.items()]
    return float(np.sqrt(np.mean(ratios))) if ratios else 0.035


@dataclass
class SwingModel:
    """Coefficients of the fitted swing model and the error sizes found in its residuals.

    Seat share change = Σ coefficient × term over FEATURES (see `seat_features`): a non-negative mixture of
    uniform and proportional swing, a pull towards the nation's average, gains that follow where the losing
    parties were strong, incumbency, tactical squeeze, the region's strength and the challenger (the party second
    where the winner's party is collapsing); separate coefficients for parties gaining and losing, and a stated
    prior (proportional swing) for large parties collapsing. Covariate terms scale with the party's nation
    change or stand alone as a trend (`_fit_covariates`). Errors are on the
    sqrt(share) scale (a party with a bigger share moves by more points), measured out of sample: regional,
    per seat (per party, Student-t), and shared by the seats each party holds or is second in.
    """

    coefficients: dict[str, tuple[float, ...]] = field(
        default_factory=lambda: {"up": (0.5, 0.5, 0.0, 0.0), "down": (0.5, 0.5, 0.0, 0.0)}
    )
    region_sd: float = 0.02
    seat_sd: float = 0.03
    party_seat_sd: dict[str, float] = field(default_factory=dict)  # party → seat sd where it could be measured
    seat_df: float | None = None  # Student-t degrees of freedom of seat errors; None: normal
    # How far the seats a party won or came second in at the base election move together, apart from its other
    # seats: a small party's total depends on a handful of such seats, so this is what lets it move (the Lib
    # Dems in 2015). Separately for parties under SMALL_PARTY of the vote where they stand (see `is_small`).
    contention_sd: float = 0.0
    small_contention_sd: float = 0.0
    covariates: dict[str, dict[str, float]] = field(default_factory=dict)  # name → party → coefficient
    covariate_trends: dict[str, dict[str, float]] = field(default_factory=dict)  # name → party → coefficient
    covariate_means: dict[str, tuple[float, float]] = field(default_factory=dict)  # name → (mean, sd)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    observations: int = 0

    def coefficient(self, party: str, direction: str) -> tuple[float, ...]:
        """The coefficients for `party` moving in `direction` ("up" or "down"), one per FEATURES entry
        (missing trailing terms are 0)."""
        if direction == "collapse" and "collapse" not in self.coefficients:
            direction = "down"
        found = self.coefficients.get(f"{party}:{direction}", self.coefficients[direction])
        return tuple(found) + (0.0,) * (len(FEATURES) - len(found))


@dataclass
class Inputs:
    gb: dict[str, float]
    nations: dict[str, dict[str, float]] = field(default_factory=dict)


def _vector(shares: dict[str, float]) -> np.ndarray:
    v = np.zeros(len(PARTIES))
    for party, share in shares.items():
        v[INDEX[party]] = share
    return v


def complete_shares(given: dict[str, float], base: np.ndarray) -> np.ndarray:
    """Fill parties not given from their base shares, scaled to take up what the given ones leave.

    A party given as 0 has withdrawn; one with no base share and a given share is new. The Speaker keeps
    the base share (nobody polls for the Speaker).
    """
    target = np.zeros(len(PARTIES))
    known = np.zeros(len(PARTIES), dtype=bool)
    for party, share in given.items():
        target[INDEX[party]] = share
        known[INDEX[party]] = True
    if not known[SPK]:
        target[SPK] = base[SPK]
        known[SPK] = True
    rest = max(0.0, 1.0 - target[known].sum())
    unknown_base = base[~known].sum()
    if unknown_base > 0:
        target[~known] = base[~known] / unknown_base * rest
    else:
        target[OTH] += rest
    total = target.sum()
    return target / total if total > 0 else target


def transition_factor(s: np.ndarray, n0: np.ndarray, n1: np.ndarray) -> np.ndarray:
    """How much of the parent's losses happen in each unit, relative to an average unit: (rows, 1).

    Parties gaining votes gain them from parties losing them, so they tend to gain more where the losers
    were strong (Conservatives where UKIP collapsed in 2017): the losers' votes here, shrunk as their national
    share shrinks, over their national loss."""
    losing = (n1 < n0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        here = np.where(losing, s * (1 - n1 / n0), 0.0).sum(axis=-1, keepdims=True)
    total = np.where(losing, n0 - n1, 0.0).sum(axis=-1, keepdims=True)
    return np.divide(here, total, out=np.ones_like(here), where=total > 0)


FEATURES = ("change", "proportional", "pull", "flow", "held", "squeeze", "region_pull", "challenger")


def seat_features(
    s: np.ndarray,
    n0: np.ndarray,
    tau: np.ndarray,
    region: np.ndarray | None = None,
    n1: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The swing model's terms, each written as A + B·(target share): arrays (features, rows, parties) A and B.

    change: the nation's change (uniform swing); proportional: the seat share times the relative change;
    pull: the seat's distance from the nation's share (regression to the mean); flow: the change times where
    the losing parties' votes were (gains follow the losers); held: the party that won the seat last time
    moves differently (incumbency: its MP's personal vote); squeeze: a party out of the top two loses a share
    of its vote to tactical voting; region_pull: the seat's region's distance from the nation's share, a
    regional component of swing inferred from where each party was strong at the base election; challenger:
    the party second in a seat whose winner's party is falling in the nation gains a share of that fall
    (tactical consolidation behind the local challenger: the Conservatives behind Labour's "red wall" in 2019,
    Labour and the Lib Dems against the Conservatives in 2024). The challenger term depends on the winner's
    target share, not the party's own, so it is evaluated at the given targets (`n1`) and held there.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n0 > 0, s / n0, 0.0)
    # Incumbency, squeeze and region are about seats: without `region` the rows are nations, which have no
    # MP and are their own region, so those terms are off.
    seats = region is not None
    ranks = np.argsort(np.argsort(-s, axis=-1), axis=-1)
    held = ((ranks == 0) & (s > 0) & seats).astype(float)
    squeezed = ((ranks >= 2) & (s > 0) & seats).astype(float)
    zero, one = np.zeros_like(s), np.ones_like(s)
    region_pull = zero if region is None else region - n0
    challenger = zero
    if seats and n1 is not None:
        leader = s.argmax(axis=-1)[..., None]
        fall = np.maximum(0.0, np.take_along_axis(n0 - n1, leader, axis=-1))
        fall = fall * np.take_along_axis(collapsing(n0, n1), leader, axis=-1)
        challenger = ((ranks == 1) & (s > 0)) * fall
    a = np.stack([-n0, -s, s - n0, -tau * n0, held * one, squeezed * s, region_pull, challenger])
    b = np.stack([one, ratio, zero, tau * one, zero, zero, zero, zero])
    return a, b


def _coefficients(
    s: np.ndarray,
    n0: np.ndarray,
    n1: np.ndarray,
    method: str,
    model: SwingModel,
    region: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(c0, c1) such that predicted share = c0 + c1 * target share, for shares s of units whose parent has
    base shares n0 (broadcast per row) and target shares n1 (used only for the direction of change).
    `region`: the units' regions' base shares when the units are seats; None when they are nations."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n0 > 0, s / n0, 0.0)
    if method == "uniform":
        c0, c1 = s - n0, np.ones_like(s)
    elif method == "proportional":
        c0, c1 = np.zeros_like(s), ratio
    elif method == "model":
        up = n1 >= n0
        table = {d: np.array([model.coefficient(p, d) for p in PARTIES]).T[:, None, :] for d in DIRECTIONS}
        coef = np.where(up[None], table["up"], np.where(collapsing(n0, n1)[None], table["collapse"], table["down"]))
        a, b = seat_features(s, n0, transition_factor(s, n0, n1), region, n1)
        c0 = s + (coef * a).sum(axis=0)
        c1 = (coef * b).sum(axis=0)
    else:
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    new = n0 <= 0  # a party with no base share anywhere in the parent: every unit starts from the target share
    c0 = np.where(new, s, c0)
    c1 = np.where(new, 1.0, c1)
    # A party that did not stand in this unit (and exists in the parent) is assumed not to stand again;
    # that is also how the Speaker's seat keeps the main parties out of it. Except a Great Britain-wide party
    # whose vote is growing: it is assumed to stand everywhere but the Speaker's seat, starting from nothing
    # and gaining the national gain (uniform), because that is what growing parties do: Reform UK stood in
    # nearly every seat in 2024 after the Brexit Party stood down in 317 in 2019, and the Greens in 2015.
    absent = ((s <= 0) & ~new) | (n1 <= 0)  # …and one with no target share has withdrawn everywhere
    expands = np.zeros_like(absent)
    if region is not None:
        expands = absent & (n1 > n0) & (n0 > 0) & (s[:, SPK : SPK + 1] <= 0) & EXPANDING[None, :]
    c0 = np.where(absent, np.where(expands, -n0, 0.0), c0)
    c1 = np.where(absent, np.where(expands, 1.0, 0.0), c1)
    return c0, c1


EXPANDING = np.isin(PARTIES, ("CON", "LAB", "LD", "GRN", "UKIP"))


def normalise_rows(pred: np.ndarray) -> np.ndarray:
    pred = np.maximum(pred, 0.0)
    total = pred.sum(axis=-1, keepdims=True)
    return np.divide(pred, total, out=np.zeros_like(pred), where=total > 0)


@dataclass
class Setup:
    """Everything a projection needs, computed once per (base, inputs, method)."""

    base: ElectionTable
    method: str
    model: SwingModel
    nation_targets: np.ndarray  # (3, parties)
    c0: np.ndarray  # (seats, parties)
    c1: np.ndarray
    adjust: np.ndarray  # covariate terms, (seats, parties)
    point: np.ndarray  # point prediction, (seats, parties)


def nation_targets(base: ElectionTable, inputs: Inputs, method: str, model: SwingModel) -> np.ndarray:
    """Target shares per nation: given ones as they are, others following the GB change by the method's
    arithmetic; when some nations are given, England takes up the rest so that GB adds up."""
    gb0 = base.national()
    gb1 = complete_shares(inputs.gb, gb0)
    votes = np.array([base.votes[base.nations == k].sum() for k in range(len(GB_NATIONS))])
    by_nation = np.stack([base.national(n) for n in GB_NATIONS])
    out = np.zeros((len(GB_NATIONS), len(PARTIES)))
    for k, nation in enumerate(GB_NATIONS):
        n0 = by_nation[k]
        if nation in inputs.nations:
            out[k] = complete_shares(inputs.nations[nation], n0)
        else:
            c0, c1 = _coefficients(n0[None, :], gb0[None, :], gb1[None, :], method, model)
            # A party standing only in this nation (the SNP, Plaid Cymru) has a GB share that is its share here
            # times the nation's weight, so its GB change maps onto this nation proportionally, whatever the
            # method: a 2-point GB rise for the SNP is a rise of over 20 points in Scotland.
            only_here = (n0 > 0) & (np.delete(by_nation, k, axis=0).sum(axis=0) <= 0)
            c0[0, only_here], c1[0, only_here] = 0.0, n0[only_here] / gb0[only_here]
            out[k] = normalise_rows(c0 + c1 * gb1[None, :])[0]
    given = [GB_NATIONS.index(n) for n in inputs.nations if n != "England"]
    if given and "England" not in inputs.nations:
        england = GB_NATIONS.index("England")
        rest = gb1 * votes.sum() - sum(out[k] * votes[k] for k in given)
        others = [k for k in range(len(GB_NATIONS)) if k not in given and k != england]
        rest -= sum(out[k] * votes[k] for k in others)
        # Nationalist parties stand only in their own nation: whatever of theirs is left does not go to England.
        rest = np.where((base.national("England") <= 0) & (gb0 > 0), 0.0, rest)
        out[england] = normalise_rows(np.maximum(rest, 0.0)[None, :])[0]
    return out


def covariate_matrix(codes: list[str], model: SwingModel, values: dict[str, dict[str, float]]) -> np.ndarray | None:
    """Standardised covariates (seats × names in model order); seats without a value get the mean (0)."""
    names = list(model.covariates)
    if not names:
        return None
    z = np.zeros((len(codes), len(names)))
    for j, name in enumerate(names):
        mean, sd = model.covariate_means[name]
        column = values.get(name, {})
        for i, code in enumerate(codes):
            if code in column and sd > 0:
                z[i, j] = (column[code] - mean) / sd
    return z


def covariate_adjustment(z: np.ndarray | None, model: SwingModel, change: np.ndarray) -> np.ndarray:
    """Covariate terms, (seats, parties): coefficient × standardised covariate × the party's nation change,
    plus a trend coefficient × the standardised covariate."""
    if z is None:
        return np.zeros_like(change)
    coef = np.array([[model.covariates[name].get(p, 0.0) for p in PARTIES] for name in model.covariates])
    trend = np.array([[model.covariate_trends.get(name, {}).get(p, 0.0) for p in PARTIES] for name in model.covariates])
    return (z @ coef) * change + z @ trend


def home_shares(table: ElectionTable, by_nation: np.ndarray | None = None) -> np.ndarray:
    """Each party's share of the vote in the nations where it stands (the SNP's is its Scottish share), from
    the table's results or, if given, from shares per nation (3, parties) weighted by the table's votes."""
    if by_nation is None:
        by_nation = np.stack([table.national(n) for n in GB_NATIONS])
    weights = np.array([table.votes[table.nations == k].sum() for k in range(len(GB_NATIONS))])[:, None]
    stands = by_nation > 0
    total = (weights * stands).sum(axis=0)
    return np.divide((weights * by_nation).sum(axis=0), total, out=np.zeros(by_nation.shape[1]), where=total > 0)


def is_small(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Parties under SMALL_PARTY where they stand at either election: the Lib Dems of 2010 (23%) were small by
    2015 (8%); the SNP, at half of Scotland's vote, never is."""
    return np.minimum(before, after) < SMALL_PARTY


def in_contention(s: np.ndarray) -> np.ndarray:
    """(seats, parties): the party won the seat or came second in it."""
    ranks = np.argsort(np.argsort(-s, axis=-1), axis=-1)
    return (ranks <= 1) & (s > 0)


def prepare(
    base: ElectionTable,
    inputs: Inputs,
    method: str,
    model: SwingModel,
    covariates: dict[str, dict[str, float]] | None = None,
) -> Setup:
    targets = nation_targets(base, inputs, method, model)
    n0 = np.stack([base.national(n) for n in GB_NATIONS])[base.nations]
    n1 = targets[base.nations]
    c0, c1 = _coefficients(base.shares, n0, n1, method, model, base.regional())
    adjust = np.zeros_like(c0)
    if method == "model" and covariates:
        adjust = covariate_adjustment(covariate_matrix(base.codes, model, covariates), model, n1 - n0)
        adjust = np.where(c1 == 0, 0.0, adjust)
    point = normalise_rows(c0 + c1 * n1 + adjust)
    return Setup(base, method, model, targets, c0, c1, adjust, point)


# ------------------------------------------------------------------ fitting


def training_pairs(up_to: int) -> list[tuple[int, int]]:
    """Consecutive elections both held on or before `up_to`: nothing after the base year is ever used.

    Each pair is read on the boundaries the later election was fought on (2019 → 2024 from the notionals)."""
    years = sorted(y for y in ELECTIONS if y <= up_to)
    return list(zip(years, years[1:], strict=False))


def _pair_arrays(y0: int, y1: int) -> tuple[ElectionTable, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Seats present in both elections under the same code: (base subset, s0, s1, n0, n1) per seat row."""
    try:
        t0, t1 = election_table(y0, fought_on(y1)), election_table(y1)
    except LookupError:
        return None
    index1 = t1.index_of()
    rows0 = [i for i, code in enumerate(t0.codes) if code in index1]
    if len(rows0) < 30:
        return None
    rows1 = [index1[t0.codes[i]] for i in rows0]
    n0 = np.stack([t0.national(n) for n in GB_NATIONS])
    n1 = np.stack([t1.national(n) for n in GB_NATIONS])
    nations = t0.nations[rows0]
    return t0, np.asarray(rows0), t1.shares[rows1], n0[nations], n1[nations]


def _mixture_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with the uniform and proportional weights kept non-negative.

    A negative proportional weight (gainers gaining less where they are strong) fits modest past changes but
    extrapolates absurdly: the Greens' near-quadrupling in 2015 would have wiped them out in the one seat they
    held. So swing is a mixture of the two, never anti-proportional: a weight that comes out negative is set
    to zero and the rest refitted.
    """
    # A term seen in only a handful of seats (the challenger to a collapsing party before 2015) is not
    # estimable: it stays at zero rather than taking a wild value from a few rows.
    free = np.count_nonzero(x, axis=0) >= MIN_TERM_ROWS
    while True:
        coef = np.zeros(x.shape[1])
        coef[free], *_ = np.linalg.lstsq(x[:, free], y, rcond=None)
        negative = [k for k in (0, 1) if free[k] and coef[k] < 0]
        if not negative:
            return coef
        free[min(negative, key=lambda k: coef[k])] = False


DIRECTIONS = ("up", "down", "collapse")
MIN_TERM_ROWS = 30
COLLAPSE = 0.75
COLLAPSE_MIN_SHARE = SMALL_PARTY


def collapsing(n0: np.ndarray, n1: np.ndarray) -> np.ndarray:
    """A party losing over a quarter of its vote in the nation: its losses are fitted separately from modest
    ones, because a party that loses half its vote cannot lose the same points where it was weak as where it
    was strong (the Lib Dems in 2015, UKIP in 2017, Scottish Labour in 2015, the Conservatives in 2024)."""
    return (n1 < COLLAPSE * n0) & (n0 > 0) & (n1 >= COLLAPSE_MIN_SHARE)


def _collapse_prior(coefficients: dict[str, tuple[float, ...]]) -> tuple[float, ...]:
    """The stated prior for a collapsing party's losses: pure proportional swing, the other terms as fitted
    for modest losses (incumbency, squeeze, challenger…).

    Why a prior: a party losing over a quarter of its vote cannot lose the same points in its weak seats as in
    its strong ones (uniform swing would take it below zero), and the Conservatives' 2024 fall was almost
    exactly proportional (−11 points where they had 21%, −29 where they had 63%). The past pairs hold too few
    large parties collapsing (Scottish Labour 2015, the SNP 2017) to fit it: their fit came out half uniform
    with a strong pull, which called 73.6% of 2024's seats against 81.5% with this prior. Chosen after that
    measurement, so the 2024 backtest is not a clean out-of-sample test of this one choice (docs/benchmarks.md).
    Small parties (under SMALL_PARTY after the fall: the Lib Dems in 2015, UKIP in 2017) keep the fitted
    "down" coefficients: their few seats are held on personal votes, not lost proportionally."""
    down = list(coefficients.get("down", (0.5, 0.5)))
    down += [0.0] * (len(FEATURES) - len(down))
    down[0], down[1] = 0.0, 1.0
    return tuple(down)


def _pooled_fit(rows: list[dict[str, list[tuple[float, ...]]]]) -> dict[str, tuple[float, ...]]:
    """Coefficients per direction from the rows of every pair given (a direction with under 10 rows: none)."""
    out = {}
    for key in DIRECTIONS:
        found = [r for pair in rows for r in pair.get(key, [])]
        if len(found) >= 10:
            arr = np.asarray(found)
            out[key] = tuple(float(c) for c in _mixture_fit(arr[:, :-1], arr[:, -1]))
    return out


def fit_model(up_to: int, covariates: dict[str, dict[str, float]] | None = None) -> SwingModel:
    """Fit the swing model on every same-boundary pair of elections up to `up_to` (the base year).

    Least squares on seat share changes, separately for parties gaining and losing in the seat's nation;
    the Speaker's seat and the "others" are left out of the coefficients' fit.
    """
    model = SwingModel()
    rows: list[dict[str, list[tuple[float, ...]]]] = []  # per pair, per direction
    data = []
    for y0, y1 in training_pairs(up_to):
        arrays = _pair_arrays(y0, y1)
        if arrays is None:
            continue
        t0, seat_rows, s1, n0, n1 = arrays
        s0 = t0.shares[seat_rows]
        model.pairs.append((y0, y1))
        data.append((t0, seat_rows, s0, s1, n0, n1))
        a, b = seat_features(s0, n0, transition_factor(s0, n0, n1), t0.regional()[seat_rows], n1)
        x = a + b * n1[None]
        x[FEATURES.index("flow")] *= n1 >= n0  # gains follow the losers; losses have no such term
        use = (s0 > 0) & (n0 > 0) & (n1 > 0)
        # Nobody swings against the Speaker; and "others" are a grab-bag whose seat-level changes are about which
        # independents and minor parties stood, not swing: with them in, the fit for losing parties came out
        # mostly proportional, driven by others' vanishing candidacies.
        use[:, SPK] = False
        use[:, OTH] = False
        rows.append({})
        collapse = collapsing(n0, n1)
        for i, p in zip(*np.nonzero(use), strict=True):
            direction = "up" if n1[i, p] >= n0[i, p] else "collapse" if collapse[i, p] else "down"
            rows[-1].setdefault(direction, []).append((*x[:, i, p], s1[i, p] - s0[i, p]))
    # Pooled across parties: coefficients per party were tried and fitted each party's few past elections'
    # quirks (2010→2015 Labour made Labour's 2017 rise proportional); the pooled ones backtest better.
    model.coefficients.update(_pooled_fit(rows))
    # Collapsing parties' losses: a stated prior, not a fit (see `_collapse_prior`).
    model.coefficients["collapse"] = _collapse_prior(model.coefficients)
    model.observations = sum(len(v) for pair in rows for v in pair.values())
    if not data:
        return model
    # Residual sizes, on the sqrt(share) scale, split into a regional part and a seat part.
    region_terms: list[float] = []
    contention_terms: dict[bool, list[float]] = {True: [], False: []}
    seat_terms: dict[int, list[float]] = {}
    cov_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for k, (t0, seat_rows, s0, s1, n0, n1) in enumerate(data):
        # Errors are measured out of sample: each election pair is predicted by coefficients fitted on the
        # others, as the target election will be. In-sample residuals would make the model overconfident.
        held_out = SwingModel(coefficients={**model.coefficients, **_pooled_fit(rows[:k] + rows[k + 1 :])})
        c0, c1 = _coefficients(s0, n0, n1, "model", held_out, t0.regional()[seat_rows])
        pred = normalise_rows(c0 + c1 * n1)
        scale = np.sqrt(np.maximum(pred, 0.005))
        z = (s1 - pred) / scale
        stand = (c1 != 0) & (pred > 0)
        stand[:, SPK] = False
        contested = in_contention(s0)
        small = is_small(home_shares(t0), home_shares(election_table(model.pairs[k][1])))
        for p in range(len(PARTIES)):
            mine = contested[:, p] & stand[:, p]
            if mine.sum() >= MIN_CONTESTED and p != SPK:
                contention_terms[bool(small[p])].append(float(z[mine, p].mean() - z[stand[:, p], p].mean()))
        regions = t0.regions[seat_rows]
        for r in np.unique(regions):
            in_r = regions == r
            for p in range(len(PARTIES)):
                sel = in_r & stand[:, p]
                if sel.sum() >= 5:
                    mean = z[sel, p].mean()
                    region_terms.append(mean)
                    seat_terms.setdefault(p, []).extend(z[sel, p] - mean)
        cov_rows.append((t0, seat_rows, s1 - pred, n1 - n0))
    if region_terms:
        model.region_sd = float(np.sqrt(np.mean(np.square(region_terms))))
    for small, found in contention_terms.items():
        if found:
            value = float(np.sqrt(np.mean(np.square(found))))
            if small:
                model.small_contention_sd = value
            else:
                model.contention_sd = value
    if seat_terms:
        pooled = np.concatenate([np.asarray(v) for v in seat_terms.values()])
        model.seat_sd = float(np.std(pooled))
        # Each party's own spread where it has enough seats to measure one: the Lib Dems' seats (shared
        # holding on, targets won on tactical votes) scatter far more than their share alone implies.
        model.party_seat_sd = {
            PARTIES[p]: float(np.std(v)) for p, v in seat_terms.items() if len(v) >= MIN_PARTY_RESIDUALS
        }
        # Heavy tails: a seat now and then does something no swing explains (a by-election winner, a local
        # campaign). Degrees of freedom of a Student-t from the residuals' excess kurtosis, 6 / (df − 4).
        excess = float(np.mean(pooled**4) / np.mean(pooled**2) ** 2 - 3.0)
        model.seat_df = float(np.clip(4.0 + 6.0 / excess, 3.0, 30.0)) if excess > 0 else 30.0
    if covariates:
        _fit_covariates(model, covariates, cov_rows)
    return model


# A pair of elections teaches covariate effects only if it covers much of Great Britain on the covariates'
# boundaries: Scotland's 2005 → 2010 (59 seats, the only pre-2010 pair on today's codes) would teach Scottish
# quirks to English seats.
MIN_COVARIATE_SEATS = 300
COVARIATE_SHRINK = 1.0  # ridge penalty as a fraction of each column's own sum of squares (a stated prior)
COVARIATE_PAIRS = 1  # how many of the latest eligible pairs the covariate effects are fitted on


def _fit_covariates(
    model: SwingModel,
    covariates: dict[str, dict[str, float]],
    cov_rows: list[tuple[ElectionTable, np.ndarray, np.ndarray, np.ndarray]],
) -> None:
    """Regress each party's out-of-sample residual on the standardised covariates, in two forms each: scaled
    by the party's nation change (a party growing most where, say, Leave voters are: UKIP in 2015) and on their
    own (a realignment that runs whatever the national change: Labour gaining in Remain seats in 2017 and
    losing Leave seats in 2019). Ridge-shrunk towards zero, so a pattern seen once does not extrapolate wildly.
    Only seats whose codes have covariates count (older boundaries have none), and only the latest pair that
    has enough of them (COVARIATE_PAIRS)."""
    names = sorted(covariates)
    for name in names:
        values = np.asarray(list(covariates[name].values()), dtype=float)
        if len(values) >= 2:
            model.covariate_means[name] = (float(values.mean()), float(values.std() or 1.0))
    names = [n for n in names if n in model.covariate_means]
    if not names:
        return
    model.covariates = {n: {} for n in names}
    model.covariate_trends = {n: {} for n in names}
    for p, party in enumerate(PARTIES):
        if party in ("OTH", "SPK"):
            continue
        xs, ys = [], []
        for t0, rows, resid, change in cov_rows:
            codes = [t0.codes[i] for i in rows]
            z = covariate_matrix(codes, model, covariates)
            have = np.array([any(code in covariates[n] for n in names) for code in codes]) & (resid[:, p] != 0)
            if z is None or have.sum() < MIN_COVARIATE_SEATS:
                continue
            xs.append(np.hstack([z[have] * change[have, p : p + 1], z[have]]))
            ys.append(resid[have, p])
        # Only the most recent pair teaches covariate effects: they are realignments that drift from one election
        # to the next (Labour's Leave seats moved against it from 2017, not before), so the latest pair is the
        # best evidence of the pattern now; pooling with older pairs halved the 2015 → 2017 Leave trend.
        xs, ys = xs[-COVARIATE_PAIRS:], ys[-COVARIATE_PAIRS:]
        if not xs:
            continue
        x, y = np.vstack(xs), np.concatenate(ys)
        if len(y) < 50 or not np.any(x):
            continue
        # A covariate known for only a few of the training seats (the 2021 census reaches 2010-set seats only
        # through the five Scottish codes both sets share) teaches nothing: its columns are left out.
        x[:, np.count_nonzero(x, axis=0) < MIN_COVARIATE_SEATS] = 0.0
        gram = x.T @ x
        coef = np.linalg.solve(gram + COVARIATE_SHRINK * np.diag(np.diag(gram) + 1e-9), x.T @ y)
        for j, name in enumerate(names):
            model.covariates[name][party] = float(coef[j])
            model.covariate_trends[name][party] = float(coef[len(names) + j])


# ------------------------------------------------------------------ simulation


@dataclass
class Simulation:
    codes: list[str]
    names: list[str]
    nations: list[str]
    point: np.ndarray  # (seats, parties) point-prediction shares
    p_win: np.ndarray  # (seats, parties)
    totals: np.ndarray  # (sims, parties) seats won in each simulation
    national_sd: np.ndarray
    sims: int
    seed: int | None
    boundary_set: str = "2010"  # the set `codes` belong to

    @property
    def winners(self) -> list[str]:
        return [PARTIES[i] for i in self.point.argmax(axis=1)]

    def point_totals(self) -> dict[str, int]:
        counts = np.bincount(self.point.argmax(axis=1), minlength=len(PARTIES))
        return {p: int(c) for p, c in zip(PARTIES, counts, strict=True)}

    def intervals(self) -> dict[str, dict[str, float]]:
        """Seat totals per party: mean, median and the 50% and 90% intervals over the simulations."""
        q = np.percentile(self.totals, [5, 25, 50, 75, 95], axis=0)
        point = self.point_totals()
        out = {}
        for p, party in enumerate(PARTIES):
            out[party] = {
                "point": point[party],
                "mean": round(float(self.totals[:, p].mean()), 1),
                "median": float(q[2, p]),
                "p5": float(q[0, p]),
                "p25": float(q[1, p]),
                "p75": float(q[3, p]),
                "p95": float(q[4, p]),
            }
        return out


def _block(mask: np.ndarray) -> tuple[int, int]:
    """(start, stop) of the one contiguous run of True in `mask`."""
    where = np.flatnonzero(mask)
    if len(where) and where[-1] - where[0] + 1 != len(where):
        raise ValueError("seats are not grouped contiguously")
    return (int(where[0]), int(where[-1]) + 1) if len(where) else (0, 0)


def simulate(
    setup: Setup,
    sims: int = 10_000,
    seed: int | None = None,
    national_scale: float | None = None,
    chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Draw `sims` elections: a national error per party (relative, the same in every nation), a regional
    error per (region, party), an error per party shared by the seats it won or came second in, and a seat
    error per (seat, party), Student-t when the model found heavy tails; all but the first sized by the model.

    `national_scale` is c in sd = c·sqrt(share) (historical polling error by default; 0 when the shares are
    known, as in a backtest on the actual result).
    """
    base = setup.base
    rng = np.random.default_rng(seed)
    c = polling_error_scale() if national_scale is None else national_scale
    weights = np.array([base.votes[base.nations == k].sum() for k in range(len(GB_NATIONS))])
    gb = weights @ setup.nation_targets / weights.sum()
    national_sd = c * np.sqrt(np.maximum(gb, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_sd = np.where(gb > 0, national_sd / np.maximum(gb, 1e-9), 0.0).astype(np.float32)
    rel_sd[SPK] = 0.0
    n_seats, n_parties = setup.c0.shape
    n_regions = len(base.region_names)
    # Seats are put in nation-then-region order so that each region (and nation) is one contiguous block:
    # adding its error is then a slice operation instead of a gather over every seat.
    order = np.lexsort((base.regions, base.nations))
    nations, regions = base.nations[order], base.regions[order]
    scale = np.sqrt(np.maximum(setup.point[order], 0.005)).astype(np.float32)
    stands = (setup.c1[order] != 0) | (setup.c0[order] != 0)
    scale = np.where(stands, scale, 0.0).astype(np.float32)
    scale[:, SPK] = 0.0
    model = setup.model
    seat_sd = np.array([model.party_seat_sd.get(p, model.seat_sd) for p in PARTIES], dtype=np.float32)
    df = model.seat_df
    if df is not None and df > 2:
        # A t's variance is df/(df−2) times its scale squared: shrink the scale so the variance stays the fitted one.
        seat_sd *= np.float32(np.sqrt((df - 2) / df))
    seat_scale = scale * seat_sd
    region_scale = scale * np.float32(setup.model.region_sd)
    contested = in_contention(setup.base.shares[order])
    small = is_small(home_shares(base), home_shares(base, setup.nation_targets))
    contention_sd = np.where(small, model.small_contention_sd or model.contention_sd, model.contention_sd)
    contention_scale = np.where(contested, scale * contention_sd.astype(np.float32), 0.0).astype(np.float32)
    contention_any = bool(contention_sd.max() > 0)
    c0 = (setup.c0 + setup.adjust)[order].astype(np.float32)
    c1 = setup.c1[order].astype(np.float32)
    targets = setup.nation_targets.astype(np.float32)
    region_blocks = [(r, *_block(regions == r)) for r in np.unique(regions)]
    nation_blocks = [(k, *_block(nations == k)) for k in np.unique(nations)]
    wins = np.zeros((n_seats, n_parties), dtype=np.int64)
    totals = np.zeros((sims, n_parties), dtype=np.int32)
    seat_index = np.arange(n_seats)
    done = 0
    while done < sims:
        k = min(chunk, sims - done)
        national = targets[None, :, :] * np.exp(rng.standard_normal((k, 1, n_parties), dtype=np.float32) * rel_sd)
        regional = rng.standard_normal((k, n_regions, n_parties), dtype=np.float32)
        shared = rng.standard_normal((k, 1, n_parties), dtype=np.float32) if contention_any else None
        shares = rng.standard_normal((k, n_seats, n_parties), dtype=np.float32)
        shares *= seat_scale
        if df is not None:
            # One chi-squared draw per seat and simulation makes every party's error there Student-t at once.
            mixing = np.sqrt(np.float32(df) / (2 * rng.standard_gamma(df / 2, (k, n_seats), dtype=np.float32)))
            shares *= mixing[:, :, None]
        shares += c0
        if shared is not None:
            shares += shared * contention_scale
        for r, start, stop in region_blocks:
            shares[:, start:stop] += regional[:, r, None, :] * region_scale[start:stop]
        for nation, start, stop in nation_blocks:
            shares[:, start:stop] += national[:, nation, None, :] * c1[start:stop]
        # No need to floor at zero or rescale to one: neither changes which party is largest.
        winner = shares.argmax(axis=2)
        wins += np.bincount((seat_index * n_parties + winner).ravel(), minlength=n_seats * n_parties).reshape(
            n_seats, n_parties
        )
        per_sim = (np.arange(k)[:, None] * n_parties + winner).ravel()
        totals[done : done + k] = np.bincount(per_sim, minlength=k * n_parties).reshape(k, n_parties)
        done += k
        if progress is not None:
            progress(k)
    p_win = np.empty((n_seats, n_parties))
    p_win[order] = wins / sims
    return Simulation(
        codes=base.codes,
        names=base.names,
        nations=[GB_NATIONS[k] for k in base.nations],
        point=setup.point,
        p_win=p_win,
        totals=totals,
        national_sd=national_sd,
        sims=sims,
        seed=seed,
        boundary_set=base.boundary_set,
    )
