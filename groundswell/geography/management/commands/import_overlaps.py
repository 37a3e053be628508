"""`groundswell import_overlaps [FILE ...]`: population overlaps between the 2010 and 2024 constituency sets."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.geography.overlaps import OverlapImportError, import_overlaps


class Command(BaseCommand):
    help = (
        "Import mySociety's population overlaps between the 2010 and 2024 constituency sets (both shipped "
        "tables in data/lookups/ by default); all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="overlap CSVs with PARL10, PCON24CD and overlap_pop columns")

    def handle(self, *args, files: list[str], **options) -> None:
        try:
            report = import_overlaps(files or None)
        except OverlapImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
