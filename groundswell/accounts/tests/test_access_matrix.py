"""The permission rules as a matrix: every role × every Perm × where the target sits relative to the role.

The expected table below is written out by hand from the policy (not derived from access.ROLE_PERMISSIONS),
so a change to the rules has to be made in both places on purpose.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.accounts.models import RoleAssignment
from groundswell.tests.factories import PersonFactory, Role, UnitFactory, UnitTreeFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

P = Perm
EXPECTED: dict[str, set[Perm]] = {
    Role.ADMINISTRATOR: set(Perm),
    Role.ORGANISER: {
        P.VIEW_DASHBOARD, P.VIEW_PEOPLE, P.EDIT_PEOPLE, P.EXPORT_PEOPLE, P.IMPORT_PEOPLE, P.MERGE_PEOPLE,
        P.VIEW_AUDIT, P.VIEW_OWN_RECORD, P.MANAGE_CANVASS, P.MANAGE_POLLING_DAY, P.TELL, P.KNOCK_UP,
        P.MANAGE_PHONEBANK, P.VIEW_TARGETING,
        P.MANAGE_MESSAGING, P.VIEW_MESSAGING,
        P.MANAGE_EVENTS,
    },
    Role.COORDINATOR: {
        P.VIEW_DASHBOARD, P.VIEW_PEOPLE, P.EDIT_PEOPLE, P.VIEW_OWN_RECORD, P.MANAGE_CANVASS, P.MANAGE_POLLING_DAY,
        P.TELL, P.KNOCK_UP, P.MANAGE_PHONEBANK, P.VIEW_TARGETING,
        P.VIEW_MESSAGING,
        P.MANAGE_EVENTS,
    },
    Role.DATA_PROTECTION_OFFICER: {
        P.VIEW_DASHBOARD, P.VIEW_PEOPLE, P.EXPORT_PEOPLE, P.VIEW_AUDIT, P.SUBJECT_ACCESS, P.ERASE_PEOPLE,
        P.VIEW_OWN_RECORD,
        P.VIEW_MESSAGING,
    },
    Role.CALLER: {P.VIEW_OWN_RECORD},
    Role.CANVASSER: {P.VIEW_OWN_RECORD, P.KNOCK_UP},
    Role.TELLER: {P.VIEW_OWN_RECORD, P.TELL},
    Role.VOLUNTEER: {P.VIEW_OWN_RECORD, P.KNOCK_UP},
    Role.MEMBER: {P.VIEW_OWN_RECORD},
    Role.ELECTION_AGENT: {P.VIEW_OWN_RECORD, P.MANAGE_SPENDING, P.OVERRIDE_SPENDING_LIMIT, P.VIEW_SPENDING},
    Role.SUB_AGENT: {P.VIEW_OWN_RECORD, P.MANAGE_SPENDING, P.VIEW_SPENDING},
    Role.TREASURER: {
        P.VIEW_OWN_RECORD,
        P.MANAGE_SPENDING,
        P.VIEW_SPENDING,
        P.VIEW_NATIONAL_MONEY,
        P.VIEW_PAYMENTS,
        P.MANAGE_PAYMENTS,
    },
    Role.AUDITOR: {P.VIEW_OWN_RECORD, P.VIEW_SPENDING, P.VIEW_NATIONAL_MONEY},
    Role.GOVERNING_BODY: {P.VIEW_OWN_RECORD, P.VIEW_SPENDING, P.VIEW_NATIONAL_MONEY},
}  # fmt: skip
EXPECTED[Role.ORGANISER] = EXPECTED[Role.ORGANISER] | {P.MANAGE_SURVEYS}
EXPECTED[Role.COORDINATOR] = EXPECTED[Role.COORDINATOR] | {P.MANAGE_SURVEYS}
# Complaints: case content only for the independent process; organisers may log a complaint received by post.
EXPECTED[Role.ADMINISTRATOR] = set(Perm) - {P.HANDLE_COMPLAINTS, P.REVIEW_COMPLAINTS}
EXPECTED[Role.ORGANISER] = EXPECTED[Role.ORGANISER] | {P.LOG_COMPLAINTS}
EXPECTED[Role.COMPLAINTS_HANDLER] = {P.VIEW_OWN_RECORD, P.HANDLE_COMPLAINTS, P.VIEW_COMPLAINTS_BACKLOG}
EXPECTED[Role.INDEPENDENT_REVIEWER] = {P.VIEW_OWN_RECORD, P.REVIEW_COMPLAINTS, P.VIEW_COMPLAINTS_BACKLOG}
EXPECTED[Role.LEADERS_OFFICE] = {P.VIEW_OWN_RECORD}
# Ballots: organisers set up their units' ballots (the count belongs to each ballot's returning officer).
EXPECTED[Role.ORGANISER] = EXPECTED[Role.ORGANISER] | {P.MANAGE_BALLOTS}
# Selections: the procedures secretary runs them (and their ballots); the governing body sees flag statistics.
EXPECTED[Role.PROCEDURES_SECRETARY] = {
    P.VIEW_OWN_RECORD, P.MANAGE_SELECTIONS, P.VIEW_SELECTION_STATISTICS, P.MANAGE_BALLOTS,
}  # fmt: skip
EXPECTED[Role.GOVERNING_BODY] = EXPECTED[Role.GOVERNING_BODY] | {P.VIEW_SELECTION_STATISTICS}
# Dues: organisers and auditors read the overview; the treasurer also records payments and sets the rules.
EXPECTED[Role.ORGANISER] = EXPECTED[Role.ORGANISER] | {P.VIEW_DUES}
EXPECTED[Role.TREASURER] = EXPECTED[Role.TREASURER] | {P.VIEW_DUES, P.MANAGE_DUES}
EXPECTED[Role.AUDITOR] = EXPECTED[Role.AUDITOR] | {P.VIEW_DUES}
# Payments: organisers and treasurers see and manage their units' payments (administrators hold everything).
EXPECTED[Role.ORGANISER] = EXPECTED[Role.ORGANISER] | {P.VIEW_PAYMENTS, P.MANAGE_PAYMENTS}
# Where the target unit sits relative to the unit the role is held at (Reading East CLP).
POSITIONS = {"own": "clp_a", "child": "branch_a1", "sibling": "clp_b", "parent": "region"}
COVERED = {"own", "child"}


def test_expected_table_covers_every_role():
    assert set(EXPECTED) == set(Role.values)


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.mark.parametrize("role", Role.values)
def test_role_matrix(tree, role):
    holder = user_with_role(role, tree.clp_a)
    people = {pos: PersonFactory(unit=getattr(tree, unit)) for pos, unit in POSITIONS.items()}
    for perm in Perm:
        for position, unit_attr in POSITIONS.items():
            unit = getattr(tree, unit_attr)
            person = people[position]
            unit_allowed = perm in EXPECTED[role] and position in COVERED
            assert access.has_perm(holder, perm, unit) is unit_allowed, (role, perm, position)
            if unit_allowed:
                access.require(holder, perm, unit)
            else:
                with pytest.raises(PermissionDenied):
                    access.require(holder, perm, unit)
            # Someone else's record: VIEW_OWN_RECORD never reaches it, whatever the unit.
            person_allowed = unit_allowed and perm != P.VIEW_OWN_RECORD
            assert access.can_access_person(holder, perm, person) is person_allowed, (role, perm, position)
            in_list = access.people_for(holder, perm).filter(pk=person.pk).exists()
            assert in_list is person_allowed, (role, perm, position, "people_for")
            if not person_allowed:
                with pytest.raises(PermissionDenied):
                    access.require(holder, perm, person)
        # Held anywhere at all?
        assert access.has_perm(holder, perm) is (perm in EXPECTED[role])


@pytest.mark.parametrize("role", Role.values)
def test_every_role_sees_its_own_record_and_only_that(tree, role):
    me = PersonFactory(unit=tree.branch_b1)  # own record deliberately outside the role's unit
    neighbour = PersonFactory(unit=tree.clp_a)
    user = user_with_role(role, tree.clp_a, person=me)
    assert access.can_access_person(user, P.VIEW_OWN_RECORD, me)
    access.require(user, P.VIEW_OWN_RECORD, me)
    assert not access.can_access_person(user, P.VIEW_OWN_RECORD, neighbour)
    assert list(access.people_for(user, P.VIEW_OWN_RECORD)) == [me]


def test_member_cannot_list_their_branch(tree):
    me = PersonFactory(unit=tree.branch_a1)
    PersonFactory.create_batch(3, unit=tree.branch_a1)
    member = user_with_role(Role.MEMBER, tree.branch_a1, person=me)
    assert not access.people_for(member, P.VIEW_PEOPLE).exists()
    assert list(access.people_for(member, P.VIEW_OWN_RECORD)) == [me]
    with pytest.raises(PermissionDenied):
        access.require(member, P.VIEW_PEOPLE, tree.branch_a1)


def test_a_login_without_a_role_or_link_sees_nothing(tree):
    stranger = UserFactory()
    person = PersonFactory(unit=tree.national)
    assert not access.people_for(stranger, P.VIEW_OWN_RECORD).exists()
    assert not access.can_access_person(stranger, P.VIEW_OWN_RECORD, person)
    # A linked record without any role (e.g. all roles revoked) is not enough either.
    linked = UserFactory(person=person)
    assert not access.can_access_person(linked, P.VIEW_OWN_RECORD, person)
    for perm in Perm:
        assert not access.has_perm(stranger, perm)


def test_superuser_flag_grants_nothing(tree):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    PersonFactory(unit=tree.national)
    assert not access.people_for(superuser).exists()
    assert not access.has_perm(superuser, P.VIEW_AUDIT)


def test_anonymous_user_has_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    PersonFactory(unit=tree.national)
    anon = AnonymousUser()
    assert not access.people_for(anon).exists()
    assert not access.has_perm(anon, P.VIEW_DASHBOARD)
    assert not access.is_privileged(anon)
    assert not access.has_perm(None, P.VIEW_DASHBOARD)


def test_deactivated_user_loses_every_power(tree):
    admin = user_with_role(Role.ADMINISTRATOR, tree.national)
    PersonFactory(unit=tree.branch_a1)
    assert access.people_for(admin).exists()
    admin.is_active = False
    access.clear_cache(admin)
    assert not access.people_for(admin).exists()
    assert not access.has_perm(admin, P.VIEW_PEOPLE, tree.branch_a1)
    assert not access.is_privileged(admin)


def test_national_role_covers_the_whole_tree(tree):
    admin = user_with_role(Role.ADMINISTRATOR, tree.national)
    for unit in (tree.national, tree.region, tree.clp_a, tree.clp_b, tree.branch_a1, tree.branch_b1):
        assert access.has_perm(admin, P.ERASE_PEOPLE, unit)
    assert access.unit_paths_with(admin, P.VIEW_PEOPLE) == [tree.national.path]


def test_branch_role_covers_only_its_branch(tree):
    coordinator = user_with_role(Role.COORDINATOR, tree.branch_a1)
    mine = PersonFactory(unit=tree.branch_a1)
    PersonFactory(unit=tree.branch_a2)
    PersonFactory(unit=tree.clp_a)
    PersonFactory(unit=tree.branch_b1)
    assert list(access.people_for(coordinator)) == [mine]
    assert set(access.units_for(coordinator, P.VIEW_PEOPLE)) == {tree.branch_a1}


def test_roles_at_two_units_combine_and_nested_paths_collapse(tree):
    user = user_with_role(Role.ORGANISER, tree.branch_a1)
    RoleAssignment.objects.create(user=user, role=Role.ORGANISER, unit=tree.branch_b1)
    RoleAssignment.objects.create(user=user, role=Role.COORDINATOR, unit=tree.clp_a)
    access.clear_cache(user)
    # VIEW_PEOPLE: clp_a (coordinator) swallows branch_a1; branch_b1 stays separate.
    assert access.unit_paths_with(user, P.VIEW_PEOPLE) == sorted([tree.clp_a.path, tree.branch_b1.path])
    # EXPORT_PEOPLE comes only from the organiser roles, not from being coordinator of the CLP.
    assert not access.has_perm(user, P.EXPORT_PEOPLE, tree.branch_a2)
    assert access.has_perm(user, P.EXPORT_PEOPLE, tree.branch_a1)
    assert access.has_perm(user, P.EXPORT_PEOPLE, tree.branch_b1)
    assert not access.has_perm(user, P.VIEW_PEOPLE, tree.clp_b)


def test_path_prefix_does_not_leak_to_a_unit_whose_id_starts_the_same(tree):
    # Units /…/5001/ and /…/50011/: a naive prefix test without the trailing slash would confuse them.
    short = UnitFactory(pk=5001, parent=tree.national)
    longer = UnitFactory(pk=50011, parent=tree.national)
    assert longer.path.startswith(short.path.rstrip("/"))
    organiser = user_with_role(Role.ORGANISER, short)
    PersonFactory(unit=longer)
    assert not access.has_perm(organiser, P.VIEW_PEOPLE, longer)
    assert not access.people_for(organiser).exists()


def test_unit_with_empty_path_matches_nothing(tree):
    admin = user_with_role(Role.ADMINISTRATOR, tree.branch_a1)
    broken = UnitFactory.build(path="")
    assert not access.has_perm(admin, P.VIEW_PEOPLE, broken)


def test_merged_away_records_are_hidden(tree):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    kept = PersonFactory(unit=tree.clp_a)
    PersonFactory(unit=tree.clp_a, merged_into=kept)
    assert list(access.people_for(organiser)) == [kept]


def test_privileged_roles_are_those_that_see_others(tree):
    for role in Role.values:
        user = user_with_role(role, tree.branch_a1)
        # Volunteers' tools (telling, knocking up) show one elector at a time and need no second factor.
        sees_others = bool(EXPECTED[role] - {P.VIEW_OWN_RECORD, P.TELL, P.KNOCK_UP})
        assert access.is_privileged(user) is sees_others, role


@pytest.mark.parametrize("role", Role.values)
def test_audit_log_scope_rules(tree, role):
    at_root = user_with_role(role, tree.national)
    regional = user_with_role(role, tree.region)
    whole = role in (Role.ADMINISTRATOR, Role.DATA_PROTECTION_OFFICER)
    assert access.sees_whole_audit_log(at_root) is whole
    assert access.sees_whole_audit_log(regional) is False  # only at the root of the tree
    assert access.sees_audit_chain_status(regional) is whole


def test_plain_string_permissions_work_and_unknown_ones_grant_nothing(tree):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    assert access.has_perm(organiser, "view_people", tree.branch_a1)
    with pytest.raises(PermissionDenied, match="erase_people"):
        access.require(organiser, "erase_people", tree.branch_a1)
    assert not access.has_perm(organiser, "launch_missiles", tree.branch_a1)
