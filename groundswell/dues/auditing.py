"""Audit entries of the dues app: the log's action with the dues event named in the detail."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "dues.arrangement.create": AuditEntry.Action.CREATED,
    "dues.arrangement.change": AuditEntry.Action.CHANGED,
    "dues.arrangement.cancel": AuditEntry.Action.CHANGED,
    "dues.payment.record": AuditEntry.Action.CREATED,
    "dues.rate.add": AuditEntry.Action.CREATED,
    "dues.rules.set": AuditEntry.Action.CHANGED,
    "dues.overview.view": AuditEntry.Action.SEARCHED,
    "dues.arrears.export": AuditEntry.Action.EXPORTED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    """Record `event` (a key of ACTIONS) in the audit log."""
    return record(ACTIONS[event], detail={"event": event, **(detail or {})}, **kwargs)
