"""The demo's targeting data: past results (the engine's, and the seat pages' on both boundary sets with the
notionals and overlaps) loaded, and one projection to show (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

from .engine import Inputs
from .hoc_results import load_seat_results, seat_results_loaded
from .models import Projection
from .results import engine_results_loaded, ensure_results
from .services import run_projection, save_projection

# Illustrative shares for the demo's projection (not a forecast): Labour ahead, Reform (UKIP's successor) third.
DEMO_SHARES = {"CON": 0.27, "LAB": 0.36, "LD": 0.13, "UKIP": 0.14, "GRN": 0.06, "SNP": 0.03, "PC": 0.01}
DEMO_LABEL = "Demo projection (illustrative shares)"


def build_targeting(say: Callable[[str], None], sims: int = 2000) -> None:
    if not engine_results_loaded() or not seat_results_loaded():
        say(
            "Loading past general election results: 1997–2019 for projections, 2010–2024 and the notionals on "
            "the 2024 boundaries for the seat pages."
        )
        ensure_results()
        if not seat_results_loaded():
            load_seat_results()
    if not Projection.objects.filter(label=DEMO_LABEL).exists():
        inputs = Inputs(DEMO_SHARES)
        sim = run_projection(2019, inputs, "model", sims=sims, seed=2026)
        save_projection(sim, 2019, inputs, "model", label=DEMO_LABEL)
        say(f"Saved a demo seat projection ({sims} simulations).")
