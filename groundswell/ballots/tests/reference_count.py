"""An independent count for the tests: plain Python and exact fractions, written from the stated rules.

It shares no code with groundswell/ballots/counting.py or votekit, so agreement on random elections is a
check on both. It raises `LotNeeded` where the rules fall back to drawing lots (the two counts need not draw
the same way), and `TooClose` where exact arithmetic is within a hair of a tie or the quota, where the
library's floating point could legitimately go the other way.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

EPSILON = Fraction(1, 10**6)


class LotNeeded(Exception):
    pass


class TooClose(Exception):
    pass


def reference_count(ballots: list[tuple[str, ...]], candidates: list[str], seats: int) -> dict:
    total = len(ballots)
    quota = Fraction(total // (seats + 1) + 1)
    weights = [Fraction(1)] * len(ballots)
    first_prefs = Counter(b[0] for b in ballots)
    continuing = list(candidates)
    elected: list[str] = []
    rounds = []

    def top(ballot: tuple[str, ...]) -> str | None:
        return next((c for c in ballot if c in continuing), None)

    while len(elected) < seats:
        tallies = {c: Fraction(0) for c in continuing}
        exhausted = Fraction(0)
        for ballot, weight in zip(ballots, weights, strict=True):
            choice = top(ballot)
            if choice is None:
                exhausted += weight
            else:
                tallies[choice] += weight
        for c in continuing:
            if tallies[c] != quota and abs(tallies[c] - quota) < EPSILON:
                raise TooClose  # within a hair of the quota but not on it
        reached = sorted((c for c in continuing if tallies[c] >= quota), key=lambda c: -tallies[c])
        if reached:
            for winner in reached:
                value = (tallies[winner] - quota) / tallies[winner]
                for i, ballot in enumerate(ballots):
                    if top(ballot) == winner:
                        weights[i] *= value
            continuing = [c for c in continuing if c not in reached]
            elected += reached
            rounds.append({"tallies": tallies, "elected": reached, "eliminated": None, "exhausted": exhausted})
            continue
        if len(continuing) == seats - len(elected):
            last = sorted(continuing, key=lambda c: -tallies[c])
            rounds.append({"tallies": tallies, "elected": last, "eliminated": None, "exhausted": exhausted})
            elected += last
            break
        lowest = min(tallies.values())
        near = [c for c in continuing if abs(tallies[c] - lowest) < EPSILON]
        tied = [c for c in continuing if tallies[c] == lowest]
        if len(near) != len(tied):
            raise TooClose
        if len(tied) > 1:
            fewest = min(first_prefs[c] for c in tied)
            tied = [c for c in tied if first_prefs[c] == fewest]
            if len(tied) > 1:
                raise LotNeeded
        loser = tied[0]
        continuing.remove(loser)
        rounds.append({"tallies": tallies, "elected": [], "eliminated": loser, "exhausted": exhausted})
    return {"elected": elected, "rounds": rounds, "quota": quota}
