"""`groundswell bench imports`: the ONS Postcode Directory and people CSV importers, end to end.

The postcode import runs on a synthetic file in the 2025 ONSPD layout, or with `--file PATH` on a real ONSPD
release the user downloaded (it is over 1 GB, so the repository does not ship it).
"""

from __future__ import annotations

from pathlib import Path

from groundswell.geography.bench import bench_postcode_file_import, bench_postcode_import
from groundswell.people.bench import bench_people_import

DEFAULT_POSTCODES = 1_000_000
DEFAULT_PEOPLE = 100_000
# Shown when --file names no file (`groundswell bench` then reports the run as skipped).
FILE_HINT = (
    "--file wants the ONS Postcode Directory CSV: download the latest release from the ONS Open Geography portal "
    "(https://geoportal.statistics.gov.uk, search 'ONS Postcode Directory'), unzip it and give the path of the "
    "CSV in its Data folder."
)


def run(size: int | None = None, progress: bool = True, file: str | None = None) -> dict:
    """`size` shrinks both problems: postcodes = size, people = size // 10. `file`: a real ONSPD CSV instead."""
    postcodes = size or DEFAULT_POSTCODES
    people = max(1, (size // 10) if size else DEFAULT_PEOPLE)
    result: dict = {}
    if file:
        result.update(bench_postcode_file_import(Path(file), progress=progress))
    else:
        result.update(bench_postcode_import(postcodes, progress=progress))
    result.update(bench_people_import(people, progress=progress))
    return result
