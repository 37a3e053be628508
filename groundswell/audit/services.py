"""Writing to and verifying the audit log. Every personal-data read, export and change goes through `record`."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from . import checkpoints
from .models import AuditEntry

GENESIS_HASH = "0" * 64
_LOCK_KEY = 74_117_002  # arbitrary constant for pg_advisory_xact_lock

HASHED_FIELDS = (
    "sequence",
    "at",
    "actor_id",
    "actor_label",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "query",
    "reason",
    "detail",
    "unit_path",
)


def compute_hash(entry: AuditEntry, previous_hash: str) -> str:
    payload = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        payload[name] = value
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def _client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    query: str = "",
    reason: str = "",
    detail: dict | None = None,
    unit: Any = None,
) -> AuditEntry:
    """Append one entry to the chain.

    Labels must not carry personal data (erasure cannot rewrite the log), so objects are named by type and id.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or f"{obj._meta.verbose_name} #{obj.pk}"
        if unit is None:
            unit = getattr(obj, "unit", None)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor,
        actor_label=(getattr(actor, "email", "") or "system")[:254],
        ip_address=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_label=object_label[:300],
        query=query,
        reason=reason,
        detail=detail or {},
        unit_path=getattr(unit, "path", "") or "",
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appends so two writers cannot both chain onto the same predecessor.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        # On SQLite, transactions are BEGIN IMMEDIATE (see settings), which serialises writers already.
        last = AuditEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()
        entry.sequence = (last["sequence"] + 1) if last else 1
        entry.previous_hash = last["entry_hash"] if last else GENESIS_HASH
        # Round-trip through JSON so the hash is computed over what the database will return.
        entry.detail = json.loads(json.dumps(entry.detail, default=str))
        entry.entry_hash = compute_hash(entry, entry.previous_hash)
        entry.save(force_insert=True)
        n = checkpoints.every()
        if n and entry.sequence % n == 0:
            # After the commit: a checkpoint must never name an entry that was rolled back.
            transaction.on_commit(partial(checkpoints.after_commit, checkpoints.checkpoint_of(entry)), robust=True)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    first_bad_sequence: int | None = None
    problem: str = ""
    checkpoint: checkpoints.CheckpointCheck | None = field(default=None, compare=False)


def verify_chain(
    batch_size: int = 5000,
    *,
    against_checkpoint: bool = True,
    checkpoint_path: Path | None = None,
    checkpoint_database: str | None = None,
) -> VerifyResult:
    """Recompute every hash in order (catches edits, deletions inside the log and re-ordering), then compare the
    table with the latest checkpoint kept outside the database (catches entries cut off the end, or all of them).
    A restored copy passes `checkpoint_path`/`checkpoint_database`: the source database's checkpoints."""
    result = _verify_links(batch_size)
    if not against_checkpoint:
        return result
    result.checkpoint = checkpoints.check_against_latest(checkpoint_path, checkpoint_database)
    if result.ok and not result.checkpoint.ok:
        result.ok = False
        result.first_bad_sequence = result.checkpoint.first_bad_sequence
        result.problem = result.checkpoint.problem
    return result


def _verify_links(batch_size: int) -> VerifyResult:
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    count = 0
    qs = AuditEntry.objects.order_by("sequence")
    for entry in qs.iterator(chunk_size=batch_size):
        count += 1
        if entry.sequence != expected_sequence:
            return VerifyResult(False, count, entry.sequence, f"entry {expected_sequence} is missing")
        if entry.previous_hash != previous_hash:
            return VerifyResult(False, count, entry.sequence, "previous-hash link broken")
        if compute_hash(entry, previous_hash) != entry.entry_hash:
            return VerifyResult(False, count, entry.sequence, "contents do not match the hash")
        previous_hash = entry.entry_hash
        expected_sequence += 1
    return VerifyResult(True, count)
