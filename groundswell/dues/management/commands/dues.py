"""`groundswell dues daily [--on YYYY-MM-DD] [--force]`: keep Membership.status in step with dues standing and send
about-to-lapse and renewal reminders (once a day; the scheduler calls it every round).
`groundswell dues standing NUMBER [--on YYYY-MM-DD]`: one membership's standing, as the member page says it."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.dues import selectors, services
from groundswell.people.models import Membership


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--on must be a date like 2026-12-04, not '{value}'.") from exc


class Command(BaseCommand):
    help = "Membership dues: the daily job (statuses, reminders) and one membership's standing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        daily = sub.add_parser("daily")
        daily.add_argument("--on", type=_day, default=None)
        daily.add_argument("--force", action="store_true", help="run again even if today's run finished")
        one = sub.add_parser("standing")
        one.add_argument("number")
        one.add_argument("--on", type=_day, default=None)

    def handle(self, *args, action: str, **options) -> None:
        if action == "daily":
            self.stdout.write(json.dumps(services.daily(options["on"], force=options["force"])))
            return
        membership = Membership.objects.filter(number=options["number"]).first()
        if membership is None:
            raise CommandError(f"No membership numbered '{options['number']}'.")
        s = selectors.standing_on(membership, options["on"] or dt.date.today())
        self.stdout.write(f"{membership.number}: {s.status} — {s.reason}")
