"""groundswell backup [--out FILE] [--key-file F] [--json] | --generate-key FILE"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.ops.backup import make_backup
from groundswell.ops.cli import KEY_ENV, configured_path, key_from_options
from groundswell.ops.crypto import BackupKeyError, generate_key_file
from groundswell.ops.databases import DatabaseToolFailed, RestoreRefused


class Command(BaseCommand):
    help = (
        "Write an encrypted backup: the database (pg_dump or SQLite's online backup), uploaded files, the audit "
        f"checkpoint and a manifest. The key comes from --key-file or {KEY_ENV}."
    )
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="the backup file to write (default groundswell-backup-<UTC time>.gsbak)")
        parser.add_argument("--key-file", help=f"the backup key (default: ${KEY_ENV})")
        parser.add_argument("--generate-key", metavar="FILE", help="create a new key file (mode 0600) and stop")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options) -> None:
        if options["generate_key"]:
            try:
                kid = generate_key_file(Path(options["generate_key"]))
            except BackupKeyError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Wrote a new backup key to {options['generate_key']} (key id {kid}). Keep a copy somewhere other "
                "than the backups: without it no backup made with it can be read."
            )
            return
        key = key_from_options(options["key_file"], self.stderr.write)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(options["out"] or f"groundswell-backup-{stamp}.gsbak")
        say = (lambda m: None) if options["json"] else self.stderr.write
        try:
            result = make_backup(
                out,
                key,
                media_root=configured_path(getattr(settings, "MEDIA_ROOT", None)),
                checkpoint_file=configured_path(getattr(settings, "AUDIT_CHECKPOINT_FILE", None)),
                say=say,
            )
        except (FileExistsError, RestoreRefused, DatabaseToolFailed) as exc:
            raise CommandError(str(exc)) from exc
        database = result.manifest["database"]
        summary = {
            "path": str(result.path),
            "bytes": result.bytes,
            "key_id": result.key_id,
            "vendor": database["vendor"],
            "tables": database["tables"],
            "rows": database["rows"],
            "media_files": result.manifest["media_files"],
            "checkpoint": result.manifest["checkpoint_file"] is not None,
            "seconds": round(result.seconds, 3),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"Backup written to {result.path} ({result.bytes:,} bytes, key id {result.key_id}): {database['vendor']} "
            f"database, {database['tables']} tables, {database['rows']:,} rows; {summary['media_files']} uploaded "
            f"files; audit checkpoint {'included' if summary['checkpoint'] else 'not configured or absent'}; "
            f"{result.seconds:.1f} s."
        )
