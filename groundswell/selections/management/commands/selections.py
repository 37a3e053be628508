"""groundswell selections reminders: send the hustings reminders now due (48 hours before, once each)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from groundswell.selections.services import send_due_hustings_reminders


class Command(BaseCommand):
    help = "Selections: periodic work (hustings reminders through messaging)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        sub.add_parser("reminders", help="remind eligible members who have not replied, 48 hours before a hustings")

    def handle(self, *args, **opts) -> None:
        sent = send_due_hustings_reminders()
        self.stdout.write(f"hustings reminders sent: {sent}")
