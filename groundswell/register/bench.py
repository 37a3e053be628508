"""`groundswell bench register`: a synthetic Xpress full register and a monthly update, imported end to end."""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time

from groundswell.geography.models import Constituency
from groundswell.geography.selectors import current_boundary_set

from .importing import import_register
from .models import Elector
from .synthetic import XPRESS_FULL_14, synthetic_electors, synthetic_properties, write_synthetic_update, xpress_full_row

DEFAULT_ELECTORS = 75_000
UPDATE_CHANGES = 2_000
BENCH_CONSTITUENCY = ("E14000889", "Reading East")


def _write_full(path: str, electors: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\r\n")
        writer.writerow(XPRESS_FULL_14)
        writer.writerows(xpress_full_row(e) for e in electors)


def run(size: int | None = None, progress: bool = True) -> dict:
    """Import `size` (default 75,000) electors as a full register, then a 2,000-change update (size/37 when small)."""
    n = size or DEFAULT_ELECTORS
    changes = min(UPDATE_CHANGES, max(10, n // 37))
    constituency, _ = Constituency.objects.get_or_create(
        boundary_set_id=current_boundary_set(), code=BENCH_CONSTITUENCY[0], defaults={"name": BENCH_CONSTITUENCY[1]}
    )
    Elector.objects.filter(constituency=constituency).delete()
    properties = synthetic_properties(max(1, round(n / 2.1)), seed=random.Random(n).randint(1, 1000))
    electors = synthetic_electors(properties, n, seed=7)
    directory = tempfile.mkdtemp(prefix="gsbench-register-")
    full_path = os.path.join(directory, "register.tsv")
    update_path = os.path.join(directory, "update.tsv")
    try:
        _write_full(full_path, electors)
        started = time.perf_counter()
        full = import_register(full_path, constituency, progress=progress)
        full_s = time.perf_counter() - started
        if full.errors or full.created != len(electors):
            raise RuntimeError(f"full import created {full.created} of {len(electors)}: {full.errors[:5]}")
        counts = write_synthetic_update(update_path, electors, changes)
        started = time.perf_counter()
        update = import_register(update_path, constituency, progress=progress)
        update_s = time.perf_counter() - started
        if update.errors:
            raise RuntimeError(f"update failed: {update.errors[:5]}")
    finally:
        for path in (full_path, update_path):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(directory)
    return {
        "electors": len(electors),
        "households": full.households,
        "register_import_s": round(full_s, 3),
        "electors_per_s": round(len(electors) / full_s, 1) if full_s else None,
        "update_changes": changes,
        "update_s": round(update_s, 3),
        "update_created": update.created + update.reactivated,
        "update_amended": update.amended,
        "update_deleted": update.deleted,
        "update_planned": counts,
    }
