"""groundswell restore FILE [--key-file F] [--media-to DIR] [--checkpoint-to PATH] [--verify-only] [--json]"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from groundswell.audit import checkpoints
from groundswell.audit.services import verify_chain
from groundswell.ops.backup import RestoreResult, restore_backup
from groundswell.ops.cli import KEY_ENV, configured_path, key_from_options
from groundswell.ops.crypto import BackupCorrupt, BackupKeyError
from groundswell.ops.databases import DatabaseToolFailed, RestoreRefused


class Command(BaseCommand):
    help = (
        "Check an encrypted backup completely, then restore it into the EMPTY database DATABASE_URL points at, "
        "with its uploaded files and audit checkpoint; print per-table row counts against the manifest and "
        "verify the restored audit chain. Exit status 1 if anything does not match."
    )
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .gsbak file")
        parser.add_argument("--key-file", help=f"the backup key (default: ${KEY_ENV})")
        parser.add_argument("--media-to", help="where uploaded files go (default: MEDIA_ROOT)")
        parser.add_argument("--checkpoint-to", help="where the audit checkpoint goes (default: AUDIT_CHECKPOINT_FILE)")
        parser.add_argument("--verify-only", action="store_true", help="decrypt and check every part; restore nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options) -> None:
        key = key_from_options(options["key_file"], self.stderr.write)
        media_to = configured_path(options["media_to"] or getattr(settings, "MEDIA_ROOT", None))
        checkpoint_to = configured_path(options["checkpoint_to"] or getattr(settings, "AUDIT_CHECKPOINT_FILE", None))
        say = (lambda m: None) if options["json"] else self.stderr.write
        try:
            result = restore_backup(
                Path(options["file"]),
                key,
                media_root=media_to,
                checkpoint_path=checkpoint_to,
                verify_only=options["verify_only"],
                say=say,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"{options['file']} does not exist") from exc
        except (BackupKeyError, BackupCorrupt, RestoreRefused, DatabaseToolFailed) as exc:
            raise CommandError(str(exc)) from exc
        audit = None
        if result.restored:
            connections["default"].close()  # the restored tables were made by another connection
            # The copy must reach the source database's latest checkpoint (from the backup's own checkpoint file);
            # once it does, its head is anchored under its own name so later `audit verify` runs check it too.
            audit = verify_chain(
                checkpoint_path=result.checkpoint_path,
                checkpoint_database=result.manifest.get("checkpoint_database"),
            )
            if audit.ok and result.checkpoint_path:
                checkpoints.write_now(send=False, path=result.checkpoint_path)
        self._report(result, audit, as_json=options["json"])
        if result.restored and not (result.counts_match and audit.ok):
            raise CommandError("The restored database does not match the backup (see above)", returncode=1)

    def _report(self, result: RestoreResult, audit, *, as_json: bool) -> None:
        manifest = result.manifest
        if as_json:
            payload = {
                "restored": result.restored,
                "created_at": manifest["created_at"],
                "vendor": manifest["database"]["vendor"],
                "tables": [{"table": t.table, "backup": t.expected, "restored": t.restored} for t in result.tables],
                "counts_match": result.counts_match,
                "media_files": result.media_files,
                "checkpoint": str(result.checkpoint_path) if result.checkpoint_path else None,
                "audit_ok": audit.ok if audit else None,
                "audit_entries": audit.entries if audit else None,
                "seconds": round(result.seconds, 3),
            }
            self.stdout.write(json.dumps(payload))
            return
        database = manifest["database"]
        made = f"made {manifest['created_at']} by Groundswell {manifest['versions']['groundswell']}"
        if not result.restored:
            self.stdout.write(
                f"OK: the backup decrypts and every part matches its sha256 ({made}; {database['vendor']}, "
                f"{database['tables']} tables, {database['rows']:,} rows, {manifest['media_files']} uploaded files)."
            )
            return
        width = max((len(t.table) for t in result.tables), default=5)
        self.stdout.write(f"Restored a {database['vendor']} backup {made} in {result.seconds:.1f} s.")
        self.stdout.write(f"{'table':<{width}}  {'backup':>10}  {'restored':>10}")
        for t in result.tables:
            mark = "" if t.matches else "  MISMATCH"
            self.stdout.write(f"{t.table:<{width}}  {_n(t.expected):>10}  {_n(t.restored):>10}{mark}")
        self.stdout.write(
            f"{len(result.tables)} tables, "
            + ("all counts match." if result.counts_match else "COUNTS DIFFER.")
            + f" {result.media_files} uploaded files restored."
            + (f" Audit checkpoint written to {result.checkpoint_path}." if result.checkpoint_path else "")
        )
        if audit.ok:
            self.stdout.write(f"Audit chain intact: {audit.entries} entries.")
        else:
            self.stdout.write(f"AUDIT CHAIN BROKEN at sequence {audit.first_bad_sequence}: {audit.problem}")


def _n(value: int | None) -> str:
    return "missing" if value is None else f"{value:,}"
