"""An election's statutory dates: what `uk-election-timetables` computes (notice of election, close of
nominations…) plus what it does not: the long and short campaigns, the party's regulated period, the candidate
return and declaration deadlines, claims and payments, and the party return's deadline.

Pure functions of the election's id, poll date, dissolution and the candidacy's dates, so tests need no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import cache

from uk_election_timetables.calendars import Country, UnitedKingdomBankHolidays
from uk_election_timetables.election_ids import (
    AmbiguousElectionIdError,
    InvalidElectionIdError,
    NoSuchElectionTypeError,
    from_election_id,
    type_and_poll_date,
)

COUNTRIES = {
    "england": Country.ENGLAND,
    "wales": Country.WALES,
    "scotland": Country.SCOTLAND,
    "northern_ireland": Country.NORTHERN_IRELAND,
}

# Deadlines in days (RPA 1983 ss.78, 81, 82; PPERA s.82): see docs/user-guide.md, "Election spending".
RETURN_DAYS = 35  # calendar days after the declaration, then the next working day
CANDIDATE_DECLARATION_WORKING_DAYS = 7  # after the return is delivered
CLAIMS_DAYS = 21  # invoices claimed within 21 days of the declaration
PAYMENTS_DAYS = 28  # and paid within 28
PERSONAL_EXPENSES_DAYS = 21  # the candidate's personal expenses statement to the agent
LONG_CAMPAIGN_MONTHS = 55  # the long campaign starts when Parliament has sat 55 months
REGULATED_PERIOD_DAYS = 365  # ending on polling day (PPERA Sch 9 para 3(7))
PARTY_RETURN_THRESHOLD_PENCE = 250_000_00  # above it: six months and an auditor's report


class UnknownElection(ValueError):
    """An election id that is not in Democracy Club's format or names no election type we know."""


@dataclass(frozen=True)
class ParsedId:
    election_id: str
    election_type: str  # "parl", "parl_by" or "local" (spending.models.ElectionType)
    poll_date: dt.date


def parse_election_id(election_id: str) -> ParsedId:
    """`parl.2024-07-04` → a UK Parliament general election on 4 July 2024; `parl.<seat>.by.<date>` a
    by-election; `local.<org>[.<ward>].<date>` an English local election. Anything else is refused."""
    text = (election_id or "").strip()
    try:
        kind, poll = type_and_poll_date(text)
    except (InvalidElectionIdError, ValueError, IndexError) as exc:
        raise UnknownElection(f"election {text!r} is not a Democracy Club election id (e.g. parl.2024-07-04)") from exc
    parts = text.split(".")
    if kind == "parl":
        etype = "parl_by" if "by" in parts[1:-1] else "parl"
        if etype == "parl" and len(parts) != 2:
            raise UnknownElection(f"election {text!r}: a general election id is parl.YYYY-MM-DD")
    elif kind == "local":
        if len(parts) < 3:
            raise UnknownElection(f"election {text!r}: a local election id names its council, local.ORG.YYYY-MM-DD")
        etype = "local"
    else:
        raise UnknownElection(f"election {text!r}: spending limits cover UK Parliament and English local elections")
    return ParsedId(text, etype, poll)


def statutory_dates(election_id: str, country: str = "england") -> dict[str, dt.date]:
    """The package's timetable events, by event name (NOTICE_OF_ELECTION_DEADLINE, CLOSE_OF_NOMINATIONS…)."""
    try:
        election = from_election_id(election_id, country=COUNTRIES.get(country, Country.ENGLAND))
    except (InvalidElectionIdError, NoSuchElectionTypeError, AmbiguousElectionIdError, ValueError) as exc:
        raise UnknownElection(f"election {election_id!r}: {exc}") from exc
    return {row["event"]: row["date"] for row in election.timetable}


@cache
def _holidays(country: str) -> frozenset[dt.date]:
    cal = UnitedKingdomBankHolidays().from_country(COUNTRIES.get(country, Country.ENGLAND))
    return frozenset(dt.date(m.year, m.month, m.day) for m in cal.exempted_dates() if m.year)


def is_working_day(day: dt.date, country: str = "england") -> bool:
    """Not a weekend, a bank holiday of the country's calendar, nor Christmas Eve (as the package counts)."""
    if day.weekday() >= 5 or day in _holidays(country):
        return False
    return not (day.month == 12 and day.day == 24)


