"""Audit entries of the tours app: the log's action with the tours event named in the detail, e.g.
{"event": "tours.stop.location.view"} — every view of an unpublished stop's venue or the vehicle's position is one,
so a leak can be traced to who saw it."""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "tours.tour.create": AuditEntry.Action.CREATED,
    "tours.member.add": AuditEntry.Action.CHANGED,
    "tours.day.create": AuditEntry.Action.CREATED,
    "tours.stop.create": AuditEntry.Action.CREATED,
    "tours.stop.change": AuditEntry.Action.CHANGED,
    "tours.stop.confirm": AuditEntry.Action.CHANGED,
    "tours.stop.publish": AuditEntry.Action.CHANGED,
    "tours.plan.save": AuditEntry.Action.CHANGED,
    "tours.plan.refused": AuditEntry.Action.DENIED,
    "tours.attribution.decide": AuditEntry.Action.CHANGED,
    "tours.checklist.confirm": AuditEntry.Action.CHANGED,
    "tours.checklist.check": AuditEntry.Action.CHANGED,
    "tours.checklist.reopen": AuditEntry.Action.CHANGED,
    "tours.timing.record": AuditEntry.Action.CREATED,
    "tours.position.record": AuditEntry.Action.CREATED,
    "tours.stop.location.view": AuditEntry.Action.VIEWED,
    "tours.stop.location.denied": AuditEntry.Action.DENIED,
    "tours.position.view": AuditEntry.Action.VIEWED,
    "tours.network.import": AuditEntry.Action.IMPORTED,
    "tours.daysheet.export": AuditEntry.Action.EXPORTED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    """Record `event` (a key of ACTIONS) in the audit log."""
    return record(ACTIONS[event], detail={"event": event, **(detail or {})}, **kwargs)
