"""Batch leasing (PostgreSQL): each app process takes contacts off a campaign's queue a block at a time and hands
them to its callers one per request from memory.

Why: claiming straight off the queue costs an index scan of the queue head per call, and every claim moves a row
out of that head (its `available_at` changes), so under load each scan steps over the entries of rows just taken
by others (docs/benchmarks.md, issue 23). A block is one such scan for `BLOCK_SIZE` calls; a hand-out is an update
by primary key.

The rules hold as with a direct claim:
- blocks never overlap: a block is claimed with `FOR UPDATE SKIP LOCKED` and its rows are marked with the block's
  random id and kept from other blocks until the block ends (`available_at`); a hand-out succeeds only while the
  row still carries that id, so a row another process took after the block ended is never handed out twice;
- one caller per contact and one contact per caller: the hand-out sets the lease, and refuses a caller who holds
  one (under the caller's hold lock, queue.lock_holding);
- windows are checked per request (services); retries and maximum attempts at the claim; skips at hand-out;
- suppression is checked when the block is claimed and again at hand-out, so a contact suppressed in between is
  never handed out;
- a process that dies loses nothing: its blocks' rows come back when the blocks end, as a dead caller's lease
  does; a process that stops cleanly puts them back at once (`release_all`, at exit and from gunicorn's
  `worker_exit`).
"""

from __future__ import annotations

import atexit
import datetime
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import queue

log = logging.getLogger(__name__)

# The block: enough that the queue head is scanned once per many calls; small enough that a process's share of
# the queue's best contacts is not kept from the others for long.
BLOCK_SIZE = 16
# How long a block's rows are kept from other processes (and how long a dead process's block stays out).
BLOCK_SECONDS = 60
REFILLS_PER_REQUEST = 3
# How long a request with nothing to hand out waits for a block another thread is claiming right now.
CLAIMING_WAIT_SECONDS = 0.5
CLAIMING_POLL_SECONDS = 0.002


def block_size() -> int:
    return int(getattr(settings, "PHONEBANK_BLOCK_SIZE", BLOCK_SIZE))


def block_seconds() -> int:
    return int(getattr(settings, "PHONEBANK_BLOCK_SECONDS", BLOCK_SECONDS))


class Block:
    """One claimed block. Its contacts can be handed out on other threads only once the transaction that claimed
    it has committed: until then the rows are marked only inside that transaction, and a hand-out elsewhere
    would not see them (and drop them). The claiming thread may use them at once (same transaction)."""

    __slots__ = ("block_id", "committed", "thread")

    def __init__(self, block_id: int) -> None:
        self.block_id = block_id
        self.committed = False
        self.thread = threading.get_ident()

    def mark_committed(self) -> None:
        self.committed = True


@dataclass(frozen=True)
class Waiting:
    """A contact in this process's memory, waiting to be handed out."""

    target_id: int
    block: Block
    skipped_by_id: int | None

    @property
    def block_id(self) -> int:
        return self.block.block_id


# (database alias, campaign id) → contacts waiting, in queue order; and → threads claiming a block for it now.
_waiting: dict[tuple[str, int], deque[Waiting]] = {}
_claiming: dict[tuple[str, int], set[int]] = {}
_lock = threading.Lock()


def _pop(key: tuple[str, int], caller_id: int) -> Waiting | None:
    """The first waiting contact this caller did not skip and this thread may hand out."""
    me = threading.get_ident()
    with _lock:
        waiting = _waiting.get(key)
        if not waiting:
            return None
        for i, entry in enumerate(waiting):
            if entry.skipped_by_id != caller_id and (entry.block.committed or entry.block.thread == me):
                del waiting[i]
                return entry
    return None


def _put_back(key: tuple[str, int], entry: Waiting) -> None:
    with _lock:
        _waiting.setdefault(key, deque()).appendleft(entry)


