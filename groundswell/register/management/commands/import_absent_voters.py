"""`groundswell import_absent_voters FILE --constituency CODE [--list postal|proxy|proxy-postal]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from groundswell.register.lists import LIST_KINDS, import_absent_voters

from ._output import finish


class Command(BaseCommand):
    help = "Import a postal voters, proxies or proxy postal voters list (CSV keyed by elector number)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--constituency", required=True)
        parser.add_argument("--list", choices=LIST_KINDS, default=None, help="default: from the file's columns")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        report = import_absent_voters(
            options["file"],
            options["constituency"],
            list_kind=options["list"],
            dry_run=options["dry_run"],
            progress=not options["no_progress"] and not options["json"],
        )
        summary = [f"{report.filename}: {report.kind} list, {report.rows} rows, {report.changed} electors changed"]
        finish(self, report, options["json"], summary)
