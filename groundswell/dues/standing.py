"""The dues rules as pure arithmetic over plain values: what was due, what was paid, and so what standing.

No database here, so the rules are tested directly (worked examples and hypothesis over random payment
histories); `selectors.py` loads a membership's rows into these shapes.

- A membership runs in **runs**: from joining, and again from each re-join. Payments count towards the run they
  fall in; a lapse ends a run, and only a re-join (a new arrangement marked as one) starts the next.
- Within a run, dues fall due **per period** from the run's start: monthly or yearly, by the arrangement in force
  at the period's start (the run's first arrangement also covers the weeks before it was set up, so a member who
  joins on the reduced rate owes the reduced rate from joining). A period's due is the rate for the type and
  interval effective on its first day, or the amount the member chose to pay if that is more.
- Payments are credited to periods in order. **Paid through** is the last day of the last period fully paid;
  **arrears** are the dues of periods already started less what was paid (never below nothing).
- **Months behind**: how many monthly due days have passed since the first unpaid day. In good standing while
  that is within the rules' grace months; lapsed on the day it would pass the rules' lapse months.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MONTH = "month"
YEAR = "year"

GOOD = "good"
ARREARS = "arrears"
LAPSED = "lapsed"
NEVER_PAID = "never_paid"
RESIGNED = "resigned"
SUSPENDED = "suspended"

# Past paid-through, credit is walked forward at most this many periods (about 50 years of monthly dues).
_MAX_CREDIT_PERIODS = 600


@dataclass(frozen=True)
class Standing:
    """A membership's dues standing on a day: the contract selections read (`dues.selectors.standing_on`)."""

    good: bool
    status: str  # good, arrears, lapsed, never_paid, resigned, suspended
    reason: str  # plain words for the member and the treasurer
    arrears_pence: int
    paid_through: dt.date | None
    continuous_since: dt.date | None
    months_behind: int = 0
    lapsed_on: dt.date | None = None


@dataclass(frozen=True)
class Plan:
    """An arrangement as the rules see it."""

    starts_on: dt.date
    type_code: str
    interval: str
    amount_pence: int = 0  # what the member chose to pay each period (0: the rate)
    starts_run: bool = False  # a re-join
    type_name: str = ""
    method: str = ""


@dataclass(frozen=True)
class Paid:
    on: dt.date
    amount_pence: int  # net of refunds


@dataclass(frozen=True)
class Rules:
    grace_months: int = 1
    lapse_after_months: int = 6
    default_type: str = "standard"


@dataclass
class RateTable:
    """Rates as rows: (type code, interval) → amounts by effective-from date; a rate change is a new row."""

    rows: dict[tuple[str, str], list[tuple[dt.date, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, dt.date, int]]) -> RateTable:
        table = cls()
        for code, interval, effective_from, amount in rows:
            table.rows.setdefault((code, interval), []).append((effective_from, amount))
        for series in table.rows.values():
            series.sort()
        return table

    def amount(self, code: str, interval: str, on: dt.date) -> int | None:
        """The rate effective on `on`; before the first row, the first row's (a member who joined before rates
        were entered owes what was first recorded); None when the type has no rate for that interval."""
        series = self.rows.get((code, interval))
        if not series:
            return None
        i = bisect.bisect_right(series, (on, float("inf"))) - 1
        return series[max(i, 0)][1]


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_behind(first_unpaid: dt.date, on: dt.date) -> int:
    """Monthly due days from `first_unpaid` up to and including `on` (0 when `on` is before it)."""
    if on < first_unpaid:
        return 0
    n = (on.year - first_unpaid.year) * 12 + on.month - first_unpaid.month
    if add_months(first_unpaid, n) > on:
        n -= 1
    return n + 1


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _day(d: dt.date | None) -> str:
    return d.strftime("%-d %b %Y") if d else ""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    due_pence: int
    plan: Plan | None


def periods(
    run_start: dt.date, plans: list[Plan], rates: RateTable, rules: Rules, first_run: bool = True
) -> Iterator[Period]:
    """The run's periods from its start, for ever (the caller stops)."""
    own = sorted((p for p in plans if first_run or p.starts_on >= run_start), key=lambda p: p.starts_on)
    starts = [p.starts_on for p in own]
    start = run_start
    while True:
        i = bisect.bisect_right(starts, start) - 1
        plan = own[i] if i >= 0 else (own[0] if own else None)
        interval = plan.interval if plan else MONTH
        code = plan.type_code if plan else rules.default_type
        rate = rates.amount(code, interval, start)
        due = max(rate or 0, plan.amount_pence if plan else 0)
        if due <= 0:
            raise ValueError(f"No {interval}ly rate for membership type '{code}' on {start:%d %b %Y}.")
        end = _next_start(run_start, start, interval)
        yield Period(start, end, due, plan)
        start = end


def _next_start(run_start: dt.date, start: dt.date, interval: str) -> dt.date:
    """The next period's first day, kept on the run's day of the month (31 Jan, 28 Feb, 31 Mar…)."""
    step = 12 if interval == YEAR else 1
    n = (start.year - run_start.year) * 12 + start.month - run_start.month + step
    return add_months(run_start, n)


class _Cached:
    """A run's periods, worked out once however many times they are walked."""

    def __init__(self, source: Iterator[Period]) -> None:
        self.source = source
        self.items: list[Period] = []

    def __iter__(self) -> Iterator[Period]:
        i = 0
        while True:
            if i == len(self.items):
                self.items.append(next(self.source))
            yield self.items[i]
            i += 1


