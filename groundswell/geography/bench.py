"""Benchmarks of the postcode imports: the ONS Postcode Directory (with the synthetic-file generator it and the tests
use) and Code-Point Open placed in both boundary sets with timed lookups (`groundswell bench postcodes`)."""

from __future__ import annotations

import csv
import gc
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from django.conf import settings

from . import lookup
from .boundaries import import_boundaries
from .lookup import lookup_postcode
from .models import Postcode
from .onspd import import_postcodes

# The 53 columns of the 2025 ONSPD release, in file order.
ONSPD_2025_COLUMNS: list[str] = (
    "pcd7 pcd8 pcds dointr doterm cty25cd ced25cd lad25cd wd25cd parncp25cd usrtypind east1m north1m gridind "
    "hlth19cd nhser24cd ctry25cd rgn25cd ssr95cd pcon24cd eer20cd educ23cd ttwa15cd pco19cd itl25cd wdstl05cd "
    "oa01cd wdcas03cd npark16cd lsoa01cd msoa01cd ruc01ind oac01ind oa11cd lsoa11cd msoa11cd wz11cd bua24cd "
    "ruc11ind oac11ind lat long lep21cd1 lep21cd2 pfa23cd imd20ind cal24cd oa21cd lsoa21cd msoa21cd ruc21ind "
    "icb23cd sicbl24cd"
).split()

# Real postcode areas, so generated outward codes look like the real thing.
_AREAS = (
    "RG SW SE N NW E W EC WC B M L LS S BS CF EH G AB BT CB OX GU SO PO BN TN ME CT DA BR CR KT SM TW UB HA EN IG RM "
    "SL HP LU AL SG CM SS CO IP NR PE NN MK CV LE NG DE ST WS WV DY WR HR GL SN BA TA EX PL TR TQ DT BH SP"
).split()
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters Royal Mail uses in the inward code


def synthetic_postcodes(count: int) -> Iterator[str]:
    """`count` distinct, valid-format postcodes in display form, e.g. 'RG1 0AA'."""
    made = 0
    for district in range(1, 100):
        for area in _AREAS:
            for sector in range(10):
                for first in _UNIT_LETTERS:
                    for second in _UNIT_LETTERS:
                        if made == count:
                            return
                        yield f"{area}{district} {sector}{first}{second}"
                        made += 1
    raise ValueError(f"cannot make {count} distinct postcodes")


