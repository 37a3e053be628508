"""groundswell audit verify [--json] [--no-checkpoint] [--checkpoint-file F --checkpoint-of DB] | checkpoint.

Check the audit log; anchor its head."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.audit import checkpoints
from groundswell.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Audit-log tools. `verify` recomputes the hash chain and compares it with the latest checkpoint; exit "
        "status 1 if either fails. `checkpoint` appends the chain's head to AUDIT_CHECKPOINT_FILE (run it from "
        "the scheduler)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = sub.add_parser("verify", help="check every entry's hash and link, and the latest checkpoint")
        verify.add_argument("--json", action="store_true", help="print the result as JSON")
        verify.add_argument(
            "--no-checkpoint", action="store_true", help="check the chain only, not against the checkpoint file"
        )
        verify.add_argument(
            "--checkpoint-file", help="compare with the checkpoints in this file (default: AUDIT_CHECKPOINT_FILE)"
        )
        verify.add_argument(
            "--checkpoint-of",
            metavar="DATABASE",
            help="use the checkpoints recorded for this database label (a restored copy: its source's label, "
            "as the backup's manifest gives it)",
        )
        sub.add_parser("checkpoint", help="append the chain's head (count, hash, id, time) to the checkpoint file")

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "verify":
            self._verify(
                as_json=options["json"],
                against_checkpoint=not options["no_checkpoint"],
                checkpoint_path=Path(options["checkpoint_file"]) if options["checkpoint_file"] else None,
                checkpoint_database=options["checkpoint_of"],
            )
        elif subcommand == "checkpoint":
            self._checkpoint()

    def _verify(
        self,
        *,
        as_json: bool,
        against_checkpoint: bool,
        checkpoint_path: Path | None = None,
        checkpoint_database: str | None = None,
    ) -> None:
        result = verify_chain(
            against_checkpoint=against_checkpoint,
            checkpoint_path=checkpoint_path,
            checkpoint_database=checkpoint_database,
        )
        check = result.checkpoint
        if as_json:
            payload = {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_sequence": result.first_bad_sequence,
                "problem": result.problem,
                "checkpoint": check.as_dict() if check is not None else None,
            }
            self.stdout.write(json.dumps(payload))
        elif result.ok:
            if check is not None and check.checked:
                cp = check.checkpoint
                anchor = f"; reaches the checkpoint of {cp.at} ({cp.count} entries, same hash)"
            elif check is not None:
                anchor = f"; not compared with a checkpoint: {check.note}"
            else:
                anchor = ""
            self.stdout.write(f"OK: {result.entries} audit entries, chain intact{anchor}.")
        if not result.ok:
            message = f"Audit chain broken at sequence {result.first_bad_sequence}: {result.problem}"
            # CommandError prints to stderr and exits with status 1 when run from the shell.
            raise CommandError(message, returncode=1)

    def _checkpoint(self) -> None:
        written, problem, failures = checkpoints.write_now()
        if problem:
            raise CommandError(f"No checkpoint written: {problem}", returncode=1)
        if written is None:
            latest = checkpoints.latest_checkpoint()
            self.stdout.write(
                f"Nothing new since the checkpoint of {latest.at} ({latest.count} entries)."
                if latest
                else "The audit log is empty: nothing to checkpoint."
            )
        else:
            self.stdout.write(
                f"Checkpoint written to {checkpoints.checkpoint_file()}: {written.count} entries, "
                f"head {written.head_hash[:12]}…"
            )
        if failures:
            # The file has it; the scheduler should still hear that the external copy did not go.
            raise CommandError("Not sent to the sink: " + "; ".join(failures), returncode=1)
