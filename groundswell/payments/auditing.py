"""Audit entries of the payments app: the log's action with the payments event named in the detail."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "payments.payment.record_offline": AuditEntry.Action.CREATED,
    "payments.payment.refund": AuditEntry.Action.CHANGED,
    "payments.subscription.change": AuditEntry.Action.CHANGED,
    "payments.subscription.cancel": AuditEntry.Action.CHANGED,
    "payments.payouts.import": AuditEntry.Action.CREATED,
    "payments.payments.view": AuditEntry.Action.SEARCHED,
    "payments.payments.export": AuditEntry.Action.EXPORTED,
    "payments.reconciliation.view": AuditEntry.Action.SEARCHED,
    "payments.reconciliation.export": AuditEntry.Action.EXPORTED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    """Record `event` (a key of ACTIONS) in the audit log."""
    return record(ACTIONS[event], detail={"event": event, **(detail or {})}, **kwargs)
