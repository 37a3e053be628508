"""`groundswell import_people FILE [--dry-run] [--unit CODE] [--skip-invalid] [--json] [--encoding cp1252]`.

Exit status: 0 when the import went ahead (or a dry run found nothing wrong; with --skip-invalid, when at least
one row could be imported), 1 when the file or any row was rejected and nothing was written.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.people.importing import import_people_csv

MAX_LISTED_ERRORS = 200


class Command(BaseCommand):
    help = "Import people and members from a CSV file (all rows or nothing, unless --skip-invalid)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--unit", help="code of the unit every row goes to (else the file's unit/branch code)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
        parser.add_argument("--encoding", default=None, help="cp1252 for files from older Excel (default UTF-8)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = import_people_csv(
                options["file"],
                unit=options["unit"],
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                actor=None,  # the command line acts as the system; the audit entry says so
                progress=not options["no_progress"] and not options["json"],
                encoding=options["encoding"],
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror or exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), default=str, indent=2))
        else:
            self._print(report, options)
        if not report.ok:
            what = report.file_error or f"{len({e[0] for e in report.errors})} row(s) have problems; nothing written"
            if report.file_error and report.cli_hint and not options["encoding"]:
                what = f"{what} ({report.cli_hint})"
            raise CommandError(what, returncode=1)

    def _print(self, report, options) -> None:
        if report.unknown_columns:
            self.stdout.write(
                "Unknown columns, kept as custom fields: " + ", ".join(repr(c) for c in report.unknown_columns)
            )
        if report.errors and not report.file_error:
            heading = "Skipped rows:" if options["skip_invalid"] else "Problems (nothing has been written):"
            self.stderr.write(heading)
            for line in report.error_lines(limit=MAX_LISTED_ERRORS):
                self.stderr.write(f"  {line}")
        if report.file_error:
            return
        if report.changes:
            verb = "Would update" if report.dry_run else "Updated"
            self.stdout.write(f"{verb} {len(report.changes)} existing people (old → new):")
            for line in report.change_lines(limit=MAX_LISTED_ERRORS):
                self.stdout.write(f"  {line}")
        if report.possible_duplicates:
            self.stdout.write(
                "Possible duplicates: these rows share a phone number with someone of another name, so they are "
                "imported as new people (nobody is renamed); review them under People → Duplicates:"
            )
            for dup in report.possible_duplicates[:MAX_LISTED_ERRORS]:
                self.stdout.write(
                    f"  line {dup.line}: {dup.name} shares a phone with {dup.existing_name} (#{dup.person_id})"
                )
        verb = "Would import" if report.dry_run else "Imported"
        done = report.created + report.updated
        summary = f"{verb} {done} of {report.rows} rows: {report.created} new, {report.updated} updated"
        if report.skipped:
            lines = ", ".join(str(n) for n in report.skipped_lines[:50])
            summary += f"; skipped {report.skipped} (line {lines}{'…' if report.skipped > 50 else ''})"
        if report.ok:
            self.stdout.write(self.style.SUCCESS(summary))
