"""`groundswell bench imports`: the ONS Postcode Directory and people CSV importers, end to end."""

from __future__ import annotations

from groundswell.geography.bench import bench_postcode_import
from groundswell.people.bench import bench_people_import

DEFAULT_POSTCODES = 1_000_000
DEFAULT_PEOPLE = 100_000


def run(size: int | None = None, progress: bool = True) -> dict:
    """`size` shrinks both problems: postcodes = size, people = size // 10."""
    postcodes = size or DEFAULT_POSTCODES
    people = max(1, (size // 10) if size else DEFAULT_PEOPLE)
    result: dict = {}
    result.update(bench_postcode_import(postcodes, progress=progress))
    result.update(bench_people_import(people, progress=progress))
    return result
