"""`groundswell donations reminders [--today YYYY-MM-DD]`: send the 30-day clock's due reminders (the scheduler runs
it every round; each stage is sent once)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandParser

from groundswell.donations.notify import send_check_reminders


class Command(BaseCommand):
    help = "Donations ledger jobs: 'reminders' sends the 30-day permissibility clock's reminders to treasurers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["reminders"])
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, job: str, today: dt.date | None, **options) -> None:
        self.stdout.write(json.dumps(send_check_reminders(today)))
