"""The count: eliminating ballot (IRV, one seat) and STV (several seats), by the votekit library.

Ballots are counted grouped: each distinct preference order once, with the number of ballots that cast it as
its weight, so half a million ballots over 12 candidates is a few hundred thousand rows rather than objects.
votekit's own `RankProfile` builds one Python object per row (about 20 s at that size), so
`_GroupedSTV` hands votekit's numpy STV engine the same ballot matrix it would have built from a profile;
the election logic (quota, transfers, exclusions, tie-breaks) is entirely votekit's `FastSTV`.
The tests check it against an independent count written in the tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from votekit.ballot import RankBallot
from votekit.elections import FastSTV
from votekit.pref_profile import RankProfile

METHODS = ("irv", "stv")
BLANK = -127  # votekit's padding for "no further preference" (NumpySTVSentinel.BLANK_RANKING)
MAX_CANDIDATES = 100  # votekit's ballot matrix is int8
QUOTA_TOLERANCE = 1e-9  # floating-point slack at the quota (see _GroupedSTV._get_threshold)

TIE_BREAK = (
    "when two or more continuing candidates share the lowest tally (to a millionth of a vote), the one with "
    "fewer first preferences is excluded; if still tied, one is chosen by lot seeded from the ballots (the "
    "SHA-256 of how many ballots give each candidate each preference), so a recount of the bulletin draws alike"
)
RULES = {
    "irv": {
        "method": "Eliminating ballot (instant run-off, one seat), counted as STV for one seat by votekit FastSTV",
        "quota": "Droop quota for one seat: floor(valid ballots / 2) + 1, a majority of all valid ballots, fixed "
        "for the count",
        "transfers": "the ballots of an excluded candidate pass at full value to their next continuing preference",
        "tie_breaks": TIE_BREAK,
        "exhausted": "a ballot with no further continuing preference is exhausted and set aside; the quota is not "
        "recalculated, so when no candidate reaches it, candidates are excluded until one remains",
    },
    "stv": {
        "method": "Single transferable vote (several seats) by votekit FastSTV",
        "quota": "Droop quota: floor(valid ballots / (seats + 1)) + 1, fixed for the count (a tally within a "
        "billionth of a vote of the quota, floating-point rounding, reaches it)",
        "transfers": "surpluses: every ballot held by an elected candidate passes to its next continuing "
        "preference at transfer value (votes − quota) / votes times its current value (weighted inclusive "
        "Gregory); candidates reaching the quota in the same round are elected together, largest first; "
        "exclusions: the ballots of an excluded candidate pass at their current value",
        "tie_breaks": TIE_BREAK,
        "exhausted": "a ballot with no further continuing preference is exhausted and set aside at its current "
        "value; when the continuing candidates are as many as the seats left, they are all elected",
    },
}


class BallotFileError(ValueError):
    """A ballot file with malformed lines; `errors` names each line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class Round:
    number: int
    tallies: dict[str, float]
    elected: list[str] = field(default_factory=list)
    eliminated: str | None = None
    exhausted: float = 0.0


@dataclass
class CountResult:
    method: str
    seats: int
    candidates: list[str]
    ballots: int
    quota: float
    elected: list[str]
    rounds: list[Round]
    exhausted: float
    seed: int
    rules: dict[str, str]

    def as_dict(self) -> dict:
        return asdict(self)


def check_preferences(prefs: Sequence[str], candidates: Iterable[str] | None) -> str | None:
    """Why a list of preferences (blank cells included) is not a valid ballot, or None when it is."""
    names = [p.strip() for p in prefs]
    while names and not names[-1]:
        names.pop()
    if not names:
        return "no preference marked"
    if "" in names:
        return f"preference {names.index('') + 1} is blank but a later preference is marked (a skipped preference)"
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if name in seen:
            return f"candidate {name!r} appears twice (again at preference {position})"
        seen.add(name)
    if candidates is not None:
        known = set(candidates)
        for name in names:
            if name not in known:
                return f"unknown candidate {name!r}"
    return None


def parse_ballot_file(text: str, candidates: Sequence[str] | None = None) -> tuple[list[str], Counter]:
    """A CSV of ballots, one a line in preference order (blank cells end it) → (candidates, grouped ballots).

    Every malformed line is reported (BallotFileError), not just the first. Without a candidate list, the
    candidates are every name on a valid ballot, in order of first appearance.
    """
    errors: list[str] = []
    grouped: Counter = Counter()
    seen_names: dict[str, None] = {}
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            if not row:  # a truly empty line (e.g. the file's trailing newline) is not a ballot
                continue
        problem = check_preferences(row, candidates)
        if problem:
            errors.append(f"line {line_no}: {problem}")
            continue
        ranking = tuple(cell.strip() for cell in row if cell.strip())
        grouped[ranking] += 1
        for name in ranking:
            seen_names.setdefault(name)
    if errors:
        raise BallotFileError(errors)
    return (list(candidates) if candidates is not None else list(seen_names)), grouped


