"""groundswell audit verify [--json]: check the audit log's hash chain."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit-log tools. `verify` recomputes the hash chain; exit status 1 if it is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = sub.add_parser("verify", help="check every entry's hash and link, in order")
        verify.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, subcommand: str, **options) -> None:
        if subcommand == "verify":
            self._verify(as_json=options["json"])

    def _verify(self, *, as_json: bool) -> None:
        result = verify_chain()
        if as_json:
            payload = {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_sequence": result.first_bad_sequence,
                "problem": result.problem,
            }
            self.stdout.write(json.dumps(payload))
        elif result.ok:
            self.stdout.write(f"OK: {result.entries} audit entries, chain intact.")
        if not result.ok:
            message = f"Audit chain broken at sequence {result.first_bad_sequence}: {result.problem}"
            # CommandError prints to stderr and exits with status 1 when run from the shell.
            raise CommandError(message, returncode=1)
