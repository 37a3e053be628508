"""Population overlaps between constituencies of two boundary sets: importing mySociety's tables, and asking
which new seats an old one became (`successors`) or which old seats a new one was made from (`predecessors`).

mySociety publishes the overlap both ways (2010 → 2024 and 2024 → 2010). Each file leaves out some small
overlaps the other has (20 pairs are only in the 2024 → 2010 table), so the importer reads both and keeps the
union. Their `original_pop` also counts a few people (up to 3% of a coastal seat) in no overlap at all, and is 0
for two Northern Ireland seats, so shares are each overlap's population over the sum of that seat's overlaps:
shares then sum to one per seat, and votes carried through them are neither lost nor made up.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import ConstituencyOverlap

FROM_SET = "2010"
TO_SET = "2024"
# The columns mySociety's tables name the seats by, in either direction.
FROM_COLUMN = "PARL10"
TO_COLUMN = "PCON24CD"
POPULATION_COLUMN = "overlap_pop"


class OverlapImportError(ValueError):
    pass


def shipped_overlap_files() -> list[Path]:
    """The two tables shipped in data/lookups/ (settings.DATA_DIR)."""
    folder = Path(settings.DATA_DIR) / "lookups"
    return [folder / "pcon10_to_pcon24_population_overlap.csv", folder / "pcon24_to_pcon10_population_overlap.csv"]


@dataclass
class OverlapReport:
    pairs: int = 0
    from_seats: int = 0
    to_seats: int = 0
    empty: int = 0  # pairs with no population in common (area only), not stored
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Imported {self.pairs} overlaps between {self.from_seats} {FROM_SET}-set and {self.to_seats} "
            f"{TO_SET}-set constituencies from {', '.join(self.files)}"
            + (f"; {self.empty} pairs with no population in common left out" if self.empty else "")
            + "."
        )


def _read_text(path: Path) -> str:
    if not path.exists():
        raise OverlapImportError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OverlapImportError(f"{path.name} line {line}: not UTF-8 text") from None


def parse_overlaps(text: str, name: str = "file") -> dict[tuple[str, str], float]:
    """One table → {(2010 code, 2024 code): people in both}; errors name the file and line."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in (FROM_COLUMN, TO_COLUMN, POPULATION_COLUMN) if c not in header]
    if missing:
        raise OverlapImportError(f"{name} line 1: no {', '.join(missing)} column (columns: {', '.join(header)})")
    i_from, i_to, i_pop = (header.index(c) for c in (FROM_COLUMN, TO_COLUMN, POPULATION_COLUMN))
    pairs: dict[tuple[str, str], float] = {}
    first_line: dict[tuple[str, str], int] = {}
    for line, row in enumerate(reader, start=2):
        if not "".join(row).strip():
            continue
        if len(row) < len(header):
            raise OverlapImportError(f"{name} line {line}: {len(row)} fields, the header has {len(header)}")
        old, new, text_pop = row[i_from].strip().upper(), row[i_to].strip().upper(), row[i_pop].strip()
        if not old or not new:
            raise OverlapImportError(f"{name} line {line}: a constituency code is blank")
        try:
            population = float(text_pop)
        except ValueError:
            raise OverlapImportError(f"{name} line {line}: {POPULATION_COLUMN} {text_pop!r} is not a number") from None
        if not math.isfinite(population) or population < 0:
            raise OverlapImportError(f"{name} line {line}: {POPULATION_COLUMN} {text_pop!r} is not a population")
        if (old, new) in pairs:
            raise OverlapImportError(
                f"{name} line {line}: {old} → {new} is listed twice (first on line {first_line[(old, new)]})"
            )
        pairs[(old, new)] = population
        first_line[(old, new)] = line
    if not pairs:
        raise OverlapImportError(f"{name}: no overlaps in the file")
    return pairs


