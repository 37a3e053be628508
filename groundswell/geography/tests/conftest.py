"""Fixtures for the geography tests: the real boundary files shipped in data/boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from groundswell.geography import lookup
from groundswell.geography.boundaries import import_boundaries


@pytest.fixture
def boundaries_dir(data_dir: Path) -> Path:
    return data_dir / "boundaries"


@pytest.fixture(autouse=True)
def _fresh_lookup_cache():
    # Each test's transaction is rolled back, but the in-process trees would survive it.
    lookup.invalidate()
    yield
    lookup.invalidate()


@pytest.fixture
def reading(db, boundaries_dir: Path) -> dict:
    """Reading East and West with the wards of Reading and Wokingham (Reading East spans both councils)."""
    return {
        "constituencies": import_boundaries(boundaries_dir / "reading_westminster.geojson", "constituency"),
        "reading_wards": import_boundaries(boundaries_dir / "reading_wards.geojson", "ward"),
        "wokingham_wards": import_boundaries(boundaries_dir / "wokingham_wards.geojson", "ward"),
    }
