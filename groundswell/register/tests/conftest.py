"""Register test fixtures: a constituency (and a neighbour) and two loaded postcodes."""

from __future__ import annotations

import pytest

from groundswell.geography.models import Constituency, Postcode


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