class _Credit:
    """Payments credited to the run's periods in order, one payment day at a time (paid only grows)."""

    def __init__(self, run: Iterator[Period]) -> None:
        self.run = run
        self.current = next(run)
        self.left = 0
        self.steps = 0
        self.paid_through: dt.date | None = None

    def add(self, pence: int) -> None:
        self.left += pence
        while self.left >= self.current.due_pence and self.steps < _MAX_CREDIT_PERIODS:
            self.left -= self.current.due_pence
            self.paid_through = self.current.end - dt.timedelta(days=1)
            self.current = next(self.run)
            self.steps += 1

    @property
    def first_unpaid(self) -> dt.date:
        return self.current.start


def due_by(run: Iterator[Period], on: dt.date) -> int:
    """Dues of the run's periods that have started by `on`."""
    total = 0
    for period in run:
        if period.start > on:
            return total
        total += period.due_pence
    raise AssertionError("unreachable")  # pragma: no cover


def compute(
    *,
    on: dt.date,
    joined_on: dt.date | None,
    plans: list[Plan],
    payments: list[Paid],
    rates: RateTable,
    rules: Rules,
    held_status: str = "",
    recorded_lapse: dt.date | None = None,
) -> Standing:
    """The standing on `on`. `held_status` is the membership's own status when it is one the dues rules do not
    decide (resigned, suspended); `recorded_lapse` a lapse already recorded on the membership (kept unless a
    re-join came after it)."""
    if held_status in (RESIGNED, SUSPENDED):
        words = "Resigned" if held_status == RESIGNED else "Suspended"
        return Standing(False, held_status, f"{words}: not in good standing whatever is paid.", 0, None, None)
    if joined_on is None:
        joined_on = min((p.starts_on for p in plans), default=None) or min((p.on for p in payments), default=None)
    if joined_on is None or on < joined_on:
        return Standing(False, NEVER_PAID, "Not a paying member on this date.", 0, None, None)
    run_starts = sorted({joined_on} | {p.starts_on for p in plans if p.starts_run and joined_on < p.starts_on <= on})
    run_start = run_starts[-1]
    first_run = run_start == joined_on

    cached = _Cached(periods(run_start, plans, rates, rules, first_run))

    def run() -> Iterator[Period]:
        return iter(cached)

    if recorded_lapse is not None and run_start <= recorded_lapse <= on:
        last_paid = _paid_in(payments, run_start, recorded_lapse)
        credit = _Credit(run())
        credit.add(last_paid)
        owed = max(0, due_by(run(), recorded_lapse) - last_paid)
        return _lapsed(recorded_lapse, credit.paid_through, owed)

    in_run = [p for p in payments if run_start <= p.on <= on]
    by_day: dict[dt.date, int] = {}
    for p in in_run:
        by_day[p.on] = by_day.get(p.on, 0) + p.amount_pence
    # Walk the payment days: between two, the first unpaid day is fixed, so the lapse day (if any) is known.
    credit = _Credit(run())
    paid = 0
    for next_day in [*sorted(by_day), None]:
        lapse_day = add_months(credit.first_unpaid, rules.lapse_after_months)
        horizon = on if next_day is None else min(on, next_day - dt.timedelta(days=1))
        if lapse_day <= horizon:
            owed = max(0, due_by(run(), lapse_day) - paid)
            return _lapsed(lapse_day, credit.paid_through, owed)
        if next_day is None:
            break
        paid += by_day[next_day]
        credit.add(by_day[next_day])
    paid_through, first_unpaid = credit.paid_through, credit.first_unpaid

    arrears = max(0, due_by(run(), on) - paid)
    behind = months_behind(first_unpaid, on)
    plan_now = _plan_on(plans, run_start, first_run, on)
    if paid <= 0:  # nothing (or only payments since taken back)
        status = NEVER_PAID
        reason = f"Joined {_day(run_start)}; nothing paid yet ({pounds(arrears)} due)."
        return Standing(False, status, reason, arrears, None, run_start, behind)
    paid_words = f"Paid up to {_day(paid_through)}" if paid_through else "Part-paid for the first period"
    if behind == 0:
        return Standing(True, GOOD, f"{paid_words}.{_paying(plan_now)}", 0, paid_through, run_start, 0)
    owed = f"{behind} month{'s' if behind != 1 else ''} in arrears ({pounds(arrears)})"
    if behind <= rules.grace_months:
        reason = f"{paid_words}; {owed}, within the {rules.grace_months} month(s) allowed."
        return Standing(True, GOOD, reason, arrears, paid_through, run_start, behind)
    lapses = add_months(first_unpaid, rules.lapse_after_months)
    reason = f"{paid_words}; {owed}. Lapses on {_day(lapses)} unless paid."
    return Standing(False, ARREARS, reason, arrears, paid_through, run_start, behind)


def _paid_in(payments: list[Paid], start: dt.date, end: dt.date) -> int:
    return max(0, sum(p.amount_pence for p in payments if start <= p.on <= end))


def _plan_on(plans: list[Plan], run_start: dt.date, first_run: bool, on: dt.date) -> Plan | None:
    own = [p for p in plans if (first_run or p.starts_on >= run_start) and p.starts_on <= on]
    return max(own, key=lambda p: p.starts_on) if own else None


def _paying(plan: Plan | None) -> str:
    if plan is None:
        return ""
    every = "monthly" if plan.interval == MONTH else "yearly"
    return f" {plan.type_name or plan.type_code.title()} membership, paid {every}."


def _lapsed(day: dt.date, paid_through: dt.date | None, owed: int) -> Standing:
    paid = f"paid up to {_day(paid_through)}" if paid_through else "nothing paid"
    reason = f"Lapsed on {_day(day)} ({paid}; {pounds(owed)} was owed). Re-joining starts a new membership."
    return Standing(False, LAPSED, reason, owed, paid_through, None, lapsed_on=day)
