"""The demo's dues for Reading East: most in good standing, some in arrears, a few lapsed, two memberships paid
from one third party's bank account; built once."""

from __future__ import annotations

from collections import Counter

import pytest

from groundswell.accounts.models import Role
from groundswell.dues import selectors, services
from groundswell.dues.demo import GROUPS, build_dues_demo
from groundswell.dues.models import Arrangement
from groundswell.people.models import Membership
from groundswell.tests.factories import MembershipFactory, PersonFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_dues_have_good_arrears_lapsed_and_a_shared_payer_and_are_built_once():
    national = UnitFactory(code="NATIONAL", kind="national", name="National")
    clp = UnitFactory(code="CLP-E14000889", kind="constituency", name="Reading East CLP", parent=national)
    user_with_role(Role.TREASURER, national, email="treasurer@example.org")
    for _ in range(sum(GROUPS.values()) + 3):
        MembershipFactory(person=PersonFactory(unit=clp, synthetic=True))
    assert build_dues_demo() == sum(GROUPS.values())
    managed = list(services.managed_memberships())
    counts = Counter(s.status for s in selectors.standings(managed).values())
    assert counts["good"] >= GROUPS["good"] and counts["arrears"] >= 5 and counts["lapsed"] == GROUPS["lapsed"]
    sources = selectors.payment_sources(managed)
    shared = [fp for fp, n in Counter(s.fingerprint for s in sources.values() if s.fingerprint).items() if n > 1]
    assert len(shared) == 1
    third = [s for s in sources.values() if s.fingerprint == shared[0]]
    assert all(not s.payer_is_member for s in third) and len({s.payer_person_id for s in third}) == 1
    assert Membership.objects.filter(status="lapsed").count() >= GROUPS["lapsed"]
    before = Arrangement.objects.count()
    assert build_dues_demo() == 0 and Arrangement.objects.count() == before
