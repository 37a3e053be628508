"""`groundswell export_people FILE --reason "…" [--unit CODE]`: CSV in the import's columns, audited.

Runs as the system (the audit entry's actor is "system"); FILE '-' writes to stdout.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.access import within_units
from groundswell.people.exporting import export_people_csv
from groundswell.people.models import OrganisationUnit, Person


class Command(BaseCommand):
    help = "Export people as CSV (re-importable). A reason is required and recorded in the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="output path, or - for stdout")
        parser.add_argument("--reason", required=True, help="why this export is needed (audited)")
        parser.add_argument("--unit", help="only this unit and the units below it")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 byte-order mark (for Excel)")

    def handle(self, *args, **options) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason must say why the export is needed")
        people = Person.objects.all()
        query = "all people"
        if options["unit"]:
            unit = OrganisationUnit.objects.filter(code__iexact=options["unit"]).first()
            if unit is None:
                raise CommandError(f"There is no unit with code {options['unit']!r}")
            people = people.filter(within_units([unit]))
            query = f"unit={unit.code}"
        if options["file"] == "-":
            count = export_people_csv(people, sys.stdout, actor=None, reason=reason, query=query, bom=options["bom"])
        else:
            try:
                with open(options["file"], "w", encoding="utf-8", newline="") as out:
                    count = export_people_csv(people, out, actor=None, reason=reason, query=query, bom=options["bom"])
            except OSError as exc:
                raise CommandError(f"Cannot write {options['file']}: {exc.strerror or exc}") from exc
            self.stderr.write(f"Exported {count} people to {options['file']}")
