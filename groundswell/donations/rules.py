"""The rules of the ledger that are not database writes: the thresholds in force on a day (rows of `Threshold`,
seeded from migration 0002 with their sources), money typed by a person, company numbers, quarters."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import Threshold

# Companies House numbers: eight characters, either eight digits (England and Wales) or two letters and six digits
# (SC Scotland, NI Northern Ireland, OC/SO/NC LLPs, R0 and others); spaces are ignored, letters upper-cased.
COMPANY_NUMBER = re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6}|[A-Z]\d{7})$")
_NO_SPACE = re.compile(r"\s+")


class NoThreshold(LookupError):
    """No threshold row covers the date: the reference rows were not loaded."""


def threshold_pence(kind: str, on: dt.date) -> int:
    """The threshold of `kind` (a Threshold.Kind) in force on `on`, in pence: a value *over* it counts."""
    row = (
        Threshold.objects.filter(kind=kind, applies_from__lte=on)
        .filter(models_q_open(on))
        .order_by("-applies_from")
        .first()
    )
    if row is None:
        raise NoThreshold(f"No {kind} threshold covers {on:%d %b %Y}; run migrate to load the reference rows.")
    return row.amount_pence


def models_q_open(on: dt.date) -> Q:
    """Rows still in force on `on` (open-ended or ending on or after it)."""
    return Q(applies_to__isnull=True) | Q(applies_to__gte=on)


def thresholds_for_year(year: int) -> dict[str, list[tuple[dt.date, dt.date | None, int]]]:
    """Every row touching `year`, by kind: (from, to, pence), for computing many donations without a query each."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows: dict[str, list[tuple[dt.date, dt.date | None, int]]] = {}
    for t in Threshold.objects.filter(applies_from__lte=end).filter(models_q_open(start)):
        rows.setdefault(t.kind, []).append((t.applies_from, t.applies_to, t.amount_pence))
    return rows


def pick(rows: dict[str, list[tuple[dt.date, dt.date | None, int]]], kind: str, on: dt.date) -> int:
    for start, end, pence in sorted(rows.get(kind, []), reverse=True):
        if start <= on and (end is None or end >= on):
            return pence
    raise NoThreshold(f"No {kind} threshold covers {on:%d %b %Y}.")


def parse_pence(text: str | int | Decimal, field: str = "amount") -> int:
    """ "£1,234.56" or "1234.56" → 123456. Refuses blanks, words, negatives, zero and fractions of a penny,
    naming the field."""
    if isinstance(text, bool):
        raise ValidationError({field: f"{field}: {text!r} is not an amount in pounds"})
    cleaned = str(text).replace("£", "").replace(",", "").strip()
    if not cleaned:
        raise ValidationError({field: f"{field}: give the amount in pounds"})
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError({field: f"{field}: {text!r} is not an amount in pounds"}) from None
    if not value.is_finite():
        raise ValidationError({field: f"{field}: {text!r} is not an amount in pounds"})
    pence = value * 100
    if pence != pence.to_integral_value():
        raise ValidationError({field: f"{field}: {text!r} has a fraction of a penny; give pounds and whole pence"})
    if pence <= 0:
        raise ValidationError({field: f"{field}: {text!r} must be more than £0.00"})
    return int(pence)


def pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def normalise_company_number(text: str) -> str:
    return _NO_SPACE.sub("", text or "").upper()


def company_number_problem(text: str) -> str | None:
    """None when `text` is a well-formed company number, else the problem in plain words."""
    number = normalise_company_number(text)
    if not number:
        return "give the company's registration number (8 characters, e.g. 01234567 or SC123456)"
    if not COMPANY_NUMBER.match(number):
        return (
            f"{text!r} is not a company number: 8 characters, either 8 digits or 2 letters and 6 digits "
            "(e.g. 01234567, SC123456, NI012345, OC301234)"
        )
    return None


def normalise_postcode(text: str) -> str:
    """ "rg11aa" → "RG1 1AA" (outward and inward parts); anything too short is returned upper-cased as typed."""
    compact = _NO_SPACE.sub("", text or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) >= 5 else compact


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_dates(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "quarter: 1 to 4"})
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def pre_poll_weeks(dissolution: dt.date, poll: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The weekly pre-poll reporting periods of a UK general election: seven-day weeks from dissolution, the
    last cut at polling day (PPERA s.63; 2024: weeks from 30 May, the fourth ending 26 Jun, then 27 Jun–4 Jul)."""
    if poll < dissolution:
        raise ValidationError({"poll": "polling day is before dissolution"})
    weeks = []
    start = dissolution
    while start <= poll:
        end = min(start + dt.timedelta(days=6), poll)
        weeks.append((start, end))
        start = end + dt.timedelta(days=1)
    return weeks
