from __future__ import annotations

import pytest

from groundswell.people.models import OrganisationUnit

from .factories import UnitFactory


@pytest.fixture
def branch_unit(db) -> OrganisationUnit:
    clp = UnitFactory(code="CLP-X", name="Test CLP", kind=OrganisationUnit.Kind.CONSTITUENCY)
    return UnitFactory(code="BR-X", name="Test branch", kind=OrganisationUnit.Kind.BRANCH, parent=clp)
