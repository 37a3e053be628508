"""Audit entries of the donations app: the log's action with the donations event named in the detail."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "donations.donation.record": AuditEntry.Action.CREATED,
    "donations.check.record": AuditEntry.Action.CREATED,
    "donations.donation.accept": AuditEntry.Action.CHANGED,
    "donations.donation.return": AuditEntry.Action.CHANGED,
    "donations.donation.refund": AuditEntry.Action.CHANGED,
    "donations.unit.register": AuditEntry.Action.CREATED,
    "donations.import": AuditEntry.Action.IMPORTED,
    "donations.report.export": AuditEntry.Action.EXPORTED,
    "donations.ledger.view": AuditEntry.Action.SEARCHED,
    "donations.donation.view": AuditEntry.Action.VIEWED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    """Record `event` (a key of ACTIONS) in the audit log."""
    return record(ACTIONS[event], detail={"event": event, **(detail or {})}, **kwargs)
