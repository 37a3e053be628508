"""Register test fixtures: a constituency (and a neighbour), two loaded postcodes, a small loaded register."""

from __future__ import annotations

import io

import pytest

from groundswell.geography.models import Constituency, Postcode
from groundswell.register.importing import import_register

from .layouts import SMALL_REGISTER


@pytest.fixture
def constituency(db) -> Constituency:
    return Constituency.objects.create(code="E14000889", name="Reading East")


@pytest.fixture
def other_constituency(db) -> Constituency:
    return Constituency.objects.create(code="E14000890", name="Reading West")


@pytest.fixture
def postcodes(db) -> None:
    Postcode.objects.bulk_create(
        [
            Postcode(
                postcode="RG1 1AA",
                latitude=51.45,
                longitude=-0.97,
                constituency_code="E14000889",
                local_authority_code="E06000038",
            ),
            Postcode(
                postcode="RG1 2BB",
                latitude=51.46,
                longitude=-0.96,
                constituency_code="E14000889",
                local_authority_code="E06000038",
            ),
        ]
    )


@pytest.fixture
def small_register(constituency, postcodes) -> Constituency:
    """The constituency with layouts.SMALL_REGISTER imported."""
    report = import_register(io.BytesIO(SMALL_REGISTER.encode()), constituency, filename="full.tsv")
    assert report.ok and report.written, report.errors
    return constituency
