"""A small world for dues tests: a unit tree, members with logins, a treasurer, and helpers to pay."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.dues import services
from groundswell.dues.models import MembershipType, Method
from groundswell.people.models import Membership
from groundswell.tests.factories import (
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    UnitTreeFactory,
    UserFactory,
    user_with_role,
)

_refs = itertools.count(1)


def member(unit, joined: dt.date = dt.date(2025, 1, 1), email: bool = True, login: bool = True) -> Membership:
    person = PersonFactory(unit=unit)
    if email:
        EmailFactory(person=person)
    membership = MembershipFactory(person=person, joined_on=joined, constituency_party=unit)
    if login:
        user = UserFactory(person=person)
        RoleAssignment.objects.create(user=user, role=Role.MEMBER, unit=unit)
    return membership


def login_of(membership: Membership):
    return membership.person.user


def build() -> SimpleNamespace:
    tree = UnitTreeFactory.build_tree()
    return SimpleNamespace(
        tree=tree,
        treasurer=user_with_role(Role.TREASURER, tree.clp_a),
        sibling_treasurer=user_with_role(Role.TREASURER, tree.clp_b),
        organiser=user_with_role(Role.ORGANISER, tree.clp_a),
        standard=MembershipType.objects.get(code="standard"),
        reduced=MembershipType.objects.get(code="reduced"),
    )


def pay(membership: Membership, on: dt.date, pence: int, fingerprint: str = "bank:aaa", arrangement=None):
    return services.record_payment(
        membership=membership, amount_pence=pence, paid_on=on, method=Method.DIRECT_DEBIT,
        source_ref=f"test:{next(_refs)}", fingerprint=fingerprint, payer=membership.person, arrangement=arrangement,
    )  # fmt: skip
