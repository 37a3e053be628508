"""The ballots app's audit entries: the log's own actions (created, changed, denied), the ballot event in detail.

Entries never carry a voting code, a receipt or preferences: a cast vote is logged as an event on the ballot.
"""

from __future__ import annotations

from typing import Any

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

ACTIONS = {
    "ballot_created": AuditEntry.Action.CREATED,
    "vote_cast": AuditEntry.Action.CREATED,
    "paper_entered": AuditEntry.Action.CREATED,
    "vote_refused": AuditEntry.Action.DENIED,
    "code_reissue_refused": AuditEntry.Action.DENIED,
}


def audit(event: str, *, detail: dict | None = None, **kwargs: Any) -> AuditEntry:
    return record(ACTIONS.get(event, AuditEntry.Action.CHANGED), detail={"event": event, **(detail or {})}, **kwargs)