def combine(tables: Sequence[tuple[str, dict[tuple[str, str], float]]]) -> tuple[list[ConstituencyOverlap], int]:
    """The union of the tables' pairs as unsaved rows with shares, and how many pairs had no population.

    A pair in two tables must have the same population in both (to the person), or the tables disagree."""
    merged: dict[tuple[str, str], float] = {}
    seen_in: dict[tuple[str, str], str] = {}
    for name, pairs in tables:
        for pair, population in pairs.items():
            if pair in merged and abs(merged[pair] - population) > 1:
                raise OverlapImportError(
                    f"{name}: {pair[0]} → {pair[1]} has population {population:.0f}, "
                    f"but {seen_in[pair]} says {merged[pair]:.0f}"
                )
            merged.setdefault(pair, population)
            seen_in.setdefault(pair, name)
    empty = sum(1 for v in merged.values() if v <= 0)
    kept = {pair: v for pair, v in merged.items() if v > 0}
    from_total: dict[str, float] = defaultdict(float)
    to_total: dict[str, float] = defaultdict(float)
    for (old, new), population in kept.items():
        from_total[old] += population
        to_total[new] += population
    rows = [
        ConstituencyOverlap(
            from_set=FROM_SET,
            from_code=old,
            to_set=TO_SET,
            to_code=new,
            population=round(population, 2),
            share_of_from=population / from_total[old],
            share_of_to=population / to_total[new],
            source=", ".join(name for name, _ in tables),
        )
        for (old, new), population in sorted(kept.items())
    ]
    return rows, empty


def read_overlaps(paths: Iterable[Path | str] | None = None) -> tuple[list[ConstituencyOverlap], OverlapReport]:
    """Parse and combine overlap tables (both shipped ones by default) into unsaved rows; nothing is written."""
    files = [Path(p) for p in (paths or shipped_overlap_files())]
    tables = [(path.name, parse_overlaps(_read_text(path), path.name)) for path in files]
    rows, empty = combine(tables)
    return rows, OverlapReport(
        pairs=len(rows),
        from_seats=len({r.from_code for r in rows}),
        to_seats=len({r.to_code for r in rows}),
        empty=empty,
        files=[path.name for path in files],
    )


def save_overlaps(rows: list[ConstituencyOverlap]) -> None:
    """Replace the stored 2010 → 2024 overlaps with `rows` (call inside the caller's transaction)."""
    ConstituencyOverlap.objects.filter(from_set=FROM_SET, to_set=TO_SET).delete()
    ConstituencyOverlap.objects.bulk_create(rows, batch_size=1000)


def import_overlaps(paths: Iterable[Path | str] | None = None) -> OverlapReport:
    """Replace the 2010 → 2024 overlaps with those in `paths` (both shipped tables by default); all or nothing."""
    rows, report = read_overlaps(paths)
    with transaction.atomic():
        save_overlaps(rows)
    return report


def successors(code: str, from_set: str = FROM_SET, to_set: str = TO_SET) -> list[ConstituencyOverlap]:
    """The seats of `to_set` that an old seat's people now live in, largest share of the old seat first."""
    return list(
        ConstituencyOverlap.objects.filter(from_set=from_set, from_code=code.upper(), to_set=to_set).order_by(
            "-share_of_from", "to_code"
        )
    )


def predecessors(code: str, to_set: str = TO_SET, from_set: str = FROM_SET) -> list[ConstituencyOverlap]:
    """The seats of `from_set` a new seat's people lived in, largest share of the new seat first."""
    return list(
        ConstituencyOverlap.objects.filter(to_set=to_set, to_code=code.upper(), from_set=from_set).order_by(
            "-share_of_to", "from_code"
        )
    )


def share_table(rows: Iterable[ConstituencyOverlap] | None = None) -> dict[str, list[tuple[str, float]]]:
    """{old code: [(new code, share of the old seat's population), …]} for carrying results across sets, from
    `rows` (saved or not) or the stored 2010 → 2024 overlaps."""
    if rows is None:
        rows = ConstituencyOverlap.objects.filter(from_set=FROM_SET, to_set=TO_SET)
    table: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for o in rows:
        table[o.from_code].append((o.to_code, o.share_of_from))
    return dict(table)
