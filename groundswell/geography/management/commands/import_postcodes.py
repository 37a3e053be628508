"""`groundswell import_postcodes FILE`: the ONS Postcode Directory CSV (any release's column names) or OS Code-Point
Open's lat/lon CSV, plain or gzipped."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.geography.services import PostcodeImportError, import_postcodes


class Command(BaseCommand):
    help = (
        "Import (or re-import) the ONS Postcode Directory or a Code-Point Open CSV (.csv or .csv.gz) into the postcode "
        "table, all or nothing; Code-Point postcodes are placed in the loaded constituencies of both boundary sets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = import_postcodes(options["file"], progress=not options["no_progress"])
        except PostcodeImportError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