def _refill(key: tuple[str, int], *, now: datetime.datetime, max_attempts: int, tps: bool, size: int) -> int:
    using, campaign_id = key
    block = Block(secrets.randbits(62) + 1)
    with _lock:
        _claiming.setdefault(key, set()).add(block.thread)
    try:
        rows = queue.claim_block(
            campaign_id,
            block.block_id,
            size=size,
            now=now,
            until=now + datetime.timedelta(seconds=block_seconds()),
            max_attempts=max_attempts,
            tps=tps,
            using=using,
        )
        with _lock:
            _waiting.setdefault(key, deque()).extend(Waiting(r.target_id, block, r.skipped_by_id) for r in rows)
    finally:
        with _lock:
            _claiming[key].discard(block.thread)
    if rows:
        # At once when not in a transaction.
        transaction.on_commit(block.mark_committed, using=using)
    return len(rows)


def _usable(key: tuple[str, int]) -> int:
    me = threading.get_ident()
    with _lock:
        return sum(1 for e in _waiting.get(key, ()) if e.block.committed or e.block.thread == me)


def stock(campaign_id: int, *, now: datetime.datetime, max_attempts: int, tps: bool, using: str = "default") -> int:
    """Before a request's transaction: claim a block when fewer than half a block waits here, so that it is
    committed at once and every thread can hand it out. The number of contacts claimed."""
    key = (using, campaign_id)
    size = block_size()
    if _usable(key) >= max(1, size // 2):
        return 0
    return _refill(key, now=now, max_attempts=max_attempts, tps=tps, size=size)


def take(
    campaign_id: int,
    caller_id: int,
    *,
    now: datetime.datetime,
    lease_until: datetime.datetime,
    max_attempts: int,
    tps: bool,
    refill: bool = True,
    using: str = "default",
) -> queue.Lease | None:
    """Lease the next waiting contact to the caller, or None when the queue has nothing eligible or the caller
    holds a live lease. Call it holding the caller's hold lock, inside a transaction (services._holding).

    When nothing waits here (other threads took it all since `stock`), and `refill`: a block of one for this
    caller, inside the transaction (a bigger one would be usable by no other thread until it commits)."""
    key = (using, campaign_id)
    refills = REFILLS_PER_REQUEST if refill else 0
    deadline = time.monotonic() + CLAIMING_WAIT_SECONDS
    while True:
        entry = _pop(key, caller_id)
        if entry is None:
            if _claiming_elsewhere(key) and time.monotonic() < deadline:
                # Another thread is claiming a block outside any transaction (it holds no lock we hold), and
                # the rest of the queue may be in it: usable in a moment.
                time.sleep(CLAIMING_POLL_SECONDS)
                continue
            if refills and _refill(key, now=now, max_attempts=max_attempts, tps=tps, size=1):
                refills -= 1
                continue
            return None
        lease = queue.hand_out(
            campaign_id,
            caller_id,
            entry.target_id,
            entry.block_id,
            now=now,
            lease_until=lease_until,
            max_attempts=max_attempts,
            tps=tps,
            using=using,
        )
        if lease is not None:
            return lease
        if queue.holds(campaign_id, caller_id, now, using=using):
            _put_back(key, entry)
            return None
        # No longer in its block (the block ended and another process took the row, or it was excluded): drop it.


def _claiming_elsewhere(key: tuple[str, int]) -> bool:
    me = threading.get_ident()
    with _lock:
        return bool(_claiming.get(key, set()) - {me})


def waiting(campaign_id: int, using: str = "default") -> list[Waiting]:
    """This process's waiting contacts for a campaign (for tests and the benchmark)."""
    with _lock:
        return list(_waiting.get((using, campaign_id), ()))


def release_all(now: datetime.datetime | None = None) -> int:
    """Put every contact waiting in this process back in the queue, available now; the number put back."""
    with _lock:
        taken = {key: list(entries) for key, entries in _waiting.items() if entries}
        _waiting.clear()
    now = now or timezone.now()
    released = 0
    by_alias: dict[str, list[Waiting]] = {}
    for (using, _campaign), entries in taken.items():
        by_alias.setdefault(using, []).extend(entries)
    for using, entries in by_alias.items():
        try:
            released += queue.release(
                [e.target_id for e in entries], sorted({e.block_id for e in entries}), now, using=using
            )
        except DatabaseError:
            # The rows come back by themselves when their blocks end.
            log.warning("could not release %d waiting contacts; they return when their blocks end", len(entries))
    return released


def forget_all() -> None:
    """Drop the memory without touching the database (tests: the rows went with the test's transaction)."""
    with _lock:
        _waiting.clear()
        _claiming.clear()


atexit.register(release_all)
