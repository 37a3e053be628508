"""groundswell spending SUBCOMMAND: a seat's legal limit, an election's dates.

groundswell spending limit --election parl.2024-07-04 --constituency E14001370 --electorate 69943 --json
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import User
from groundswell.people.models import OrganisationUnit
from groundswell.spending.elections import create_candidacy, election_dates, election_for, seat_limit
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
        opened = sub.add_parser("open", help="open a seat's ledger (a candidacy) for an election")
        opened.add_argument("--election", required=True)
        opened.add_argument("--constituency", required=True)
        opened.add_argument("--unit", required=True, help="code of the constituency party's unit")
        opened.add_argument("--agent", default="", help="email of the election agent's login")
        opened.add_argument("--candidate", default="")
        opened.add_argument("--electorate", type=int, default=None, help="default: counted from the register")
        opened.add_argument("--source", default="", help="where the electorate figure comes from")
        opened.add_argument("--class", dest="seat_class", default="", choices=["", "held", "marginal", "target",
                                                                                "safe"],
                            help="manual class override, shown labelled beside targeting's class on the national-money"
                                 " report (the class and flags come from targeting's latest projection)")  # fmt: skip
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

    def _open(self, *, election, constituency, unit, agent, candidate, electorate, source, seat_class, **_):
        found_unit = OrganisationUnit.objects.filter(code=unit).first()
        if found_unit is None:
            raise CommandError(f"--unit: no unit with code {unit!r}")
        user = User.objects.filter(email__iexact=agent).first() if agent else None
        if agent and user is None:
            raise CommandError(f"--agent: no login with email {agent!r}")
        try:
            c = create_candidacy(actor=None, election_id=election, constituency_code=constituency, unit=found_unit,
                                 candidate_name=candidate, electorate=electorate, electorate_source=source,
                                 agent=user)  # fmt: skip
        except ValidationError as exc:
            raise CommandError(" ".join(f"--{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        if seat_class:
            c.seat_class = seat_class
            c.save(update_fields=["seat_class"])
        self.stdout.write(f"opened the ledger for {c.constituency.name}, {c.election.election_id} (id {c.pk}); "
                          f"electorate {c.electorate} ({c.electorate_source or 'not set'})")  # fmt: skip

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
