"""`groundswell resume_sends`: re-queue email and SMS sends left unfinished (a worker died, a retry fell due).

Safe to run from cron every few minutes: rows are claimed atomically, so a send that is still going is not
sent twice; an extra task just finds nothing to do.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from groundswell.messaging.services import resume_sends


class Command(BaseCommand):
    help = "Re-queue unfinished email and SMS sends (safe to run at any time)."

    def handle(self, *args, **options):
        count = resume_sends()
        self.stdout.write(f"Re-queued {count} unfinished send{'s' if count != 1 else ''}.")
