"""Taking the next contact off a campaign's queue: one contact to one caller at a time, and one at a time to a
caller (a claim by a caller who still holds a live lease in the campaign takes nothing).

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` inside the UPDATE, so concurrent callers step over each
other's candidate rows instead of queueing behind them, in one statement.

Everything else (SQLite): Django silently ignores `select_for_update(skip_locked=True)` there, and the
naive `UPDATE … WHERE id IN (SELECT … LIMIT 1)` hands one contact to two callers under load. So the claim is
optimistic: read a few candidates, then `UPDATE … WHERE id = ? AND lease_seq = ? AND <still eligible>` and
trust only a row count of 1. Two callers can read the same candidate; only one UPDATE matches it, because the
other sees `lease_seq` already moved on.

The "holds nothing yet" test is part of the claiming statement on both paths. On SQLite writers take turns, so
it decides alone; on PostgreSQL two statements of one caller could each pass it before the other commits, so
`services` takes the caller's hold lock (an advisory lock) in the transaction before claiming.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connections, transaction

from groundswell.db import sql

from .models import CallTarget

_OPEN = CallTarget.State.OPEN

# The eligibility test, shared by both paths. Parameters: campaign, now, max_attempts, caller.
_ELIGIBLE = """
    campaign_id = %s AND state = 'open' AND available_at <= %s AND attempts < %s
    AND (skipped_by_id IS NULL OR skipped_by_id <> %s)
"""

# Why a claimed contact must not be called now, checked at the moment of assignment: the person or number on
# the do-not-call list (TPS too for party promotion), phone consent withdrawn (the newest consent row), the record
# merged away or erased, the elector gone from the register or reported moved or deceased. {person}, {phone} and
# {elector} are the claimed row's columns (or parameters); {kinds} the number-level suppression kinds.
BLOCKED_SQL = """
SELECT reason FROM (
    SELECT 'suppressed' AS reason FROM people_suppression
     WHERE (person_id = {person} AND kind IN ('do_not_contact', 'no_phone'))
        OR (phone = {phone} AND kind IN {kinds})
    UNION ALL
    SELECT 'consent withdrawn' FROM (
        SELECT status FROM people_consent WHERE person_id = {person} AND channel = 'phone'
        ORDER BY recorded_at DESC, id DESC LIMIT 1
    ) newest WHERE status = 'withdrawn'
    UNION ALL
    SELECT 'record merged or erased' FROM people_person
     WHERE id = {person} AND (merged_into_id IS NOT NULL OR erased_at IS NOT NULL)
    UNION ALL
    SELECT 'elector left the register' FROM register_elector WHERE id = {elector} AND deleted_at IS NOT NULL
    UNION ALL
    SELECT 'reported moved or deceased' FROM canvassing_contact
     WHERE elector_id = {elector} AND outcome IN ('moved', 'deceased')
) why LIMIT 1
"""


# The caller holds no live lease in the campaign (an ended lease is back in the queue, so it does not count).
# Parameters: campaign, caller, now.
_NOT_HOLDING = """
    NOT EXISTS (
        SELECT 1 FROM phonebank_calltarget held
        WHERE held.campaign_id = %s AND held.lease_owner_id = %s AND held.state = 'open' AND held.available_at > %s
    )
"""


def kinds_sql(tps: bool) -> str:
    return "('do_not_contact', 'no_phone', 'tps')" if tps else "('do_not_contact', 'no_phone')"


def _per_tps(statement: str) -> dict[bool, str]:
    """A statement with the claimed row's suppression check in place of {blocked}: without and with TPS."""
    return {
        tps: statement.replace(
            "{blocked}",
            BLOCKED_SQL.format(person="t.person_id", phone="t.phone", elector="t.elector_id", kinds=kinds_sql(tps)),
        )
        for tps in (False, True)
    }


# PostgreSQL: claim, the caller's view of the contact and the suppression check in one round trip.
_PG_CLAIM = f"""
WITH next AS (
    SELECT id FROM phonebank_calltarget
    WHERE {_ELIGIBLE} AND {_NOT_HOLDING}
    ORDER BY priority, available_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE phonebank_calltarget t
SET lease_owner_id = %s, lease_seq = t.lease_seq + 1, leased_at = %s, available_at = %s, skipped_by_id = NULL
FROM next, people_person p WHERE t.id = next.id AND p.id = t.person_id
RETURNING t.id, t.lease_seq, t.person_id, t.elector_id, t.phone, t.attempts, p.given_name, p.family_name,
    ({{blocked}}) AS blocked
"""
_PG_CLAIMS = _per_tps(_PG_CLAIM)

