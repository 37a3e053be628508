"""`groundswell import_boundaries FILE --level constituency|ward|polling_district`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.geography.boundaries import LEVELS, BoundaryImportError
from groundswell.geography.services import import_boundaries


class Command(BaseCommand):
    help = "Import constituency, ward or polling-district boundaries from a GeoJSON or TopoJSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--level", required=True, choices=sorted(LEVELS))
        parser.add_argument("--object", default=None, help="which TopoJSON object, when the file has several")
        parser.add_argument(
            "--boundary-set",
            default=None,
            help="constituencies: the set to import into (default from the code column: PCON24CD → 2024, else 2010); "
            "wards and polling districts: the set whose constituencies they are placed in (default: the current set)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = import_boundaries(
                options["file"],
                options["level"],
                progress=not options["no_progress"],
                object_name=options["object"],
                boundary_set=options["boundary_set"],
            )
        except BoundaryImportError as exc:
            raise CommandError(str(exc)) from exc
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS(report.summary()))
