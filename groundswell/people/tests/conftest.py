from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.models import Role
from groundswell.people.models import OrganisationUnit

from .factories import UnitFactory, user_with_role


@pytest.fixture
def branch_unit(db) -> OrganisationUnit:
    clp = UnitFactory(code="CLP-X", name="Test CLP", kind=OrganisationUnit.Kind.CONSTITUENCY)
    return UnitFactory(code="BR-X", name="Test branch", kind=OrganisationUnit.Kind.BRANCH, parent=clp)


@pytest.fixture
def organiser(client, branch_unit):
    """An organiser of the branch's constituency party, signed in with two-factor set up."""
    user = user_with_role(Role.ORGANISER, branch_unit.parent)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return user
