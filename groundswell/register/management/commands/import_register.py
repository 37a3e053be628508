"""`groundswell import_register FILE --constituency CODE [--dry-run] [--json] [--allow-shrink]`.

A full register or a monthly update. A full register that would mark more than REGISTER_MAX_SHRINK (10%) of the
live electors deleted is refused unless --allow-shrink says the register really has shrunk.
"""

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
        parser.add_argument(
            "--allow-shrink",
            action="store_true",
            help="let a full register mark more than REGISTER_MAX_SHRINK (default 10%%) of the live electors deleted",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        report = import_register(
            options["file"],
            options["constituency"],
            dry_run=options["dry_run"],
            progress=not options["no_progress"] and not options["json"],
            allow_shrink=options["allow_shrink"],
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
        if report.kind == "full" and report.deleted and not report.already_applied:
            # Said even when the shrink guard refuses the file, so a dry run shows what the import would remove.
            written = "would be" if report.dry_run or report.errors else "were"
            summary.append(
                f"{report.deleted:,} of the {report.live_before:,} electors on the register {written} marked deleted "
                f"({report.deleted / max(report.live_before, 1):.0%})."
            )
        finish(self, report, options["json"], summary)
