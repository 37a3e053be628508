"""`groundswell bench postcodes`: every GB postcode (OS Code-Point Open) imported and placed in the constituencies of
both boundary sets (2010 and 2024), then 10,000 random postcode lookups.

Without `--file` it runs on the Code-Point file shipped in data/ (the Reading area, 22,833 postcodes) and says so;
the all-GB file (1.68 million postcodes) is read from the path given with `--file`, gzipped or not.
"""

from __future__ import annotations

from pathlib import Path

from groundswell.geography.bench import DEFAULT_LOOKUPS, bench_codepoint_import

# Shown when --file names no file (`groundswell bench` then reports the run as skipped).
FILE_HINT = (
    "--file wants OS Code-Point Open as a CSV with latitude and longitude (postcode,latitude,longitude,eastings,"
    "northings,...; .csv or .csv.gz), such as gb_codepoint_open_2014_latlon.csv.gz; without --file the bench uses "
    "the Reading sample shipped in data/postcodes."
)


def run(size: int | None = None, progress: bool = True, file: str | None = None) -> dict:
    """`size`: how many random lookups to time (default 10,000). `file`: a Code-Point Open CSV instead of the sample."""
    return bench_codepoint_import(Path(file) if file else None, lookups=size or DEFAULT_LOOKUPS, progress=progress)
