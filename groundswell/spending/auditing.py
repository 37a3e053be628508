"""Audit entries of the spending app: the log's action (created, changed, viewed, exported) with the spending
event named in the entry's detail, e.g. {"event": "spending.limit.override"}."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "spending.candidacy.create": AuditEntry.Action.CREATED,
    "spending.evidence.upload": AuditEntry.Action.CREATED,
    "spending.item.create": AuditEntry.Action.CREATED,
    "spending.item.update": AuditEntry.Action.CHANGED,
    "spending.item.correct": AuditEntry.Action.CREATED,
    "spending.item.withdraw": AuditEntry.Action.CHANGED,
    "spending.personal_expense.create": AuditEntry.Action.CREATED,
    "spending.limit.override": AuditEntry.Action.CHANGED,
    "spending.return.submit": AuditEntry.Action.CHANGED,
    "spending.evidence.view": AuditEntry.Action.VIEWED,
    "spending.return.export": AuditEntry.Action.EXPORTED,
    "spending.national.export": AuditEntry.Action.EXPORTED,
    "spending.national.view": AuditEntry.Action.SEARCHED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    """Record `event` (a key of ACTIONS) in the audit log."""
    return record(ACTIONS[event], detail={"event": event, **(detail or {})}, **kwargs)
