"""Anchoring the audit chain outside the database.

The hash chain catches an edited, reordered or missing entry *inside* the log, but not entries cut off its end:
a log truncated to entry 95 (or emptied) is a valid chain. So the head — how many entries, the newest one's
hash and id — is appended regularly to a file outside the database (settings.AUDIT_CHECKPOINT_FILE: after every
AUDIT_CHECKPOINT_EVERY-th entry, and whenever `groundswell audit checkpoint` runs from the scheduler), and
optionally sent to an external sink (AUDIT_CHECKPOINT_SINK: syslog, an HTTPS endpoint or the data-protection
officer's email). `groundswell audit verify` then checks the table still reaches the latest checkpoint and that
the entry there still has that hash. Someone with database access alone cannot rewrite either anchor.

Lines carry the database they describe (engine and name, no host or password), so a benchmark's scratch
database or a test database never vouches for, or condemns, the real one.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
import socket
import threading
import urllib.request
from dataclasses import asdict, dataclass
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from .models import AuditEntry

logger = logging.getLogger(__name__)

SINK_TIMEOUT_SECONDS = 5
SYSLOG_PORT = 514


@dataclass(frozen=True)
class Checkpoint:
    """The head of the chain at one moment: `count` entries, the last with `head_hash` and primary key `head_id`."""

    count: int
    head_hash: str
    head_id: int
    at: str
    database: str

    def line(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":")) + "\n"


@dataclass
class CheckpointCheck:
    """What `audit verify` found when comparing the table with the latest checkpoint."""

    checked: bool
    ok: bool
    file: str
    checkpoint: Checkpoint | None = None
    first_bad_sequence: int | None = None
    problem: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "checked": self.checked,
            "ok": self.ok,
            "file": self.file,
            "count": cp.count if cp else None,
            "head_hash": cp.head_hash if cp else None,
            "at": cp.at if cp else None,
            "problem": self.problem,
            "note": self.note,
        }


class SinkError(Exception):
    """A sink refused or could not be reached (logged; never stops an audit write)."""


# ------------------------------------------------------------------------------------------ settings


def checkpoint_file() -> Path | None:
    """The append-only file, or None when AUDIT_CHECKPOINT_FILE is set empty (checkpoints off)."""
    value = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    return Path(value) if value else None


def every() -> int:
    """Write a checkpoint after every this-many entries (0: only when the command runs)."""
    return max(0, int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", 0) or 0))


def sinks() -> list[str]:
    value = getattr(settings, "AUDIT_CHECKPOINT_SINK", "") or ""
    return [item.strip() for item in value.split(",") if item.strip()]


def database_label(using: str = DEFAULT_DB_ALIAS) -> str:
    """Which database a checkpoint describes: engine and name only (hosts change behind poolers; names do not)."""
    conn = connections[using]
    name = str(conn.settings_dict.get("NAME") or "")
    if conn.vendor == "sqlite" and not name.startswith(("file:", ":memory:")):
        name = str(Path(name).resolve())
    return f"{conn.vendor}:{name}"


# ------------------------------------------------------------------------------------------ writing


def checkpoint_of(entry: AuditEntry | dict[str, Any]) -> Checkpoint:
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    return Checkpoint(
        count=int(get("sequence")),
        head_hash=str(get("entry_hash")),
        head_id=int(get("id")),
        at=timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds"),
        database=database_label(),
    )


def append(checkpoint: Checkpoint, path: Path) -> None:
    """One line, appended (O_APPEND), under an exclusive lock so concurrent writers never interleave, then fsync'd
    so a checkpoint that was reported written survives a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, checkpoint.line().encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def head() -> dict[str, Any] | None:
    return AuditEntry.objects.order_by("-sequence").values("sequence", "entry_hash", "id").first()


def after_commit(checkpoint: Checkpoint) -> None:
    """Called once the N-th entry is committed (never for a rolled-back one): the file now, the sink in the
    background so a slow or absent sink costs the request nothing. A failure is logged: the audit entry stands."""
    path = checkpoint_file()
    try:
        if path is not None:
            append(checkpoint, path)
    except OSError:
        logger.exception("Could not append audit checkpoint %s to %s", checkpoint.count, path)
    if sinks():
        threading.Thread(target=send_to_sinks, args=(checkpoint,), daemon=True, name="audit-checkpoint-sink").start()


# ------------------------------------------------------------------------------------------ sinks


def send_to_sinks(checkpoint: Checkpoint, targets: list[str] | None = None) -> list[str]:
    """Send the checkpoint to every sink; returns the failures (each also logged), never raises."""
    failures = []
    for target in sinks() if targets is None else targets:
        try:
            send_to_sink(checkpoint, target)
        except Exception as exc:  # noqa: BLE001 - any sink failure is reported, none may break the caller
            logger.error("Audit checkpoint %s not sent to %s: %s", checkpoint.count, _redacted(target), exc)
            failures.append(f"{_redacted(target)}: {exc}")
    return failures


def _redacted(target: str) -> str:
    """A sink URL as it may appear in logs: no user or password."""
    parts = urlsplit(target)
    if parts.scheme and parts.hostname and (parts.username or parts.password):
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return target


def send_to_sink(checkpoint: Checkpoint, target: str) -> None:
    """syslog://host[:port] (UDP) or syslog+tcp://…, http(s)://… (a JSON POST), or an email address."""
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("syslog", "syslog+tcp", "syslog+udp"):
        _send_syslog(checkpoint, target)
    elif scheme in ("http", "https"):
        _send_http(checkpoint, target)
    elif scheme == "mailto" or (not scheme and "@" in target):
        _send_email(checkpoint, target.removeprefix("mailto:"))
    else:
        raise SinkError(f"unknown sink {target!r}: use syslog://host:port, https://… or an email address")


