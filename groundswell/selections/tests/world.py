"""A small selection world for the tests: a CLP with two branches, its procedures secretary, members who joined
long before the freeze date (eligible), one who joined too late, one who lapsed, and helpers for crafted joins."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from types import SimpleNamespace

from groundswell.accounts.models import Role
from groundswell.dues import services as dues
from groundswell.dues.models import Method
from groundswell.people.models import Membership, OrganisationUnit, Person
from groundswell.selections import services
from groundswell.selections.defaults import seed_rule_sets
from groundswell.selections.models import RuleSet, Selection
from groundswell.tests.factories import EmailFactory, MembershipFactory, PersonFactory, UnitTreeFactory, user_with_role

FREEZE = date(2026, 6, 1)
_refs = itertools.count(1)
PARLIAMENTARY = "Labour parliamentary selections (NEC procedural guidelines, 2022)"


def member(
    unit: OrganisationUnit, joined: date, *, lapsed: date | None = None, email: bool = True, paid: bool = True, **person
) -> Person:
    """A person with one membership joined on `joined`, dues paid well ahead on that day from their own account
    (through the dues app), and an email address."""
    someone = PersonFactory(unit=unit, **person)
    membership = MembershipFactory(
        person=someone,
        joined_on=joined,
        lapsed_on=lapsed,
        status=Membership.Status.LAPSED if lapsed else Membership.Status.ACTIVE,
    )
    if paid:
        pay(membership, joined, 50_000, fingerprint=f"bank:own-{someone.pk}", payer=someone)
    if email:
        EmailFactory(person=someone)
    return someone


def pay(membership: Membership, on: date, pence: int, *, fingerprint: str, payer: Person | None, **extra):
    return dues.record_payment(
        membership=membership, amount_pence=pence, paid_on=on, method=Method.DIRECT_DEBIT,
        source_ref=f"test:{next(_refs)}", fingerprint=fingerprint, payer=payer, **extra,
    )  # fmt: skip


def build_world(*, members: int = 6, units=None, **overrides) -> SimpleNamespace:
    seed_rule_sets()  # a transactional test's flush removes the migration's rows
    units = units or UnitTreeFactory.build_tree()
    secretary = user_with_role(Role.PROCEDURES_SECRETARY, units.clp_a)
    old = [
        member(units.branch_a1 if i % 2 else units.branch_a2, date(2024, 1, 10) + timedelta(days=i))
        for i in range(members)
    ]
    late = member(units.branch_a1, FREEZE - timedelta(days=30))
    lapsed = member(units.branch_a2, date(2023, 5, 1), lapsed=date(2026, 3, 1), paid=False)
    pay(lapsed.memberships.get(), date(2023, 5, 1), 6000, fingerprint=f"bank:own-{lapsed.pk}", payer=lapsed)  # a year
    outsider = member(units.branch_b1, date(2020, 1, 1))
    overrides.setdefault("min_women_percent", None)
    overrides.setdefault("min_minority_ethnic", None)
    overrides.setdefault("nomination_quorum", 3)
    selection = services.create_selection(
        secretary,
        unit=units.clp_a,
        kind=Selection.Kind.PARLIAMENTARY,
        title="Reading East parliamentary selection",
        freeze_date=FREEZE,
        rules=RuleSet.objects.get(name=PARLIAMENTARY),
        timetable={"freeze": (FREEZE, FREEZE), "applications": (date(2026, 6, 2), date(2026, 6, 20))},
        criteria=["Campaigning record", "Knowledge of the constituency"],
        **overrides,
    )
    return SimpleNamespace(
        units=units, secretary=secretary, old=old, late=late, lapsed=lapsed, outsider=outsider, selection=selection
    )
