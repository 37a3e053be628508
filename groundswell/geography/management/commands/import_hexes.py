"""`groundswell import_hexes FILE [--boundary-set 2024]`: place a boundary set's seats on the hex cartogram."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.geography.services import HexImportError, import_hexes


class Command(BaseCommand):
    help = "Store each constituency's place on a hex map from a HexJSON file (odd-r layout, keyed by ONS code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--boundary-set", default="2024", help="the set whose seats the hexes are (default 2024)")

    def handle(self, *args, **options) -> None:
        try:
            report = import_hexes(options["file"], boundary_set=options["boundary_set"])
        except HexImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
