"""The planner suggests candidate stops from targeting: target and marginal seats nearest the route."""

from __future__ import annotations

import pytest

from groundswell.targeting.models import Projection
from groundswell.tours import selectors, services

from .world import BERKSHIRE, build_world, seat_index

pytestmark = pytest.mark.django_db


def _seat(name: str, p_lab: float, held: str) -> dict:
    return {"name": name, "nation": "England", "winner": "LAB" if p_lab > 0.5 else "CON", "held": held,
            "shares": {"LAB": 0.4, "CON": 0.38}, "p_win": {"LAB": p_lab, "CON": 1 - p_lab}}  # fmt: skip


def test_target_seats_nearest_the_route_are_suggested_with_their_headroom():
    w = build_world()
    seats = {
        BERKSHIRE["EARLEY"]: _seat("Earley and Woodley", 0.55, "CON"),  # attack, beside the M4
        BERKSHIRE["NEWBURY"]: _seat("Newbury", 0.45, "CON"),  # attack, on the M4
        BERKSHIRE["SLOUGH"]: _seat("Slough", 0.97, "LAB"),  # safe: never suggested
    }
    Projection.objects.create(base_year=2024, method="model", sims=10, seed=1, totals={}, seats=seats,
                              inputs={"gb": {"LAB": 0.35}, "nations": {}, "boundary_set": "2024"})  # fmt: skip
    services.plan_day(actor=w.organiser, day=w.day, index=seat_index())
    found = selectors.suggest_stops(w.day)
    assert [s.name for s in found] == ["Earley and Woodley", "Newbury"] or {s.name for s in found} == {
        "Earley and Woodley", "Newbury"}  # fmt: skip
    earley = next(s for s in found if s.name == "Earley and Woodley")
    assert earley.candidacy == w.earley and earley.headroom > 0 and earley.km_from_route < 10