def next_working_day(day: dt.date, country: str = "england") -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, count: int, country: str = "england") -> dt.date:
    """`count` working days after `day`, counted as the package counts them before the poll."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, country):
            count -= 1
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_of_parliament(first_met: dt.date, day: dt.date) -> int:
    """Which month of the Parliament `day` falls in: month 1 starts the day it first met."""
    months = (day.year - first_met.year) * 12 + (day.month - first_met.month)
    if day.day < first_met.day:
        months -= 1
    return months + 1


def long_campaign_start(first_met: dt.date) -> dt.date:
    """The day after Parliament has sat 55 months (2019 Parliament, first met 17 Dec 2019: 18 Jul 2024)."""
    return add_months(first_met, LONG_CAMPAIGN_MONTHS) + dt.timedelta(days=1)


def long_campaign_percent(first_met: dt.date, dissolved: dt.date | None) -> int:
    """The share of the long-campaign maximum (RPA 1983 s.76ZA): 0 when dissolved before month 56 (no long
    campaign), 60% in month 56 rising 10 points a month to 100% in month 60; 100% if not dissolved early."""
    if dissolved is None:
        return 100
    # Months counted from the day after the first sitting, so month 56 begins on the long campaign's first day.
    month = month_of_parliament(first_met + dt.timedelta(days=1), dissolved)
    if month < LONG_CAMPAIGN_MONTHS + 1:
        return 0
    return min(100, 60 + 10 * (month - (LONG_CAMPAIGN_MONTHS + 1)))


def candidate_return_due(declared: dt.date, country: str = "england") -> dt.date:
    """35 calendar days after the declaration, moved to the next working day (5 Jul 2024 → Fri 9 Aug 2024)."""
    return next_working_day(declared + dt.timedelta(days=RETURN_DAYS), country)


def party_return_due(poll_date: dt.date, spending_pence: int) -> tuple[dt.date, bool]:
    """The party's general-election return: 3 months after polling day, or 6 months with an independent
    auditor's report when campaign spending exceeds £250,000. Returns (due date, auditor's report needed)."""
    audited = spending_pence > PARTY_RETURN_THRESHOLD_PENCE
    return add_months(poll_date, 6 if audited else 3), audited


def regulated_period(poll_date: dt.date) -> tuple[dt.date, dt.date]:
    """The party's regulated period: the 365 days ending on polling day."""
    return poll_date - dt.timedelta(days=REGULATED_PERIOD_DAYS - 1), poll_date


@dataclass(frozen=True)
class Dates:
    """Every date of one candidacy's campaign, statutory and derived."""

    poll_date: dt.date
    notice_of_election: dt.date
    close_of_nominations: dt.date
    statutory: dict[str, dt.date]
    long_start: dt.date | None
    long_end: dt.date | None
    long_percent: int
    short_start: dt.date
    short_end: dt.date
    regulated_start: dt.date
    regulated_end: dt.date
    declared: dt.date
    return_due: dt.date
    candidate_declaration_due: dt.date
    personal_expenses_due: dt.date
    claims_due: dt.date
    payments_due: dt.date

    def period_of(self, day: dt.date) -> str | None:
        """Which candidate period `day` falls in (short before long: a day in both is the short campaign's)."""
        if self.short_start <= day <= self.short_end:
            return "short"
        if self.long_start and self.long_end and self.long_start <= day <= self.long_end:
            return "long"
        return None

    def calendar(self) -> list[tuple[dt.date, str]]:
        """The deadlines an agent works to, in date order."""
        rows = [
            (self.notice_of_election, "Last day for the notice of election (the electorate for the limit)"),
            (self.close_of_nominations, "Close of nominations"),
            (self.poll_date, "Polling day"),
            (self.declared, "Declaration of the result"),
            (self.personal_expenses_due, "Candidate's personal expenses statement to the agent"),
            (self.claims_due, "Last day for suppliers' claims"),
            (self.payments_due, "Last day to pay claims"),
            (self.return_due, "Spending return and invoices to the returning officer"),
            (self.candidate_declaration_due, "Candidate's declaration"),
        ]
        if self.long_start and self.long_end:
            rows.append((self.long_start, "Long campaign starts"))
        rows.append((self.short_start, "Short campaign starts (became a candidate)"))
        return sorted(rows)


def campaign_dates(
    election_id: str,
    *,
    country: str = "england",
    dissolved: dt.date | None = None,
    first_met: dt.date | None = None,
    long_start_override: dt.date | None = None,
    became_candidate: dt.date | None = None,
    declared: dt.date | None = None,
) -> Dates:
    """The campaign's dates. The short campaign runs from becoming a candidate (default: dissolution for a
    general election, else the last day for the notice of election) to polling day; the long campaign from
    its start to the day before. The declaration defaults to the day after the poll (an overnight count)."""
    parsed = parse_election_id(election_id)
    statutory = statutory_dates(election_id, country)
    poll = parsed.poll_date
    notice = statutory["NOTICE_OF_ELECTION_DEADLINE"]
    short_start = became_candidate or (dissolved if parsed.election_type == "parl" and dissolved else notice)
    long_start = long_end = None
    percent = 0
    if parsed.election_type == "parl" and (first_met or long_start_override):
        percent = 100 if long_start_override else long_campaign_percent(first_met, dissolved)
        if percent:
            long_start = long_start_override or long_campaign_start(first_met)
            long_end = short_start - dt.timedelta(days=1)
            if long_end < long_start:
                long_start = long_end = None
                percent = 0
    declared = declared or poll + dt.timedelta(days=1)
    return_due = candidate_return_due(declared, country)
    reg_start, reg_end = regulated_period(poll)
    return Dates(
        poll_date=poll,
        notice_of_election=notice,
        close_of_nominations=statutory["CLOSE_OF_NOMINATIONS"],
        statutory=statutory,
        long_start=long_start,
        long_end=long_end,
        long_percent=percent,
        short_start=short_start,
        short_end=poll,
        regulated_start=reg_start,
        regulated_end=reg_end,
        declared=declared,
        return_due=return_due,
        candidate_declaration_due=add_working_days(return_due, CANDIDATE_DECLARATION_WORKING_DAYS, country),
        personal_expenses_due=declared + dt.timedelta(days=PERSONAL_EXPENSES_DAYS),
        claims_due=declared + dt.timedelta(days=CLAIMS_DAYS),
        payments_due=declared + dt.timedelta(days=PAYMENTS_DAYS),
    )
