"""Every login, logout and failed login goes into the audit log.

The failed-login entry names the address that was tried (it is what an investigator needs to spot a
password-guessing attack) but never the password: Django already replaces it in `credentials`, and we
copy only the login field to be certain.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

_LOGIN_FIELDS = ("email", "login", "username")


@receiver(user_logged_in, dispatch_uid="groundswell.audit.logged_in")
def audit_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditEntry.Action.LOGGED_IN, actor=user, request=request, object_type="accounts.user", object_id=user.pk)


@receiver(user_logged_out, dispatch_uid="groundswell.audit.logged_out")
def audit_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out an already-anonymous session
        return
    record(AuditEntry.Action.LOGGED_OUT, actor=user, request=request, object_type="accounts.user", object_id=user.pk)


@receiver(user_login_failed, dispatch_uid="groundswell.audit.login_failed")
def audit_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    tried = next((str(credentials[f]) for f in _LOGIN_FIELDS if credentials.get(f)), "")
    # The attempted address goes in `detail`, not the actor: the actor is unknown (and may not exist).
    record(AuditEntry.Action.LOGIN_FAILED, request=request, detail={"login": tried[:254].lower()})
