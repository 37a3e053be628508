"""groundswell ballots count FILE --method irv|stv --seats N [--candidates A,B,…] [--json]

Counts a ballot file (the bulletin's CSV, or any file with one ballot a line in preference order) exactly as
a ballot's result is counted, so anyone can recount a published bulletin.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.ballots.counting import METHODS, BallotFileError, count_file


class Command(BaseCommand):
    help = "Ballots: count a ballot file by eliminating ballot (IRV) or STV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        cnt = sub.add_parser("count", help="count a CSV of ballots (one per line, preferences in order)")
        cnt.add_argument("file")
        cnt.add_argument("--method", choices=METHODS, required=True)
        cnt.add_argument("--seats", type=int, default=1)
        cnt.add_argument("--candidates", default=None, help="comma-separated names; any other name is refused")
        cnt.add_argument("--json", action="store_true")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        candidates = [c.strip() for c in opts["candidates"].split(",")] if opts["candidates"] else None
        try:
            result = count_file(
                path.read_text(encoding="utf-8-sig"), method=opts["method"], seats=opts["seats"], candidates=candidates
            )
        except BallotFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            if opts["json"]:
                self.stdout.write(json.dumps({"errors": exc.errors}))
            sys.exit(1)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(f"{result.rules['method']}; {result.ballots} ballots, quota {result.quota:g}")
        for rnd in result.rounds:
            tallies = ", ".join(f"{name} {votes:g}" for name, votes in rnd.tallies.items())
            action = f"elected {', '.join(rnd.elected)}" if rnd.elected else f"excluded {rnd.eliminated}"
            self.stdout.write(f"round {rnd.number}: {tallies} → {action} (exhausted {rnd.exhausted:g})")
        self.stdout.write(f"elected: {', '.join(result.elected)}")
