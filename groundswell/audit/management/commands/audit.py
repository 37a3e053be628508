"""groundswell audit verify [--json] [--no-checkpoint] | checkpoint: check the audit log, anchor its head."""

from __future__ import annotations

import json

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
        sub.add_parser("checkpoint", help="append the chain's head (count, hash, id, time) to the checkpoint file")

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "verify":
            self._verify(as_json=options["json"], against_checkpoint=not options["no_checkpoint"])
        elif subcommand == "checkpoint":
            self._checkpoint()

    def _verify(self, *, as_json: bool, against_checkpoint: bool) -> None:
        result = verify_chain(against_checkpoint=against_checkpoint)
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
