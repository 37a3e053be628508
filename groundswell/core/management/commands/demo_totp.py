"""`groundswell demo_totp EMAIL`: print the current two-factor code of a demo account (demo accounts only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from groundswell.core.demo import current_demo_code


class Command(BaseCommand):
    help = "Print the current TOTP code for a privileged demo account."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, **options):
        try:
            self.stdout.write(current_demo_code(options["email"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
