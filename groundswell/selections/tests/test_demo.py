"""The demo's selection mid-way: eligible list, a flagged cluster under review, longlist with reasons, nominations;
built once."""

from __future__ import annotations

from datetime import date

import pytest

from groundswell.accounts.models import Role
from groundswell.selections.demo import DEMO_TITLE, SECRETARY, build_selections_demo
from groundswell.selections.models import JoinFlag, Selection
from groundswell.tests.factories import MembershipFactory, PersonFactory, UnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_builds_a_selection_mid_way_once():
    clp = UnitFactory(code="CLP-E14000889", name="Reading East CLP", kind="constituency")
    branches = [UnitFactory(parent=clp, kind="branch") for _ in range(2)]
    user_with_role(Role.ORGANISER, clp, email="organiser@example.org")
    UserFactory(email=SECRETARY)
    for i in range(40):
        person = PersonFactory(unit=branches[i % 2], synthetic=True)
        MembershipFactory(person=person, status="active", joined_on=date(2019, 1, 1 + i % 28), branch=person.unit)
    build_selections_demo()
    build_selections_demo()
    selection = Selection.objects.get(title=DEMO_TITLE)
    assert selection.stage == "nominations" and selection.snapshots.get().eligible_count == 40
    signals = set(selection.flags.values_list("signal", flat=True))
    assert {"same_address", "same_payer", "third_party", "join_before_payment"} <= signals
    assert selection.flags.filter(decision=JoinFlag.Decision.OPEN).exists()
    assert selection.decisions.filter(stage="longlisting").count() == 6  # five decisions and the published list
    assert selection.nomination_meetings.count() == 4