_CANDIDATES = f"""
SELECT id, lease_seq FROM phonebank_calltarget
WHERE {_ELIGIBLE} AND {_NOT_HOLDING}
ORDER BY priority, available_at, id
LIMIT %s
"""

_CONDITIONAL_CLAIM = f"""
UPDATE phonebank_calltarget
SET lease_owner_id = %s, lease_seq = lease_seq + 1, leased_at = %s, available_at = %s, skipped_by_id = NULL
WHERE id = %s AND lease_seq = %s AND {_ELIGIBLE} AND {_NOT_HOLDING}
RETURNING id, lease_seq, person_id, elector_id, phone, attempts
"""

# ------------------------------------------------------------------------------------------ blocks (PostgreSQL)
#
# An app process claims a block of contacts in one statement (leasing.py keeps it in memory) and hands them out
# one per request by primary key, so the queue head's index is scanned once per block instead of once per call.
# A block's rows are marked with its id and kept from other blocks until `until`; a process that dies leaves them
# to come back then, as a dead caller's lease does. The suppression check runs here (rows found blocked are
# returned with the reason and excluded by the caller of this SQL) and again at hand-out.

# Parameters: campaign, now, max_attempts, size, block id, until.
_PG_BLOCK = """
WITH next AS (
    SELECT id, available_at FROM phonebank_calltarget
    WHERE campaign_id = %s AND state = 'open' AND available_at <= %s AND attempts < %s
    ORDER BY priority, available_at, id
    LIMIT %s
    FOR UPDATE SKIP LOCKED
)
UPDATE phonebank_calltarget t
SET block = %s, available_at = %s, lease_owner_id = NULL
FROM next WHERE t.id = next.id
RETURNING t.id, t.priority, next.available_at, t.skipped_by_id, ({blocked}) AS blocked
"""
_PG_BLOCKS = _per_tps(_PG_BLOCK)

# One contact of a block to one caller, if it is still in that block and the caller holds nothing; with the
# caller's view of it and the suppression check again (a do-not-call added since the block was claimed counts).
# Parameters: caller, now, lease until, target, block, max_attempts, caller, then {_NOT_HOLDING}'s.
_PG_HAND_OUT = f"""
UPDATE phonebank_calltarget t
SET lease_owner_id = %s, lease_seq = t.lease_seq + 1, leased_at = %s, available_at = %s, skipped_by_id = NULL,
    block = NULL
FROM people_person p
WHERE t.id = %s AND t.block = %s AND t.state = 'open' AND t.attempts < %s
    AND (t.skipped_by_id IS NULL OR t.skipped_by_id <> %s) AND p.id = t.person_id AND {_NOT_HOLDING}
RETURNING t.id, t.lease_seq, t.person_id, t.elector_id, t.phone, t.attempts, p.given_name, p.family_name,
    ({{blocked}}) AS blocked
"""
_PG_HAND_OUTS = _per_tps(_PG_HAND_OUT)

_HOLDS = f"SELECT NOT {_NOT_HOLDING}"

# Unused contacts back to the queue at once (a process stopping, or a block found stale).
_RELEASE = """
UPDATE phonebank_calltarget SET block = NULL, available_at = %s
WHERE id = ANY(%s) AND block = ANY(%s) AND state = 'open'
"""

# Contacts found blocked when claimed: excluded with the reason, as at hand-out.
_EXCLUDE_FROM_BLOCK = """
UPDATE phonebank_calltarget SET state = 'excluded', excluded_reason = %s, block = NULL
WHERE id = %s AND block = %s
"""


@dataclass(frozen=True)
class BlockRow:
    target_id: int
    priority: int
    available_at: datetime.datetime
    skipped_by_id: int | None


def claim_block(
    campaign_id: int,
    block_id: int,
    *,
    size: int,
    now: datetime.datetime,
    until: datetime.datetime,
    max_attempts: int,
    tps: bool,
    using: str = "default",
) -> list[BlockRow]:
    """PostgreSQL: up to `size` eligible contacts into block `block_id` until `until`, in queue order. Those
    found suppressed are excluded now and not returned."""
    rows = sql.fetchall(_PG_BLOCKS[tps], [campaign_id, now, max_attempts, size, block_id, until], using=using)
    kept = []
    for target_id, priority, available_at, skipped_by, blocked in rows:
        if blocked:
            sql.execute(_EXCLUDE_FROM_BLOCK, [blocked[:200], target_id, block_id], using=using)
        else:
            kept.append(BlockRow(target_id, priority, available_at, skipped_by))
    kept.sort(key=lambda r: (r.priority, r.available_at, r.target_id))
    return kept