def onspd_2025_row(postcode: str, rng: random.Random) -> dict[str, str]:
    """One realistic 2025-layout row for `postcode` (codes are well-formed but made up)."""
    outward, inward = postcode.split()
    nation = rng.choices("ESWN", weights=(84, 8, 5, 3))[0]
    missing = rng.random() < 0.005  # a few postcodes have no grid reference in the real file
    lat = 99.999999 if missing else rng.uniform(50.0, 58.6)
    lon = 0.0 if missing else rng.uniform(-5.7, 1.7)
    country = {"E": "E92000001", "S": "S92000003", "W": "W92000004", "N": "N92000002"}[nation]
    row = {column: "" for column in ONSPD_2025_COLUMNS}
    row.update(
        {
            "pcd7": f"{outward:<4}{inward}" if len(outward) <= 4 else outward + inward,
            "pcd8": f"{outward:<5}{inward}",
            "pcds": postcode,
            "dointr": f"{rng.randint(1980, 2024)}{rng.randint(1, 12):02d}",
            "doterm": f"{rng.randint(2000, 2025)}{rng.randint(1, 12):02d}" if rng.random() < 0.1 else "",
            "cty25cd": f"{nation}99999999",
            "ced25cd": f"{nation}99999999",
            "lad25cd": f"{nation}0{rng.randint(6000001, 6000099)}",
            "wd25cd": f"{nation}05{rng.randint(0, 999999):06d}",
            "parncp25cd": f"{nation}43000{rng.randint(100, 999)}",
            "usrtypind": str(rng.choice((0, 0, 0, 1))),
            "east1m": "" if missing else str(rng.randint(100000, 650000)),
            "north1m": "" if missing else str(rng.randint(10000, 1200000)),
            "gridind": "9" if missing else "1",
            "hlth19cd": f"{nation}18000{rng.randint(1, 99):03d}",
            "nhser24cd": f"{nation}40000{rng.randint(1, 9):03d}",
            "ctry25cd": country,
            "rgn25cd": f"{nation}1200000{rng.randint(1, 9)}" if nation == "E" else f"{nation}99999999",
            "ssr95cd": f"{rng.randint(1, 12):02d}",
            "pcon24cd": f"{nation}14001{rng.randint(0, 650):03d}",
            "eer20cd": f"{nation}15000{rng.randint(1, 12):03d}",
            "educ23cd": f"{nation}09000{rng.randint(1, 200):03d}",
            "ttwa15cd": f"{nation}30000{rng.randint(1, 230):03d}",
            "pco19cd": f"{nation}16000{rng.randint(1, 150):03d}",
            "itl25cd": f"TL{rng.choice('CDEFGHIJK')}{rng.randint(11, 99)}",
            "wdstl05cd": f"{nation}36{rng.randint(0, 9999999):07d}",
            "oa01cd": f"{nation}00{rng.randint(0, 9999999):07d}",
            "wdcas03cd": f"{nation}05{rng.randint(0, 999999):06d}",
            "npark16cd": f"{nation}99999999",
            "lsoa01cd": f"{nation}01{rng.randint(0, 9999999):07d}",
            "msoa01cd": f"{nation}02{rng.randint(0, 9999999):07d}",
            "ruc01ind": rng.choice("ABCDEFGH"),
            "oac01ind": f"{rng.randint(1, 7)}{rng.choice('ABC')}{rng.randint(1, 4)}",
            "oa11cd": f"{nation}00{rng.randint(0, 9999999):07d}",
            "lsoa11cd": f"{nation}01{rng.randint(0, 9999999):07d}",
            "msoa11cd": f"{nation}02{rng.randint(0, 9999999):07d}",
            "wz11cd": f"{nation}33{rng.randint(0, 9999999):07d}",
            "bua24cd": f"{nation}63{rng.randint(0, 9999999):07d}",
            "ruc11ind": rng.choice(("A1", "B1", "C1", "D1", "E1", "F1")),
            "oac11ind": f"{rng.randint(1, 8)}{rng.choice('abcd')}{rng.randint(1, 3)}",
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "lep21cd1": f"{nation}37000{rng.randint(1, 38):03d}",
            "lep21cd2": "",
            "pfa23cd": f"{nation}23000{rng.randint(1, 50):03d}",
            "imd20ind": str(rng.randint(1, 32844)),
            "cal24cd": f"{nation}47000{rng.randint(1, 90):03d}",
            "oa21cd": f"{nation}00{rng.randint(0, 9999999):07d}",
            "lsoa21cd": f"{nation}01{rng.randint(0, 9999999):07d}",
            "msoa21cd": f"{nation}02{rng.randint(0, 9999999):07d}",
            "ruc21ind": rng.choice(("UN1", "UF1", "RSN1", "RLF1")),
            "icb23cd": f"{nation}54000{rng.randint(1, 42):03d}",
            "sicbl24cd": f"{nation}38000{rng.randint(1, 200):03d}",
        }
    )
    return row


def write_synthetic_onspd(path: Path, rows: int, seed: int = 2025) -> None:
    """Write a synthetic ONSPD CSV in the 2025 53-column layout (with the BOM ONS files carry).

    Generating every field of a million rows with `random` would take longer than importing them, so
    the slow-changing columns come from a pool of ready-made rows; postcode and position vary per row.
    """
    rng = random.Random(seed)
    pool = [onspd_2025_row("RG1 0AA", rng) for _ in range(997)]
    columns = ONSPD_2025_COLUMNS
    pcd7, pcd8, pcds, lat, lon = (columns.index(c) for c in ("pcd7", "pcd8", "pcds", "lat", "long"))
    templates = [[row[c] for c in columns] for row in pool]
    uniform = rng.uniform
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for number, postcode in enumerate(synthetic_postcodes(rows)):
            row = templates[number % len(templates)].copy()
            outward, inward = postcode.split()
            row[pcd7] = f"{outward:<4}{inward}" if len(outward) <= 4 else outward + inward
            row[pcd8] = f"{outward:<5}{inward}"
            row[pcds] = postcode
            if row[lat] != "99.999999":
                row[lat] = f"{uniform(50.0, 58.6):.6f}"
                row[lon] = f"{uniform(-5.7, 1.7):.6f}"
            writer.writerow(row)


def bench_postcode_import(rows: int, progress: bool = True) -> dict:
    """Time `import_postcodes` (what `groundswell import_postcodes` runs) on `rows` synthetic 2025-layout rows."""
    directory = tempfile.mkdtemp(prefix="gsbench-onspd-")
    path = Path(directory) / "onspd_synthetic_2025.csv"
    try:
        generate_started = time.perf_counter()
        write_synthetic_onspd(path, rows)
        generate_s = time.perf_counter() - generate_started
        size_mb = path.stat().st_size / 1e6
        report = import_postcodes(path, progress=progress)
    finally:
        if path.exists():
            os.remove(path)
        os.rmdir(directory)
    if report.rows != rows or report.inserted != rows:
        raise RuntimeError(f"imported {report.rows} rows ({report.inserted} new) of {rows} generated postcodes")
    return {
        "postcodes": rows,
        "postcodes_s": round(report.seconds, 3),
        "postcodes_per_s": round(rows / report.seconds) if report.seconds else None,
        "postcodes_file_mb": round(size_mb, 1),
        "postcodes_generate_s": round(generate_s, 3),
    }


