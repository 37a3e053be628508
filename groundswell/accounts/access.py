"""The one place that decides who may do what to whose data.

Every view, export, API endpoint and command asks here. A role is held at an organisation unit and
covers that unit and the units below it, never siblings or parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from groundswell.people.models import OrganisationUnit, Person

from .models import Role, RoleAssignment


class Perm(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_PEOPLE = "view_people"  # list, search and open person records
    EDIT_PEOPLE = "edit_people"
    EXPORT_PEOPLE = "export_people"
    IMPORT_PEOPLE = "import_people"
    MERGE_PEOPLE = "merge_people"
    VIEW_AUDIT = "view_audit"
    SUBJECT_ACCESS = "subject_access"
    ERASE_PEOPLE = "erase_people"
    MANAGE_ROLES = "manage_roles"
    VIEW_OWN_RECORD = "view_own_record"


_ALL = set(Perm)
ROLE_PERMISSIONS: dict[str, set[Perm]] = {
    Role.ADMINISTRATOR: _ALL,
    Role.ORGANISER: {
        Perm.VIEW_DASHBOARD,
        Perm.VIEW_PEOPLE,
        Perm.EDIT_PEOPLE,
        Perm.EXPORT_PEOPLE,
        Perm.IMPORT_PEOPLE,
        Perm.MERGE_PEOPLE,
        Perm.VIEW_AUDIT,
        Perm.VIEW_OWN_RECORD,
    },
    Role.COORDINATOR: {Perm.VIEW_DASHBOARD, Perm.VIEW_PEOPLE, Perm.EDIT_PEOPLE, Perm.VIEW_OWN_RECORD},
    Role.DATA_PROTECTION_OFFICER: {
        Perm.VIEW_DASHBOARD,
        Perm.VIEW_PEOPLE,
        Perm.EXPORT_PEOPLE,
        Perm.VIEW_AUDIT,
        Perm.SUBJECT_ACCESS,
        Perm.ERASE_PEOPLE,
        Perm.VIEW_OWN_RECORD,
    },
    # Volunteers work one contact at a time through their own tools (call, canvass, tell); no list access.
    Role.VOLUNTEER: {Perm.VIEW_OWN_RECORD},
    Role.CALLER: {Perm.VIEW_OWN_RECORD},
    Role.CANVASSER: {Perm.VIEW_OWN_RECORD},
    Role.TELLER: {Perm.VIEW_OWN_RECORD},
    Role.MEMBER: {Perm.VIEW_OWN_RECORD},
}

# Roles that can see other people's data must use two-factor authentication.
PRIVILEGED_ROLES = {Role.ADMINISTRATOR, Role.ORGANISER, Role.COORDINATOR, Role.DATA_PROTECTION_OFFICER}


def roles_granting(perm: Perm) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def _assignments(user) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False):
        return []
    cache = getattr(user, "_gs_role_cache", None)
    if cache is None:
        cache = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
        user._gs_role_cache = cache
    return cache


def clear_cache(user) -> None:
    if hasattr(user, "_gs_role_cache"):
        del user._gs_role_cache


def is_privileged(user) -> bool:
    return any(a.role in PRIVILEGED_ROLES for a in _assignments(user))


def unit_paths_with(user, perm: Perm) -> list[str]:
    """Materialised paths of the units where `user` holds `perm` (each covers its subtree)."""
    granting = set(roles_granting(perm))
    paths = sorted({a.unit.path for a in _assignments(user) if a.role in granting})
    # Drop paths already covered by an ancestor path.
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def has_perm(user, perm: Perm, unit: OrganisationUnit | None = None) -> bool:
    """Does `user` hold `perm` anywhere (unit None) or at/above `unit`?"""
    paths = unit_paths_with(user, perm)
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) for p in paths)


def _unit_q(paths: Iterable[str], field: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def units_for(user, perm: Perm) -> QuerySet[OrganisationUnit]:
    return OrganisationUnit.objects.filter(_unit_q(unit_paths_with(user, perm), "path"))


def people_for(user, perm: Perm = Perm.VIEW_PEOPLE, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The people `user` may act on with `perm`: those in units they cover. Merged-away records are hidden."""
    qs = Person.objects.all() if queryset is None else queryset
    return qs.filter(_unit_q(unit_paths_with(user, perm), "unit__path")).filter(merged_into__isnull=True)


def can_access_person(user, perm: Perm, person: Person) -> bool:
    if perm == Perm.VIEW_OWN_RECORD:
        return bool(getattr(user, "person_id", None)) and user.person_id == person.pk
    return has_perm(user, perm, person.unit)


def require(user, perm: Perm, target: OrganisationUnit | Person | None = None) -> None:
    """Raise PermissionDenied unless allowed. Use at the top of every view/command touching personal data."""
    if isinstance(target, Person):
        allowed = can_access_person(user, perm, target)
    else:
        allowed = has_perm(user, perm, target)
    if not allowed:
        raise PermissionDenied(f"You do not have '{perm.value}' here.")
