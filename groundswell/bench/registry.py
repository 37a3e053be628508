"""Benchmarks by name. Each is a function (size: int | None, progress: bool) -> dict of figures.

Apps register theirs here lazily (by dotted path) so `groundswell bench NAME` stays one command.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

BENCHES: dict[str, str] = {
    "imports": "groundswell.bench.benches.imports:run",
    "postcodes": "groundswell.bench.benches.postcodes:run",
    "register": "groundswell.register.bench:run",
    "walks": "groundswell.canvassing.walks.bench:run",
    "telling": "groundswell.gotv.bench:run",
    "phonebank": "groundswell.phonebank.bench:run",
    "targeting": "groundswell.targeting.bench:run",
    "email": "groundswell.messaging.bench:run",
    "surveys": "groundswell.surveys.bench:run",
    "events": "groundswell.events.bench:run",
    "spending": "groundswell.spending.bench:run",
    "backup": "groundswell.ops.bench:run",
    "complaints": "groundswell.complaints.bench:run",
    "ballots": "groundswell.ballots.bench:run",
    "selections": "groundswell.selections.bench:run",
    "dues": "groundswell.dues.bench:run",
}


def get_bench(name: str) -> Callable[..., dict]:
    if name not in BENCHES:
        raise KeyError(name)
    module, func = BENCHES[name].split(":")
    return getattr(import_module(module), func)
