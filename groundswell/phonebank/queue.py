"""Taking the next contact off a campaign's queue: one contact to one caller at a time.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` inside the UPDATE, so concurrent callers step over each
other's candidate rows instead of queueing behind them, in one statement.

Everything else (SQLite): Django silently ignores `select_for_update(skip_locked=True)` there, and the
naive `UPDATE … WHERE id IN (SELECT … LIMIT 1)` hands one contact to two callers under load. So the claim is
optimistic: read a few candidates, then `UPDATE … WHERE id = ? AND lease_seq = ? AND <still eligible>` and
trust only a row count of 1. Two callers can read the same candidate; only one UPDATE matches it, because the
other sees `lease_seq` already moved on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connections

from .models import CallTarget

_OPEN = CallTarget.State.OPEN

# The eligibility test, shared by both paths. Parameters: campaign, now, max_attempts, caller.
_ELIGIBLE = """
    campaign_id = %s AND state = 'open' AND available_at <= %s AND attempts < %s
    AND (skipped_by_id IS NULL OR skipped_by_id <> %s)
"""

_PG_CLAIM = f"""
WITH next AS (
    SELECT id FROM phonebank_calltarget
    WHERE {_ELIGIBLE}
    ORDER BY priority, available_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE phonebank_calltarget t
SET lease_owner_id = %s, lease_seq = t.lease_seq + 1, leased_at = %s, available_at = %s, skipped_by_id = NULL
FROM next WHERE t.id = next.id
RETURNING t.id, t.lease_seq, t.person_id, t.elector_id, t.phone, t.attempts
"""

_CANDIDATES = f"""
SELECT id, lease_seq FROM phonebank_calltarget
WHERE {_ELIGIBLE}
ORDER BY priority, available_at, id
LIMIT %s
"""

_CONDITIONAL_CLAIM = f"""
UPDATE phonebank_calltarget
SET lease_owner_id = %s, lease_seq = lease_seq + 1, leased_at = %s, available_at = %s, skipped_by_id = NULL
WHERE id = %s AND lease_seq = %s AND {_ELIGIBLE}
RETURNING id, lease_seq, person_id, elector_id, phone, attempts
"""

# How many candidates an optimistic claim reads: enough that a caller who loses the race for the head of the
# queue usually wins one of the next few without reading again.
CANDIDATES = 8


@dataclass(frozen=True)
class Lease:
    target_id: int
    lease_seq: int
    person_id: int
    elector_id: int | None
    phone: str
    attempts: int


def claim(
    campaign_id: int,
    caller_id: int,
    *,
    now: datetime.datetime,
    lease_until: datetime.datetime,
    max_attempts: int,
    method: str | None = None,
    using: str = "default",
) -> Lease | None:
    """Lease the first eligible contact to `caller_id`, or None when nothing is eligible now.

    `method` forces 'skip_locked' or 'conditional' (tests run both on PostgreSQL); by default PostgreSQL uses
    SKIP LOCKED and every other database the conditional UPDATE.
    """
    connection = connections[using]
    method = method or ("skip_locked" if connection.vendor == "postgresql" else "conditional")
    eligible = [campaign_id, now, max_attempts, caller_id]
    with connection.cursor() as cursor:
        if method == "skip_locked":
            cursor.execute(_PG_CLAIM, [*eligible, caller_id, now, lease_until])
            row = cursor.fetchone()
            return Lease(*row) if row else None
        for _ in range(50):
            cursor.execute(_CANDIDATES, [*eligible, CANDIDATES])
            candidates = cursor.fetchall()
            if not candidates:
                return None
            # In queue order: a candidate someone else just took fails its UPDATE at once and we try the next.
            for target_id, seq in candidates:
                cursor.execute(_CONDITIONAL_CLAIM, [caller_id, now, lease_until, target_id, seq, *eligible])
                row = cursor.fetchone()
                if row:
                    return Lease(*row)
        return None


def raw_claim_sql() -> str:
    """The PostgreSQL claim statement, for the benchmark's raw-rate loop."""
    return _PG_CLAIM
