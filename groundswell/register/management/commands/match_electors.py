"""`groundswell match_electors --constituency CODE [--json]`: link electors to people by name and address."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from groundswell.register.formats import RegisterFileError
from groundswell.register.matching import match_electors_to_people


class Command(BaseCommand):
    help = "Link unlinked electors to people with the same name at the same address (hand-made links are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--constituency", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            result = match_electors_to_people(options["constituency"])
        except RegisterFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{result['linked']} electors linked; {result['ambiguous']} left alone as ambiguous "
                f"(of {result['checked']} unlinked electors checked)"
            )
