"""`groundswell import_marked_register FILE --constituency CODE --election parl.2024-07-04`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from groundswell.register.lists import import_marked_register

from ._output import finish


class Command(BaseCommand):
    help = "Import a marked register: v = voted in person, x = by post; everyone else on the register gets 0."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--constituency", required=True)
        parser.add_argument("--election", required=True, help="election id, e.g. parl.2024-07-04")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        report = import_marked_register(
            options["file"],
            options["constituency"],
            options["election"],
            dry_run=options["dry_run"],
            progress=not options["no_progress"] and not options["json"],
        )
        summary = [
            f"{report.filename}: {report.rows} marks; {report.created} new, {report.changed} changed, "
            f"{report.unchanged} unchanged turnout records ({report.did_not_vote} without a mark recorded as 0)"
        ]
        finish(self, report, options["json"], summary)
