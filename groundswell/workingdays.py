"""Working days in England and Wales: weekends and bank holidays are not working days.

The bank holidays follow the Banking and Financial Dealings Act 1971 and the annual proclamations, as published at
https://www.gov.uk/bank-holidays (England and Wales): New Year's Day, Good Friday, Easter Monday, the early May
bank holiday (first Monday in May), the spring bank holiday (last Monday in May), the summer bank holiday (last
Monday in August), Christmas Day and Boxing Day, with a substitute weekday when one falls at a weekend. Years the
proclamations moved or added days are listed in `MOVED` and `EXTRA`, from the same page. Plain Python, no Django,
so any app (complaints' stage clocks, spending deadlines) can count working days.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

ONE_DAY = datetime.timedelta(days=1)

# Proclaimed changes to the regular days (source: gov.uk/bank-holidays).
MOVED: dict[datetime.date, datetime.date] = {
    datetime.date(1995, 5, 1): datetime.date(1995, 5, 8),  # VE Day 50th anniversary
    datetime.date(2002, 5, 27): datetime.date(2002, 6, 4),  # Golden Jubilee
    datetime.date(2012, 5, 28): datetime.date(2012, 6, 4),  # Diamond Jubilee
    datetime.date(2020, 5, 4): datetime.date(2020, 5, 8),  # VE Day 75th anniversary
    datetime.date(2022, 5, 30): datetime.date(2022, 6, 2),  # Platinum Jubilee
}
EXTRA: frozenset[datetime.date] = frozenset(
    {
        datetime.date(1999, 12, 31),  # Millennium
        datetime.date(2002, 6, 3),  # Golden Jubilee
        datetime.date(2011, 4, 29),  # Royal wedding
        datetime.date(2012, 6, 5),  # Diamond Jubilee
        datetime.date(2022, 6, 3),  # Platinum Jubilee
        datetime.date(2022, 9, 19),  # State funeral of Queen Elizabeth II
        datetime.date(2023, 5, 8),  # Coronation of King Charles III
    }
)


def easter_sunday(year: int) -> datetime.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114) // 31
    day = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114) % 31 + 1
    return datetime.date(year, n, day)


def _first_monday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month, 1)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> datetime.date:
    day = datetime.date(year + (month == 12), month % 12 + 1, 1) - ONE_DAY
    return day - datetime.timedelta(days=day.weekday())


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[datetime.date]:
    """England and Wales bank holidays in `year`."""
    easter = easter_sunday(year)
    days = {
        easter - 2 * ONE_DAY,
        easter + ONE_DAY,
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    new_year = datetime.date(year, 1, 1)
    days.add(new_year + datetime.timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = datetime.date(year, 12, 25), datetime.date(year, 12, 26)
    # Christmas on Saturday: Mon 27 and Tue 28; on Sunday: Boxing Day Monday, Christmas substitute Tuesday 27.
    if christmas.weekday() == 5:
        days |= {christmas + 2 * ONE_DAY, christmas + 3 * ONE_DAY}
    elif christmas.weekday() == 6:
        days |= {boxing, christmas + 2 * ONE_DAY}
    elif boxing.weekday() == 5:
        days |= {christmas, boxing + 2 * ONE_DAY}
    else:
        days |= {christmas, boxing}
    days = {MOVED.get(d, d) for d in days}
    days |= {d for d in EXTRA if d.year == year}
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The working day `days` working days after `start` (start itself not counted; 0 gives start)."""
    day = start
    while days > 0:
        day += ONE_DAY
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    if end <= start:
        return 0
    # Whole weeks at once, then the remainder day by day, minus the weekday bank holidays in range.
    total_days = (end - start).days
    weeks, rest = divmod(total_days, 7)
    count = weeks * 5
    day = start + datetime.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += ONE_DAY
        if day.weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        count -= sum(1 for d in bank_holidays(year) if start < d <= end and d.weekday() < 5)
    return count
