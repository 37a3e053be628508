"""groundswell spending SUBCOMMAND: a seat's legal limit, an election's dates.

groundswell spending limit --election parl.2024-07-04 --constituency E14001370 --electorate 69943 --json
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.spending.elections import election_dates, election_for, seat_limit
from groundswell.spending.limits import LimitError, pounds
from groundswell.spending.services import send_return_reminders
from groundswell.spending.timetable import UnknownElection


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--dissolved: {value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Election spending: a seat's legal limit; an election's statutory dates and deadlines."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        limit = sub.add_parser("limit", help="a candidate's spending limit in one seat")
        limit.add_argument("--election", required=True, help="Democracy Club id, e.g. parl.2024-07-04")
        limit.add_argument("--constituency", required=True, help="ONS code of the seat")
        limit.add_argument("--electorate", type=int, default=None, help="electors at the notice of election")
        limit.add_argument("--period", choices=["short", "long"], default="short")
        limit.add_argument("--dissolved", default=None, help="date Parliament was dissolved (YYYY-MM-DD)")
        limit.add_argument("--joint", type=int, default=1, help="joint candidates (local elections)")
        limit.add_argument("--json", action="store_true")
        dates = sub.add_parser("dates", help="an election's statutory dates and spending deadlines")
        dates.add_argument("--election", required=True)
        dates.add_argument("--dissolved", default=None)
        dates.add_argument("--json", action="store_true")
        sub.add_parser("reminders", help="remind agents of returns falling due (the scheduler runs this)")

    def handle(self, *args, subcommand: str, **options) -> None:
        try:
            getattr(self, f"_{subcommand}")(**options)
        except (UnknownElection, LimitError) as exc:
            raise CommandError(str(exc)) from exc

    def _limit(self, *, election: str, constituency: str, electorate, period, dissolved, joint, json: bool, **_):
        if electorate is not None and electorate < 0:
            raise CommandError("--electorate: the number of electors cannot be negative")
        found = seat_limit(
            election_for(election),
            constituency,
            period=period,
            electorate=electorate,
            dissolved=_date(dissolved) if dissolved else None,
            joint_candidates=joint,
        )
        data = {"election": election, **found.as_json()}
        if json:
            self.stdout.write(_json(data))
        else:
            lim = found.limit
            self.stdout.write(
                f"{found.name} ({found.code}), {lim.area_type}, {period} campaign: £{pounds(lim.fixed_pence)} + "
                f"{lim.per_elector_pence}p × {lim.electorate:,} electors = £{data['limit']}"
                + (f" ({lim.percent}% of the maximum)" if lim.percent != 100 else "")
            )

    def _reminders(self, **_):
        self.stdout.write(f"sent {send_return_reminders()} return reminders")

    def _dates(self, *, election: str, dissolved, json: bool, **_):
        found = election_for(election)
        d = election_dates(found, dissolved=_date(dissolved) if dissolved else None)
        rows = [(day.isoformat(), label) for day, label in d.calendar()]
        if json:
            self.stdout.write(_json({"election": election, "dates": [{"date": a, "label": b} for a, b in rows]}))
        else:
            for day, label in rows:
                self.stdout.write(f"{day}  {label}")


def _json(data: dict) -> str:
    return json.dumps(data)
