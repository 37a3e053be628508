"""A saved projection over a few real-looking seats, written directly, for page tests."""

from __future__ import annotations

import json

from groundswell.geography.models import Constituency
from groundswell.targeting.models import Projection


def square(lon: float, lat: float, size: float = 0.05) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


SEATS = [
    # code, name, lon, lat, held, LAB chance, LAB share, CON share
    ("E14000889", "Reading East", -0.95, 51.45, "LAB", 0.62, 0.42, 0.40),
    ("E14000890", "Reading West", -1.05, 51.45, "CON", 0.45, 0.41, 0.43),
    ("E14000530", "Aldershot", -0.77, 51.25, "CON", 0.03, 0.25, 0.55),
    ("E14000531", "Oxford East", -1.22, 51.74, "LAB", 0.97, 0.55, 0.25),
    ("E14000532", "Slough", -0.60, 51.51, "CON", 0.30, 0.38, 0.45),
]


def make_projection(with_boundaries: bool = True) -> Projection:
    seats = {}
    for code, name, lon, lat, held, p_lab, lab, con in SEATS:
        if with_boundaries:
            Constituency.objects.create(code=code, name=name, geometry=square(lon, lat), simplified=square(lon, lat))
        winner = "LAB" if lab > con else "CON"
        seats[code] = {
            "name": name,
            "nation": "England",
            "held": held,
            "winner": winner,
            "shares": {"LAB": lab, "CON": con, "LD": round(1 - lab - con, 2)},
            "p_win": {"LAB": p_lab, "CON": round(1 - p_lab, 4)},
        }
    totals = {
        p: {"point": 0, "mean": 0, "median": 0, "p5": 0, "p25": 0, "p75": 0, "p95": 0}
        for p in ("CON", "LAB", "LD", "SNP", "PC", "GRN", "UKIP", "OTH", "SPK")
    }
    totals["LAB"] = {"point": 3, "mean": 3.0, "median": 3, "p5": 1, "p25": 2, "p75": 3, "p95": 4}
    totals["CON"] = {"point": 2, "mean": 2.0, "median": 2, "p5": 1, "p25": 2, "p75": 3, "p95": 4}
    return Projection.objects.create(
        base_year=2019,
        method="model",
        sims=1000,
        seed=1,
        inputs={"gb": {"LAB": 0.4}, "nations": {}},
        totals=totals,
        seats=seats,
    )


SEATS_2024 = [
    # code, name, lon, lat, held, LAB chance, shares: Reading East's people now live in the first two.
    ("E14001438", "Reading Central", -0.95, 51.45, "LAB", 0.70, {"LAB": 0.45, "CON": 0.30, "GRN": 0.25}),
    ("E14001210", "Earley and Woodley", -0.90, 51.45, "LAB", 0.55, {"LAB": 0.40, "CON": 0.38, "LD": 0.22}),
    ("E14001439", "Reading West and Mid Berkshire", -1.05, 51.45, "LAB", 0.48, {"LAB": 0.39, "CON": 0.40, "LD": 0.21}),
    ("E14001348", "Maidenhead", -0.75, 51.52, "CON", 0.25, {"LAB": 0.30, "CON": 0.45, "LD": 0.25}),
    ("E14001593", "Wokingham", -0.85, 51.35, "LD", 0.04, {"LAB": 0.15, "CON": 0.35, "LD": 0.50}),
    ("E14001477", "Slough", -0.60, 51.51, "LAB", 0.95, {"LAB": 0.50, "CON": 0.20, "OTH": 0.30}),
]


def make_projection_2024(with_boundaries: bool = True, held: bool = True) -> Projection:
    """A projection on the 2024 set, as `save_projection` records one (`inputs["boundary_set"]`), over six
    Berkshire seats; their outlines are squares (a seat already loaded, e.g. for the hex map, gets the square)."""
    seats = {}
    for code, name, lon, lat, holder, p_lab, shares in SEATS_2024:
        if with_boundaries:
            Constituency.objects.update_or_create(
                boundary_set_id="2024",
                code=code,
                defaults={"name": name, "geometry": square(lon, lat), "simplified": square(lon, lat)},
            )
        winner = max(shares, key=shares.get)
        p_win = {"LAB": p_lab, winner: round(1 - p_lab, 4)} if winner != "LAB" else {"LAB": p_lab, "CON": 1 - p_lab}
        seats[code] = {
            "name": name,
            "nation": "England",
            "winner": winner,
            "shares": shares,
            "p_win": p_win,
            **({"held": holder} if held else {}),
        }
    totals = {
        p: {"point": 0, "mean": 0, "median": 0, "p5": 0, "p25": 0, "p75": 0, "p95": 0}
        for p in ("CON", "LAB", "LD", "SNP", "PC", "GRN", "UKIP", "OTH", "SPK")
    }
    totals["LAB"] = {"point": 3, "mean": 3.2, "median": 3, "p5": 2, "p25": 3, "p75": 4, "p95": 5}
    totals["CON"] = {"point": 2, "mean": 1.9, "median": 2, "p5": 1, "p25": 1, "p75": 2, "p95": 3}
    totals["LD"] = {"point": 1, "mean": 0.9, "median": 1, "p5": 0, "p25": 1, "p75": 1, "p95": 1}
    return Projection.objects.create(
        base_year=2024,
        method="model",
        sims=1000,
        seed=1,
        inputs={"gb": {"LAB": 0.35}, "nations": {}, "boundary_set": "2024"},
        totals=totals,
        seats=seats,
    )