def hand_out(
    campaign_id: int,
    caller_id: int,
    target_id: int,
    block_id: int,
    *,
    now: datetime.datetime,
    lease_until: datetime.datetime,
    max_attempts: int,
    tps: bool,
    using: str = "default",
) -> Lease | None:
    """PostgreSQL: lease one contact of a block to this caller; None if it is no longer in the block, the caller
    skipped it, or the caller holds a live lease (ask `holds`)."""
    params = [caller_id, now, lease_until, target_id, block_id, max_attempts, caller_id, campaign_id, caller_id, now]
    row = sql.fetchone(_PG_HAND_OUTS[tps], params, using=using)
    if row is None:
        return None
    return Lease(*row[:8], blocked=row[8] or "")


def holds(campaign_id: int, caller_id: int, now: datetime.datetime, using: str = "default") -> bool:
    """Whether the caller holds a live lease in the campaign."""
    return bool(sql.fetchone(_HOLDS, [campaign_id, caller_id, now], using=using)[0])


def release(target_ids: list[int], block_ids: list[int], now: datetime.datetime, using: str = "default") -> int:
    """Put contacts still waiting in these blocks back in the queue, available now."""
    if not target_ids:
        return 0
    return sql.execute(_RELEASE, [now, target_ids, block_ids], using=using)


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
    # Filled in by the PostgreSQL claim (one round trip); None when the caller must look them up.
    given_name: str | None = None
    family_name: str | None = None
    blocked: str | None = None


# Two int4 keys: a key space apart from the audit log's one-bigint lock. Ids past 2**31 wrap, which can only make
# two callers wait for each other briefly, never let one caller hold two contacts.
_HOLD_LOCK = "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)"


def lock_holding(campaign_id: int, caller_id: int, using: str = "default") -> None:
    """PostgreSQL: this caller's hand-outs in this campaign take turns until the transaction ends (call it
    inside one, before the claim, so the claim's "holds nothing" test sees the other's committed lease)."""
    if connections[using].vendor == "postgresql":
        sql.fetchone(_HOLD_LOCK, [campaign_id % 2**31, caller_id % 2**31], using=using)


def claim(
    campaign_id: int,
    caller_id: int,
    *,
    now: datetime.datetime,
    lease_until: datetime.datetime,
    max_attempts: int,
    method: str | None = None,
    using: str = "default",
    tps: bool = True,
) -> Lease | None:
    """Lease the first eligible contact to `caller_id`, or None when nothing is eligible now or the caller
    already holds a live lease in this campaign.

    `method` forces 'skip_locked' or 'conditional' (tests run both on PostgreSQL); by default PostgreSQL uses
    SKIP LOCKED and every other database the conditional UPDATE.
    """
    vendor = connections[using].vendor
    method = method or ("skip_locked" if vendor == "postgresql" else "conditional")
    # The parameters of {_ELIGIBLE} AND {_NOT_HOLDING}.
    eligible = [campaign_id, now, max_attempts, caller_id, campaign_id, caller_id, now]
    if method == "skip_locked":
        row = sql.fetchone(_PG_CLAIMS[tps], [*eligible, caller_id, now, lease_until], using=using)
        if row is None:
            return None
        return Lease(*row[:8], blocked=row[8] or "")
    for _ in range(50):
        candidates = sql.fetchall(_CANDIDATES, [*eligible, CANDIDATES], using=using)
        if not candidates:
            return None
        # In queue order: a candidate someone else just took fails its UPDATE at once and we try the next.
        for target_id, seq in candidates:
            params = [caller_id, now, lease_until, target_id, seq, *eligible]
            row = sql.fetchone(_CONDITIONAL_CLAIM, params, using=using)
            if row:
                return Lease(*row)
    return None


class _RolledBack(Exception):
    pass


def explain(
    campaign_id: int,
    caller_id: int,
    *,
    now: datetime.datetime,
    max_attempts: int,
    statement: str = "claim",
    using: str = "default",
) -> list[str]:
    """PostgreSQL: `EXPLAIN (ANALYZE, BUFFERS)` of a queue statement as the app runs it, rolled back (for the
    benchmark and for an operator asking why claims are slow): 'claim' (one contact straight off the queue) or
    'block' (a block of `leasing.BLOCK_SIZE`)."""
    if statement == "block":
        query, params = _PG_BLOCKS[True], [campaign_id, now, max_attempts, 16, 1, now]
    else:
        eligible = [campaign_id, now, max_attempts, caller_id, campaign_id, caller_id, now]
        query, params = _PG_CLAIMS[True], [*eligible, caller_id, now, now]
    lines: list[str] = []
    try:
        with transaction.atomic(using=using):
            lines = [r[0] for r in sql.fetchall("EXPLAIN (ANALYZE, BUFFERS) " + query, params, using=using)]
            raise _RolledBack
    except _RolledBack:
        pass
    return lines
