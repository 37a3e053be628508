"""Opinion polls: importing the common one-row-per-poll layout, and a tracker that corrects for house effects."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from .models import Poll
from .parties import PARTIES, UnknownParty, normalise_party, share_value

AREAS = ("GB", "England", "Scotland", "Wales")
_COLUMNS: dict[str, tuple[str, ...]] = {
    "pollster": ("pollster", "polling firm", "company", "firm"),
    "start": ("fieldwork_start", "fieldwork start", "start", "start date", "start_date", "from"),
    "end": ("fieldwork_end", "fieldwork end", "end", "end date", "end_date", "to", "date"),
    "sample": ("sample_size", "sample size", "sample", "n"),
    "area": ("area", "geography", "nation", "region"),
}


class PollImportError(ValueError):
    pass


def _header_map(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    keys = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for field_name, names in _COLUMNS.items():
        for i, key in enumerate(keys):
            if key in names and field_name not in found:
                found[field_name] = i
    parties: dict[str, int] = {}
    for i, key in enumerate(keys):
        if i in found.values() or not key:
            continue
        try:
            parties[normalise_party(key)] = i
        except UnknownParty:
            continue  # notes, links and the like are allowed and ignored
    missing = [f for f in ("pollster", "end") if f not in found]
    if missing:
        raise PollImportError(f"header: no column for {' or '.join(missing)} (expected e.g. pollster, fieldwork_end)")
    if not parties:
        raise PollImportError(f"header: no party columns (expected some of {', '.join(PARTIES)})")
    return found, parties


def _date(text: str, line: int, what: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise PollImportError(f"row {line}: {what} {text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


_PGINT_MAX = 2**31 - 1


def read_rows(text: str, error: type[ValueError]) -> list[list[str]]:
    """The CSV's rows, or `error` naming the row that cannot be read (a NUL byte, an over-long or broken cell)."""
    if "\x00" in text:
        raise error(f"row {text.count(chr(10), 0, text.index(chr(0))) + 1}: contains a NUL character (not a CSV file?)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise error(f"row {reader.line_num + 1}: cannot be read as CSV ({exc})") from None


def parse_polls(text: str, source: str = "") -> list[Poll]:
    rows = read_rows(text, PollImportError)
    if not rows:
        raise PollImportError("the file is empty")
    found, parties = _header_map(rows[0])
    polls: list[Poll] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(i: int, row: list[str] = row) -> str:
            return row[i].strip() if i < len(row) else ""

        pollster = cell(found["pollster"])
        if not pollster:
            raise PollImportError(f"row {line}: no pollster")
        if len(pollster) > Poll._meta.get_field("pollster").max_length:
            raise PollImportError(f"row {line}: the pollster's name is longer than 100 characters")
        end = _date(cell(found["end"]), line, "fieldwork end")
        start = end
        if "start" in found and cell(found["start"]):
            start = _date(cell(found["start"]), line, "fieldwork start")
        if start > end:
            raise PollImportError(f"row {line}: fieldwork starts ({start}) after it ends ({end})")
        sample = None
        if "sample" in found and cell(found["sample"]):
            try:
                sample = int(cell(found["sample"]).replace(",", ""))
            except ValueError as exc:
                raise PollImportError(f"row {line}: sample size {cell(found['sample'])!r} is not a number") from exc
            if not 0 < sample <= _PGINT_MAX:
                raise PollImportError(f"row {line}: sample size {sample} is not a positive number of people")
        area = cell(found["area"]).strip() if "area" in found else ""
        area = {"gb": "GB", "great britain": "GB", "": "GB"}.get(area.lower(), area.title())
        if area not in AREAS:
            raise PollImportError(f"row {line}: area {area!r} is not one of {', '.join(AREAS)}")
        shares: dict[str, float] = {}
        for party, i in parties.items():
            if not cell(i):
                continue
            try:
                share = share_value(cell(i))
            except ValueError as exc:
                raise PollImportError(f"row {line}: {rows[0][i].strip()} {exc}") from exc
            shares[party] = shares.get(party, 0.0) + share
        total = sum(shares.values())
        if total > 1.5:  # percentages
            shares = {p: v / 100 for p, v in shares.items()}
            total /= 100
        if not 0.5 <= total <= 1.05:
            raise PollImportError(f"row {line}: shares add up to {total:.0%}; expected about 100%")
        polls.append(
            Poll(
                pollster=pollster,
                fieldwork_start=start,
                fieldwork_end=end,
                sample_size=sample,
                area=area,
                shares=shares,
                source=source[:255],
            )
        )
    return polls


@transaction.atomic
def import_polls(text: str, source: str = "") -> tuple[int, int]:
    """Import every poll or none; a poll already stored (same pollster, end date and area) is replaced.

    Returns (created, replaced)."""
    polls = parse_polls(text, source)
    created = replaced = 0
    for poll in polls:
        same = Poll.objects.filter(pollster=poll.pollster, fieldwork_end=poll.fieldwork_end, area=poll.area)
        deleted, _ = same.delete()
        replaced += bool(deleted)
        created += not deleted
        poll.save()
    return created, replaced


@dataclass
class Tracker:
    area: str
    dates: list[dt.date] = field(default_factory=list)
    average: dict[str, list[float]] = field(default_factory=dict)
    low: dict[str, list[float]] = field(default_factory=dict)
    high: dict[str, list[float]] = field(default_factory=dict)
    house_effects: dict[str, dict[str, float]] = field(default_factory=dict)
    points: list[dict] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, float]:
        return {p: values[-1] for p, values in self.average.items() if values}


