"""`groundswell event_reminders`: send every event reminder that is due (run it from cron every few minutes)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from groundswell.events.services import reminders


class Command(BaseCommand):
    help = "Send the 24-hour and 2-hour event reminders that are due (each is sent once, however often this runs)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(reminders.send_due_reminders()))