class _RaisingSysLogHandler(SysLogHandler):
    """SysLogHandler.emit() hands socket errors to handleError(), which prints them; here they propagate, so the
    failure is logged like any other sink's."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        raise  # noqa: PLE0704 - re-raises the error emit() is handling


def _send_syslog(checkpoint: Checkpoint, target: str) -> None:
    parts = urlsplit(target)
    if not parts.hostname:
        raise SinkError(f"{target!r} names no host")
    tcp = parts.scheme.lower() == "syslog+tcp"
    handler = _RaisingSysLogHandler(
        address=(parts.hostname, parts.port or SYSLOG_PORT),
        facility=SysLogHandler.LOG_AUTH,
        socktype=socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM,
    )
    handler.ident = "groundswell-audit-checkpoint: "
    try:
        handler.emit(logging.makeLogRecord({"msg": checkpoint.line().strip(), "levelno": 20, "levelname": "INFO"}))
    finally:
        handler.close()


def _send_http(checkpoint: Checkpoint, target: str) -> None:
    body = json.dumps({"source": "groundswell-audit-checkpoint", **asdict(checkpoint)}).encode()
    request = urllib.request.Request(target, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=SINK_TIMEOUT_SECONDS) as response:  # noqa: S310 - URL from settings
        if not 200 <= response.status < 300:
            raise SinkError(f"HTTP {response.status}")


def _send_email(checkpoint: Checkpoint, address: str) -> None:
    send_mail(
        f"Groundswell audit checkpoint: {checkpoint.count} entries",
        "The audit log's head, for your records (keep this email: `groundswell audit verify` compares the log "
        "with such checkpoints, and a log that no longer reaches one has lost entries).\n\n"
        + json.dumps(asdict(checkpoint), indent=2),
        None,
        [address],
        fail_silently=False,
    )


# ------------------------------------------------------------------------------------------ reading and checking


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every well-formed line (a torn last line after a crash is skipped)."""
    found = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            found.append(
                Checkpoint(
                    count=int(data["count"]),
                    head_hash=str(data["head_hash"]),
                    head_id=int(data["head_id"]),
                    at=str(data["at"]),
                    database=str(data.get("database", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return found


def latest_checkpoint(path: Path | None = None, database: str | None = None) -> Checkpoint | None:
    """The checkpoint of this database (or of `database`, a label) with the highest count. By count, not file
    order: two writers may append out of order, and a later, lower checkpoint (written after a truncation) must
    not hide an earlier, higher one."""
    path = path or checkpoint_file()
    if path is None:
        return None
    label = database or database_label()
    mine = [cp for cp in read_checkpoints(path) if cp.database == label]
    return max(mine, key=lambda cp: cp.count, default=None)


def check_against_latest(path: Path | None = None, database: str | None = None) -> CheckpointCheck:
    """Does the table still reach the latest checkpoint, with the same entry there?

    `path` and `database` name another file and the database its checkpoints describe: a restored copy is
    checked against the checkpoints of the database it was backed up from."""
    path = path or checkpoint_file()
    if path is None:
        return CheckpointCheck(False, True, "", note="checkpoints are off (AUDIT_CHECKPOINT_FILE is empty)")
    checkpoint = latest_checkpoint(path, database)
    if checkpoint is None:
        whose = f"database {database}" if database else "this database"
        return CheckpointCheck(False, True, str(path), note=f"no checkpoint for {whose} in {path} yet")
    row = AuditEntry.objects.filter(sequence=checkpoint.count).values("entry_hash").first()
    if row is None:
        last = head()
        ends = last["sequence"] if last else 0
        missing = f"entry {checkpoint.count}" if ends + 1 == checkpoint.count else f"{ends + 1}–{checkpoint.count}"
        problem = (
            f"the log ends at entry {ends} but the checkpoint of {checkpoint.at} recorded {checkpoint.count} "
            f"entries: {'entries ' if '–' in missing else ''}{missing} have been deleted from the end of the log"
        )
        return CheckpointCheck(True, False, str(path), checkpoint, ends + 1, problem)
    if row["entry_hash"] != checkpoint.head_hash:
        problem = (
            f"entry {checkpoint.count} does not match the checkpoint of {checkpoint.at}: "
            "the log has been rewritten up to there"
        )
        return CheckpointCheck(True, False, str(path), checkpoint, checkpoint.count, problem)
    return CheckpointCheck(True, True, str(path), checkpoint)


def write_now(*, send: bool = True, path: Path | None = None) -> tuple[Checkpoint | None, str, list[str]]:
    """The scheduled checkpoint: the current head, appended unless nothing was added since the latest one.

    Refuses (returns a problem, writes nothing) when the table no longer reaches the latest checkpoint, so the
    scheduler's run fails loudly instead of quietly anchoring a truncated log. Returns (written, problem, sink
    failures).
    """
    path = path or checkpoint_file()
    if path is None:
        return None, "checkpoints are off (AUDIT_CHECKPOINT_FILE is empty)", []
    check = check_against_latest(path)
    if not check.ok:
        return None, check.problem, []
    current = head()
    if current is None:
        return None, "", []
    if check.checkpoint is not None and check.checkpoint.count == current["sequence"]:
        return None, "", []
    checkpoint = checkpoint_of(current)
    append(checkpoint, path)
    failures = send_to_sinks(checkpoint) if send else []
    return checkpoint, "", failures
