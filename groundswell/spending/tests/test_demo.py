"""The demo's ledger for Reading East: a realistic mix, a return to download; built once."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.geography.models import Constituency
from groundswell.spending.demo import build_spending_demo
from groundswell.spending.models import SpendingItem
from groundswell.spending.returns import build_return, return_pdf, return_zip
from groundswell.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_ledger_has_the_mix_and_a_return_and_is_built_once():
    seat = Constituency.objects.create(code="E14000889", name="Reading East", boundary_set_id="2010")
    national = UnitFactory(code="NATIONAL", kind="national", name="National")
    clp = UnitFactory(code="CLP-E14000889", kind="constituency", name="Reading East CLP", parent=national,
                      constituency=seat)  # fmt: skip
    user_with_role(Role.ELECTION_AGENT, clp, email="agent@example.org")
    user_with_role(Role.TREASURER, national, email="treasurer@example.org")
    candidacy = build_spending_demo()
    assert candidacy.area_type == "borough" and candidacy.electorate == 75_000
    items = SpendingItem.objects.all()
    assert {i.category for i in items} >= {"unsolicited", "meetings", "accommodation", "transport"}
    assert items.filter(notional=True).count() == 1
    assert items.get(method="households").walk_ids == []
    ret = build_return(candidacy)
    assert ret.lines and return_pdf(ret).startswith(b"%PDF")
    assert len(return_zip(ret)) > 0
    assert candidacy.agent.person.email_addresses.get().address == "agent@example.org"  # messaging reaches them
    assert build_spending_demo() == candidacy and SpendingItem.objects.count() == items.count()
