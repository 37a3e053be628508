"""The demo's finished STV election: counted, certified, its rounds published; built once."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.ballots.demo import DEMO_TITLE, build_ballots_demo
from groundswell.ballots.models import Ballot, CastBallot, EligibleVoter
from groundswell.tests.factories import MembershipFactory, PersonFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_builds_a_certified_stv_election_once():
    clp = UnitFactory(code="CLP-E14000889", name="Reading East CLP", kind="constituency")
    user_with_role(Role.ORGANISER, clp, email="organiser@example.org")
    for _ in range(40):
        MembershipFactory(person=PersonFactory(unit=clp, synthetic=True), status="active")
    build_ballots_demo()
    build_ballots_demo()
    ballot = Ballot.objects.get(title=DEMO_TITLE)
    assert ballot.certified_at and len(ballot.result["elected"]) == 3 and len(ballot.result["rounds"]) >= 2
    assert (
        CastBallot.objects.filter(ballot=ballot).count()
        == EligibleVoter.objects.filter(ballot=ballot, voted=True).count()
    )