def _rolling(days: np.ndarray, values: np.ndarray, weights: np.ndarray, at: np.ndarray, window: int) -> np.ndarray:
    out = np.full(len(at), np.nan)
    for j, day in enumerate(at):
        sel = (days <= day) & (days > day - window)
        if sel.any():
            out[j] = np.average(values[sel], weights=weights[sel])
    return out


def tracker(area: str = "GB", window: int = 14, polls: list[Poll] | None = None) -> Tracker:
    """A rolling average of the polls (weighted by √sample), after removing each pollster's house effect.

    A house effect is the pollster's mean difference from the average of everyone's polls around the same
    dates; estimated twice so that one prolific pollster does not define the average it is compared with.
    The band is the average ± 1.645 × the spread of the corrected polls in the window (a 90% band).
    """
    polls = list(Poll.objects.filter(area=area).order_by("fieldwork_end")) if polls is None else polls
    result = Tracker(area=area)
    if not polls:
        return result
    parties = [p for p in PARTIES if any(p in poll.shares for poll in polls)]
    origin = polls[0].fieldwork_end
    days = np.array([(p.fieldwork_end - origin).days for p in polls])
    weights = np.array([math.sqrt(p.sample_size or 1000) for p in polls])
    values = np.array([[p.shares.get(party, 0.0) for party in parties] for p in polls])
    pollsters = sorted({p.pollster for p in polls})
    who = np.array([pollsters.index(p.pollster) for p in polls])
    corrected = values.copy()
    effects = np.zeros((len(pollsters), len(parties)))
    for _ in range(2):
        avg = np.stack([_rolling(days, corrected[:, k], weights, days, window) for k in range(len(parties))], axis=1)
        for h in range(len(pollsters)):
            mine = who == h
            effects[h] = (values[mine] - avg[mine]).mean(axis=0) if len(pollsters) > 1 else 0.0
        effects -= effects.mean(axis=0)  # house effects are relative: the industry as a whole is the reference
        corrected = values - effects[who]
    grid = np.arange(days.min(), days.max() + 1)
    result.dates = [origin + dt.timedelta(days=int(d)) for d in grid]
    for k, party in enumerate(parties):
        average = _rolling(days, corrected[:, k], weights, grid, window)
        spread = np.array(
            [
                np.std(corrected[(days <= d) & (days > d - window), k])
                if ((days <= d) & (days > d - window)).sum() > 1
                else 0.0
                for d in grid
            ]
        )
        result.average[party] = [round(float(v), 4) for v in average]
        result.low[party] = [round(float(max(v - 1.645 * s, 0.0)), 4) for v, s in zip(average, spread, strict=True)]
        result.high[party] = [round(float(v + 1.645 * s), 4) for v, s in zip(average, spread, strict=True)]
    result.house_effects = {
        pollster: {party: round(float(effects[h, k]), 4) for k, party in enumerate(parties)}
        for h, pollster in enumerate(pollsters)
    }
    result.points = [
        {"date": p.fieldwork_end, "pollster": p.pollster, "shares": dict(zip(parties, values[i], strict=True))}
        for i, p in enumerate(polls)
    ]
    return result
