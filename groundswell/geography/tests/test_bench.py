"""The postcode-import benchmark runs the real importer on a generated 2025-layout file."""

from __future__ import annotations

import pytest

from groundswell.geography.bench import bench_postcode_import, synthetic_postcodes
from groundswell.geography.models import Postcode
from groundswell.geography.postcodes import normalise_postcode

pytestmark = pytest.mark.django_db


def test_synthetic_postcodes_are_distinct_and_valid():
    postcodes = list(synthetic_postcodes(20_000))
    assert len(set(postcodes)) == 20_000
    assert all(normalise_postcode(p) == p for p in postcodes)


def test_bench_postcode_import():
    figures = bench_postcode_import(500, progress=False)
    assert figures["postcodes"] == 500 == Postcode.objects.count()
    assert figures["postcodes_s"] > 0
    assert figures["postcodes_per_s"] == pytest.approx(500 / figures["postcodes_s"], rel=0.1)
