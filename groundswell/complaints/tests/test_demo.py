"""The demo backlog: cases at every stage, some over target, the demo member's own case; built once."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.complaints.demo import DEMO_CASES, build_complaints_demo
from groundswell.complaints.models import Case, Stage
from groundswell.tests.factories import MembershipFactory, PersonFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_the_demo_builds_a_backlog_at_every_stage_once():
    clp = UnitFactory(code="CLP-E14000889", kind="constituency")
    branch = UnitFactory(code="BR-DEMO", parent=clp)
    people = [PersonFactory(unit=branch, synthetic=True) for _ in range(30)]
    for person in people:
        MembershipFactory(person=person)
    user_with_role(Role.MEMBER, branch, email="member@example.org", person=people[-1])
    user_with_role(Role.COMPLAINTS_HANDLER, clp, email="handler@example.org")
    said = []
    build_complaints_demo(said.append)
    assert Case.objects.count() == DEMO_CASES + 1
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Case.objects.filter(overdue=True).exists()
    own = Case.objects.get(complainant=people[-1])
    assert own.stage == Stage.TRIAGE and own.handler.user.email == "handler@example.org"
    build_complaints_demo(said.append)
    assert Case.objects.count() == DEMO_CASES + 1 and len(said) == 1
