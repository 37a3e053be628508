from __future__ import annotations

from django.http import HttpRequest

from groundswell.accounts import access


def groundswell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    perms: set[str] = set()
    if user is not None and user.is_authenticated:
        perms = {p.value for p in access.Perm if access.has_perm(user, p)}
    return {"gs_perms": perms}
