"""`groundswell import_register FILE --constituency CODE [--dry-run] [--json]`: a full register or monthly update."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from groundswell.register.importing import import_register

from ._output import finish


class Command(BaseCommand):
    help = (
        "Import an electoral register file (Xpress, Idox, Halarose EROS or Bedford; full or monthly update). "
        "Every row is checked first; any error means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--constituency", required=True, help="GSS code, e.g. E14000889")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        report = import_register(
            options["file"],
            options["constituency"],
            dry_run=options["dry_run"],
            progress=not options["no_progress"] and not options["json"],
        )
        verb = "would be" if report.dry_run else "were"
        summary = [
            f"{report.filename}: {report.format or 'unrecognised'} ({report.kind or '?'}), "
            f"{report.electors} electors in {report.households} households, read as {report.encoding or '?'}"
            + (f", month {report.month}" if report.month else ""),
        ]
        if report.already_applied:
            summary.append("Already applied: nothing changed.")
        elif not report.errors:
            summary.append(
                f"{report.created} created, {report.reactivated} re-added, {report.amended} amended, "
                f"{report.deleted} deleted, {report.dropped} dropped, {report.unchanged} unchanged {verb} recorded"
                + (" (dry run: nothing written)" if report.dry_run else "")
            )
        finish(self, report, options["json"], summary)