def bench_postcode_file_import(path: Path, progress: bool = True) -> dict:
    """Time `import_postcodes` on a real ONS Postcode Directory CSV the user downloaded (not shipped: over 1 GB)."""
    report = import_postcodes(path, progress=progress)
    return {
        "postcodes_file": path.name,
        "postcodes": report.rows,
        "postcodes_s": round(report.seconds, 3),
        "postcodes_per_s": round(report.rows / report.seconds) if report.seconds else None,
        "postcodes_file_mb": round(path.stat().st_size / 1e6, 1),
    }


# The two national boundary files `bench postcodes` places every postcode in (data/boundaries).
BOUNDARY_FILES = {"2010": "gb_westminster_2010_topo.json", "2024": "uk_westminster_2024_bgc.topojson"}
SHIPPED_CODEPOINT = "postcodes/rg_codepoint_open_2014_latlon.csv"  # the Reading (RG) area, under data/
DEFAULT_LOOKUPS = 10_000


def import_national_boundaries(directory: Path, progress: bool = False) -> None:
    """Import both national constituency sets (BOUNDARY_FILES) from `directory` (the importer repairs the 2024
    file's invalid polygons and collapsed rings itself)."""
    for name, filename in BOUNDARY_FILES.items():
        import_boundaries(directory / filename, "constituency", boundary_set=name, progress=progress)


def bench_codepoint_import(path: Path | None, lookups: int = DEFAULT_LOOKUPS, progress: bool = True) -> dict:
    """Import a Code-Point Open file and place every postcode in both boundary sets, then time random lookups.

    The boundaries (both national sets) are imported first and timed apart: `import_s` is what
    `groundswell import_postcodes FILE` takes once they are loaded. `path` None: the shipped RG file.
    """
    data = Path(settings.DATA_DIR)
    figures: dict = {}
    if path is None:
        path = data / SHIPPED_CODEPOINT
        figures["note"] = (
            f"no --file: the shipped {path.name} (the Reading area only); give --file with the all-GB Code-Point "
            "Open CSV (.csv.gz is fine) to time every GB postcode"
        )
    started = time.perf_counter()
    import_national_boundaries(data / "boundaries", progress=progress)
    figures["boundaries_s"] = round(time.perf_counter() - started, 3)
    lookup.get_index()  # the trees are built once per process; the import below and the lookups share them
    report = import_postcodes(path, progress=progress)
    if report.layout != "Code-Point Open":
        raise RuntimeError(f"{path.name} is not a Code-Point Open file (it was read as {report.layout})")
    figures.update(
        {
            "file": path.name,
            "postcodes": report.rows,
            "import_s": round(report.seconds, 3),
            "parse_s": round(report.parse_s, 3),
            "assign_s": round(report.assign_s, 3),
            "write_s": round(report.write_s, 3),
            "rows_per_s": round(report.rows_per_second),
            "without_coordinates": report.missing_coordinates,
            **{f"outside_{name}": count for name, count in report.outside.items()},
            **{f"snapped_{name}": count for name, count in report.snapped.items()},
        }
    )
    figures.update(_time_lookups(lookups))
    return figures


def _time_lookups(count: int) -> dict:
    """`count` lookups of postcodes drawn at random from the table, each timed as `groundswell lookup` runs it."""
    postcodes = list(Postcode.objects.values_list("postcode", flat=True))
    rng = random.Random(16)
    sample = [rng.choice(postcodes) for _ in range(count)] if postcodes else []
    # A 1.7-million-item list is what a full garbage collection would walk in the middle of a lookup: a real
    # server process holds no such thing, so neither does the timed loop.
    del postcodes
    gc.collect()
    timings, cpu = [], []
    unplaced = 0
    for postcode in sample:
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = lookup_postcode(postcode)
        timings.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        unplaced += result.constituency_code_2024 is None and result.lat is not None
    if not timings:
        return {"lookups": 0}
    ms, cpu_ms = np.array(timings) * 1000, np.array(cpu) * 1000
    return {
        "lookups": len(timings),
        "lookup_p50_ms": round(float(np.percentile(ms, 50)), 3),
        "lookup_p99_ms": round(float(np.percentile(ms, 99)), 3),
        "lookup_max_ms": round(float(ms.max()), 3),
        # This process's own CPU time per lookup: the wall-clock p99 less waiting for a core (the machine is
        # shared) and, on PostgreSQL, the server's share.
        "lookup_p99_cpu_ms": round(float(np.percentile(cpu_ms, 99)), 3),
        "lookups_without_2024_seat": unplaced,
    }
