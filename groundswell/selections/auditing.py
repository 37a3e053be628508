"""The selections app's audit entries: the log's own actions, the selection event in detail (`detail.event`)."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "selection_created": AuditEntry.Action.CREATED,
    "snapshot_taken": AuditEntry.Action.CREATED,
    "challenge_lodged": AuditEntry.Action.CREATED,
    "applied": AuditEntry.Action.CREATED,
    "nomination_recorded": AuditEntry.Action.CREATED,
    "nomination_refused": AuditEntry.Action.DENIED,
    "score_refused": AuditEntry.Action.DENIED,
    "flags_listed": AuditEntry.Action.SEARCHED,
    "flag_viewed": AuditEntry.Action.VIEWED,
    "roll_viewed": AuditEntry.Action.SEARCHED,
    "manage_viewed": AuditEntry.Action.SEARCHED,
    "statistics_viewed": AuditEntry.Action.SEARCHED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    return record(ACTIONS.get(event, AuditEntry.Action.CHANGED), detail={"event": event, **(detail or {})}, **kwargs)