def bulletin_seed(matrix: np.ndarray, weights: np.ndarray, n_candidates: int) -> int:
    """The lot's seed, from the ballots themselves: the SHA-256 of how many ballots give each candidate each
    preference. Anyone recounting the bulletin derives the same seed, so draws the same lot; it is cheap at
    any size (one bincount a preference), unlike hashing every ballot in a sorted order."""
    digest = hashlib.sha256()
    for column in range(matrix.shape[1] - 1):
        marked = matrix[:, column] != BLANK
        per_candidate = np.bincount(matrix[marked, column], weights=weights[marked], minlength=n_candidates)
        digest.update(per_candidate.astype(np.int64).tobytes())
    return int.from_bytes(digest.digest()[:8], "big")


class _GroupedSTV(FastSTV):
    """votekit's FastSTV fed a prebuilt ballot matrix (see the module docstring for why)."""

    def __init__(self, candidates: list[str], matrix: np.ndarray, weights: np.ndarray, seats: int, seed: int):
        self._prebuilt = (matrix, weights)
        # A one-ballot profile naming every candidate satisfies votekit's checks (candidate list, seats);
        # the ballots counted are the prebuilt matrix.
        profile = RankProfile(
            ballots=(RankBallot(ranking=tuple(frozenset({c}) for c in candidates), weight=1),),
            candidates=tuple(candidates),
        )
        super().__init__(profile, n_seats=seats, transfer="fractional", quota="droop", tiebreak=None, rng_seed=seed)

    def _convert_profile_to_numpy_arrays(self, pf: RankProfile) -> tuple[np.ndarray, np.ndarray]:
        return self._prebuilt

    def _get_threshold(self, quota_type, total_ballot_wt: float, floor: bool = True, epsilon: float = 1.0) -> float:
        # votekit counts in floating point, where three transfers of 1/3 can sum to 0.9999999999999999: a
        # tally within QUOTA_TOLERANCE of the quota has reached it.
        return super()._get_threshold(quota_type, total_ballot_wt, floor, epsilon) - QUOTA_TOLERANCE

    def _find_loser(self, tallies: np.ndarray, *args, **kwargs):
        # The same rounding noise would make an exact tie (1/3 + 1/3 + 1/3 against 1) look like no tie and skip
        # the stated tie-break: compare tallies to a millionth of a vote (above QUOTA_TOLERANCE's own drift).
        return super()._find_loser(np.round(tallies, 6), *args, **kwargs)


def _matrix(candidates: list[str], grouped: Counter) -> tuple[np.ndarray, np.ndarray]:
    index = {name: i for i, name in enumerate(candidates)}
    matrix = np.full((len(grouped), len(candidates) + 1), BLANK, dtype=np.int8)
    weights = np.empty(len(grouped), dtype=np.float64)
    for row, (ranking, n) in enumerate(grouped.items()):
        matrix[row, : len(ranking)] = [index[name] for name in ranking]
        weights[row] = n
    return matrix, weights


def count(candidates: Sequence[str], grouped: Counter, *, method: str, seats: int = 1) -> CountResult:
    """Count grouped ballots ({preference tuple: number of ballots}) by IRV or STV; rounds as published."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if method == "irv":
        seats = 1
    candidates = list(candidates)
    if seats < 1:
        raise ValueError("seats must be at least 1")
    if len(candidates) > MAX_CANDIDATES:
        raise ValueError(f"at most {MAX_CANDIDATES} candidates")
    total = int(sum(grouped.values()))
    quota = float(total // (seats + 1) + 1)
    matrix, weights = _matrix(candidates, grouped)
    seed = bulletin_seed(matrix, weights, len(candidates))
    if total == 0 or len(candidates) <= seats:
        # Nothing to count, or uncontested: every candidate is elected (no ballot can change that).
        elected = list(candidates) if len(candidates) <= seats else []
        return CountResult(method, seats, candidates, total, quota, elected, [], float(total), seed, RULES[method])
    election = _GroupedSTV(candidates, matrix, weights, seats, seed)
    states = election.election_states
    rounds: list[Round] = []
    elected: list[str] = []
    out: set[str] = set()
    for before, after in zip(states, states[1:], strict=False):
        # votekit's `remaining` leaves out candidates with no votes; the published tally lists them at 0.
        continuing = [c for c in candidates if c not in out]
        tallies = {c: round(float(before.scores.get(c, 0.0)), 6) for c in continuing}
        order = {c: i for i, c in enumerate(candidates)}  # equal tallies elected together: in ballot-paper order
        now_elected = sorted(
            (c for group in after.elected for c in group), key=lambda c: (-tallies.get(c, 0), order[c])
        )
        eliminated = next((c for group in after.eliminated for c in group), None)
        held = quota * len(elected)  # an elected candidate keeps exactly the quota
        exhausted = round(max(total - sum(float(before.scores.get(c, 0.0)) for c in continuing) - held, 0.0), 6)
        rounds.append(Round(len(rounds) + 1, tallies, now_elected, eliminated, exhausted))
        elected += now_elected
        out.update(now_elected)
        if eliminated is not None:
            out.add(eliminated)
    return CountResult(
        method, seats, candidates, total, quota, elected, rounds, rounds[-1].exhausted, seed, RULES[method]
    )


def count_file(text: str, *, method: str, seats: int = 1, candidates: Sequence[str] | None = None) -> CountResult:
    names, grouped = parse_ballot_file(text, candidates)
    return count(names, grouped, method=method, seats=seats)
