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
