"""`groundswell support_codes UNIT_CODE [--ours L]`: give a unit the default UK support codes and say which is ours."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.people.models import OrganisationUnit
from groundswell.questions.support_codes import ensure_default_support_codes, support_codes_for


class Command(BaseCommand):
    help = "Create the default support codes at a unit (idempotent) and optionally mark our party's code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="Organisation unit code, e.g. NAT or CLP-RE")
        parser.add_argument("--ours", default="", help="The party code that is this unit's party, e.g. L")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = OrganisationUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"No unit with code {options['unit']!r}")
        try:
            ensure_default_support_codes(unit, ours=options["ours"] or None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for code, sc in support_codes_for(unit).items():
            self.stdout.write(f"{code}\t{sc.get_category_display()}\t{sc.label}")
