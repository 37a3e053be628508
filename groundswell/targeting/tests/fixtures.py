"""Small hand-made elections for the swing and simulation tests."""

from __future__ import annotations

import numpy as np

from groundswell.targeting.parties import INDEX, PARTIES
from groundswell.targeting.results import GB_NATIONS, ElectionTable


def table(seats: list[tuple[str, str, str, dict[str, int]]], year: int = 2015) -> ElectionTable:
    """seats: (code, nation, region, {party: votes})."""
    votes = np.zeros((len(seats), len(PARTIES)))
    for i, (_, _, _, v) in enumerate(seats):
        for party, n in v.items():
            votes[i, INDEX[party]] = n
    regions = sorted({s[2] for s in seats})
    return ElectionTable(
        year=year,
        codes=[s[0] for s in seats],
        names=[f"Seat {s[0]}" for s in seats],
        nations=np.array([GB_NATIONS.index(s[1]) for s in seats]),
        regions=np.array([regions.index(s[2]) for s in seats]),
        region_names=regions,
        shares=votes / votes.sum(axis=1, keepdims=True),
        votes=votes,
    )


def small_gb() -> ElectionTable:
    """Six seats: four English (one the Speaker's), one Scottish, one Welsh."""
    return table(
        [
            ("E1", "England", "London", {"CON": 400, "LAB": 450, "LD": 100, "GRN": 50}),
            ("E2", "England", "London", {"CON": 550, "LAB": 300, "LD": 150}),
            ("E3", "England", "South East", {"CON": 300, "LAB": 150, "LD": 500, "UKIP": 50}),
            ("E4", "England", "South East", {"SPK": 600, "UKIP": 150, "GRN": 100, "OTH": 150}),
            ("S1", "Scotland", "Scotland", {"CON": 200, "LAB": 400, "LD": 100, "SNP": 300}),
            ("W1", "Wales", "Wales", {"CON": 300, "LAB": 450, "LD": 50, "PC": 200}),
        ]
    )
