from __future__ import annotations

from django.http import HttpRequest

from groundswell.accounts import access


def groundswell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    perms: set[str] = set()
    roles: set[str] = set()
    if user is not None and user.is_authenticated:
        perms = {p.value for p in access.Perm if access.has_perm(user, p)}
        roles = access.roles_of(user)
    return {"gs_perms": perms, "gs_roles": roles}
