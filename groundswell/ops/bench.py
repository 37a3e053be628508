"""`groundswell bench backup [--size N]`: back up a populated database and restore it into a fresh one, timed.

The data is the people importer's (N people with emails, phones, memberships, tags and consents; default
100,000) and an audit trail of N/100 entries. `backup_s` is `make_backup` (database copy, encryption, manifest);
`restore_s` is `restore_backup` into a new database on the same server (decrypt, check every sha256, load,
count every table), which is what the operator waits for after a loss; `restore_load_s` is the load alone.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.db import connection

from groundswell.audit.services import record
from groundswell.people.bench import write_people_csv
from groundswell.people.importing import import_people_csv

from .backup import make_backup, restore_backup
from .databases import fresh_database

DEFAULT_PEOPLE = 100_000


def _populate(people: int, progress: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="gsbench-backup-") as directory:
        path = os.path.join(directory, "people.csv")
        write_people_csv(path, people)
        report = import_people_csv(path, progress=progress)
    if not report.ok:
        raise RuntimeError(f"the bench's people import failed: {report.error_lines(limit=5)}")
    for i in range(max(1, people // 100)):
        record("viewed", object_type="people.person", object_id=str(i + 1))


def _database_bytes() -> int:
    """The live database's size on disk, beside the backup's `bytes` (pg_dump's custom format is compressed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return cursor.fetchone()[0]


def run(size: int | None = None, progress: bool = True) -> dict:
    people = size or DEFAULT_PEOPLE
    started = time.perf_counter()
    _populate(people, progress)
    populate_s = time.perf_counter() - started
    key = os.urandom(32)
    with tempfile.TemporaryDirectory(prefix="gsbench-backup-") as directory:
        out = Path(directory) / "bench.gsbak"
        made = make_backup(out, key)
        with fresh_database(connection.settings_dict, prefix="gsbench_restore") as target:
            restored = restore_backup(out, key, database=target)
    if not restored.counts_match:
        wrong = [t.table for t in restored.tables if not t.matches]
        raise RuntimeError(f"restored row counts differ from the backup's in {', '.join(wrong)}")
    database = made.manifest["database"]
    return {
        "people": people,
        "populate_s": round(populate_s, 3),
        "backup_s": round(made.seconds, 3),
        "restore_s": round(restored.seconds, 3),
        "bytes": made.bytes,
        "tables": database["tables"],
        "rows": database["rows"],
        "counts_match": restored.counts_match,
        "restore_load_s": round(restored.load_seconds, 3),
        "database_bytes": _database_bytes(),
    }
