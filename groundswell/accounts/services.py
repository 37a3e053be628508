"""Changing who holds which role. Every grant is checked against access.py and audited."""

from __future__ import annotations

from django.db import transaction

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit

from . import access
from .models import Role, RoleAssignment, User


class InvalidRole(ValueError):
    pass


def grant_role(
    user: User, role: str, unit: OrganisationUnit, granted_by: User | None = None, *, request=None
) -> RoleAssignment:
    """Give `user` `role` at `unit` (covering the units below it) and audit it.

    `granted_by` None means the command line (someone with shell access to the server); otherwise the
    granter needs MANAGE_ROLES at `unit` itself, so nobody can hand out power over a sibling or parent unit.
    Granting a role the user already holds there is a no-op that still returns the assignment.
    """
    if role not in Role.values:
        raise InvalidRole(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}")
    if granted_by is not None:
        access.require(granted_by, access.Perm.MANAGE_ROLES, unit)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, unit=unit, defaults={"granted_by": granted_by}
        )
        if created:
            record(
                AuditEntry.Action.ROLE_GRANTED,
                actor=granted_by,
                request=request,
                object_type="accounts.user",
                object_id=user.pk,
                object_label=f"user #{user.pk}",
                detail={"role": role, "unit": unit.code},
                unit=unit,
            )
    access.clear_cache(user)
    return assignment
