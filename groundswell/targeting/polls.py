"""Opinion polls: importing the common one-row-per-poll layout, and a tracker that corrects for house effects."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from .models import Poll
from .parties import PARTIES, UnknownParty, normalise_party, share_value

AREAS = ("GB", "England", "Scotland", "Wales")
_COLUMNS: dict[str, tuple[str, ...]] = {
    "pollster": ("pollster", "polling firm", "company", "firm"),
    "start": ("fieldwork_start", "fieldwork start", "start", "start date", "start_date", "from", "date_started"),
    "end": ("fieldwork_end", "fieldwork end", "end", "end date", "end_date", "to", "date", "date_concluded"),
    "sample": ("sample_size", "sample size", "sample", "n"),
    "area": ("area", "geography", "nation", "region"),
}


# Poll tables' own party column names (Wikipedia's, as in the shipped file) beyond parties.normalise_party:
# the SDP–Liberal Alliance and its two parties were the Lib Dems' predecessors; Change UK and Reclaim are others.
POLL_PARTY_COLUMNS: dict[str, str] = {
    "united kingdom independence party": "UKIP",
    "alliance": "LD",
    "liberal": "LD",
    "social democratic party": "LD",
    "change uk": "OTH",
    "reclaim party": "OTH",
}
# Sample-size cells that mean "not published" rather than a bad number.
NOT_GIVEN = {"", "-", "–", "—", "n/a", "na", "tba", "tbc", "?", "unknown"}
# Rows that are not polls: the shipped file lists each election's result as a row by "General Election".
NOT_POLLSTERS = {"general election"}
AREA_NAMES = {"gb": "GB", "great britain": "GB", "": "GB", "uk": "GB", "united kingdom": "GB"}


class PollImportError(ValueError):
    pass


def _header_map(header: list[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    keys = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for field_name, names in _COLUMNS.items():
        for i, key in enumerate(keys):
            if key in names and field_name not in found:
                found[field_name] = i
    parties: dict[str, list[int]] = {}  # party → its columns (UKIP, Brexit Party and Reform UK are one line)
    for i, key in enumerate(keys):
        if i in found.values() or not key:
            continue
        words = " ".join(key.replace("_", " ").split())
        try:
            parties_at = POLL_PARTY_COLUMNS.get(words) or normalise_party(key)
        except UnknownParty:
            continue  # notes, links and the like are allowed and ignored
        parties.setdefault(parties_at, [])
        parties[parties_at].append(i)
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


def _sample(text: str, line: int) -> int | None:
    """A sample size: blank or a placeholder (–, TBC) is unknown; "2,000" and "2.076" (a thousands separator
    written as a point, as some tables do) are numbers; anything else is an error naming the row."""
    text = text.strip()
    if text.lower() in NOT_GIVEN:
        return None
    cleaned = text.replace(",", "").removeprefix("~")  # "~2000": about 2,000
    if re.fullmatch(r"\d{1,3}\.\d{3}", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        sample = int(cleaned)
    except ValueError as exc:
        raise PollImportError(f"row {line}: sample size {text!r} is not a number") from exc
    if not 0 < sample <= _PGINT_MAX:
        raise PollImportError(f"row {line}: sample size {sample} is not a positive number of people")
    return sample


@dataclass
class ParsedPolls:
    polls: list[Poll]
    skipped: list[str] = field(default_factory=list)  # "row N: why", for rows that are not polls of an area kept
    merged: int = 0  # rows for a pollster, end date and area already in the file (the later one kept)


def parse_polls(text: str, source: str = "", lenient_areas: bool = False) -> list[Poll]:
    return parse_poll_file(text, source, lenient_areas).polls


def parse_poll_file(text: str, source: str = "", lenient_areas: bool = False) -> ParsedPolls:
    """Parse a one-row-per-poll CSV; any bad cell raises PollImportError naming its row and column.

    Rows whose pollster is "General Election" are results, not polls, and are skipped (and reported); with
    `lenient_areas` (the shipped file), so are rows for an area the tracker does not follow (its one "E+W"
    poll), where otherwise they are an error, and shares adding up to 105–115% are scaled to 100%. UK-wide
    polls count as Great Britain's."""
    rows = read_rows(text, PollImportError)
    if not rows:
        raise PollImportError("the file is empty")
    found, parties = _header_map(rows[0])
    kept: dict[tuple[str, dt.date, str], Poll] = {}
    out = ParsedPolls(polls=[])
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(i: int, row: list[str] = row) -> str:
            return row[i].strip() if i < len(row) else ""

        pollster = cell(found["pollster"])
        if not pollster:
            raise PollImportError(f"row {line}: no pollster")
        if pollster.lower() in NOT_POLLSTERS:
            out.skipped.append(f"row {line}: {pollster} (a result, not a poll)")
            continue
        if len(pollster) > Poll._meta.get_field("pollster").max_length:
            raise PollImportError(f"row {line}: the pollster's name is longer than 100 characters")
        end = _date(cell(found["end"]), line, "fieldwork end")
        start = end
        if "start" in found and cell(found["start"]):
            start = _date(cell(found["start"]), line, "fieldwork start")
        if start > end:
            raise PollImportError(f"row {line}: fieldwork starts ({start}) after it ends ({end})")
        sample = _sample(cell(found["sample"]), line) if "sample" in found else None
        area = cell(found["area"]).strip() if "area" in found else ""
        area = AREA_NAMES.get(area.lower(), area.title())
        if area not in AREAS:
            if lenient_areas:
                out.skipped.append(f"row {line}: area {area!r} is not one of {', '.join(AREAS)}")
                continue
            raise PollImportError(f"row {line}: area {area!r} is not one of {', '.join(AREAS)}")
        shares: dict[str, float] = {}
        for party, columns in parties.items():
            for i in columns:
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
            # The shipped file has 52 YouGov rows of 2018–19 adding up to 106% (a party in two columns):
            # leniently, a total up to 115% is scaled back to 100% and anything further out is skipped.
            if not lenient_areas:
                raise PollImportError(f"row {line}: shares add up to {total:.0%}; expected about 100%")
            if not 0.5 <= total <= 1.15:
                out.skipped.append(f"row {line}: shares add up to {total:.0%}")
                continue
        if total > 1:
            shares = {p: v / total for p, v in shares.items()}
        key = (pollster, end, area)
        out.merged += key in kept
        kept[key] = Poll(
            pollster=pollster,
            fieldwork_start=start,
            fieldwork_end=end,
            sample_size=sample,
            area=area,
            shares=shares,
            source=source[:255],
        )
    out.polls = list(kept.values())
    return out


@transaction.atomic
def import_polls(text: str, source: str = "", lenient_areas: bool = False) -> tuple[int, int]:
    """Import every poll or none; a poll already stored (same pollster, end date and area) is replaced.

    Returns (created, replaced)."""
    return import_poll_file(text, source, lenient_areas)[:2]  # type: ignore[return-value]


@transaction.atomic
def import_poll_file(text: str, source: str = "", lenient_areas: bool = False) -> tuple[int, int, ParsedPolls]:
    """As `import_polls`, also returning what was parsed (skipped rows, rows merged within the file)."""
    parsed = parse_poll_file(text, source, lenient_areas)
    keys = {(p.pollster, p.fieldwork_end, p.area) for p in parsed.polls}
    dates = sorted({p.fieldwork_end for p in parsed.polls})
    stale = [
        pk
        for chunk in range(0, len(dates), 500)
        for pk, pollster, end, area in Poll.objects.filter(fieldwork_end__in=dates[chunk : chunk + 500]).values_list(
            "pk", "pollster", "fieldwork_end", "area"
        )
        if (pollster, end, area) in keys
    ]
    for chunk in range(0, len(stale), 500):
        Poll.objects.filter(pk__in=stale[chunk : chunk + 500]).delete()
    Poll.objects.bulk_create(parsed.polls, batch_size=1000)
    return len(parsed.polls) - len(stale), len(stale), parsed


SHIPPED_POLLS = "polls/westminster_voting_intention_1974_2024.csv"


def import_shipped_polls(data_dir: Path | str | None = None) -> tuple[int, int, ParsedPolls]:
    """The shipped polls (data/polls, 1974–2024): results rows and the one England-and-Wales poll skipped."""
    path = Path(data_dir or settings.DATA_DIR) / SHIPPED_POLLS
    return import_poll_file(path.read_text(encoding="utf-8-sig"), source=path.name, lenient_areas=True)


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


def _window_sums(days: np.ndarray, values: np.ndarray, at: np.ndarray, window: int) -> np.ndarray:
    """Σ values over the polls whose day is in (d − window, d] for each d in `at` (days sorted ascending)."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    hi = np.searchsorted(days, at, side="right")
    lo = np.searchsorted(days, at - window, side="right")
    return total[hi] - total[lo]


def _rolling(days: np.ndarray, values: np.ndarray, weights: np.ndarray, at: np.ndarray, window: int) -> np.ndarray:
    """Weighted mean of the values in the `window` days up to each day of `at`; polls without the party (NaN)
    are left out of its mean rather than counted as zero (the SNP column is often empty). Cumulative sums over
    the polls in date order, so a 15-year tracker is as quick as a month's."""
    known = ~np.isnan(values)
    w = np.where(known, weights, 0.0)
    num = _window_sums(days, np.where(known, values, 0.0) * w, at, window)
    den = _window_sums(days, w, at, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _rolling_spread(days: np.ndarray, values: np.ndarray, at: np.ndarray, window: int) -> np.ndarray:
    """The (unweighted) standard deviation of the known values in each window; 0 where fewer than two."""
    known = ~np.isnan(values)
    v = np.where(known, values, 0.0)
    n = _window_sums(days, known.astype(float), at, window)
    s1 = _window_sums(days, v, at, window)
    s2 = _window_sums(days, v * v, at, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, s2 / np.maximum(n, 1) - (s1 / np.maximum(n, 1)) ** 2, 0.0)
    return np.sqrt(np.maximum(var, 0.0))


# The tracker page follows the polls from the 2010 election on (the shipped file goes back to 1974; earlier
# polls stay stored for anyone who asks with `since`).
TRACKER_SINCE = dt.date(2010, 1, 1)


def tracker(
    area: str = "GB",
    window: int = 14,
    polls: list[Poll] | None = None,
    since: dt.date | None = None,
    before: dt.date | None = None,
) -> Tracker:
    """A rolling average of the polls (weighted by √sample), after removing each pollster's house effect.

    A house effect is the pollster's mean difference from the average of everyone's polls around the same
    dates; estimated twice so that one prolific pollster does not define the average it is compared with.
    The band is the average ± 1.645 × the spread of the corrected polls in the window (a 90% band).
    `since`/`before` limit the stored polls read (fieldwork ending on or after `since`, strictly before
    `before`): a backtest's tracker sees nothing from polling day on.
    """
    if polls is None:
        since = TRACKER_SINCE if since is None else since
        query = Poll.objects.filter(area=area).order_by("fieldwork_end")
        if since is not None:
            query = query.filter(fieldwork_end__gte=since)
        if before is not None:
            query = query.filter(fieldwork_end__lt=before)
        polls = list(query)
    result = Tracker(area=area)
    if not polls:
        return result
    parties = [p for p in PARTIES if any(p in poll.shares for poll in polls)]
    origin = polls[0].fieldwork_end
    days = np.array([(p.fieldwork_end - origin).days for p in polls])
    weights = np.array([math.sqrt(p.sample_size or 1000) for p in polls])
    values = np.array([[p.shares.get(party, np.nan) for party in parties] for p in polls], dtype=float)
    pollsters = sorted({p.pollster for p in polls})
    who = np.array([pollsters.index(p.pollster) for p in polls])
    corrected = values.copy()
    effects = np.zeros((len(pollsters), len(parties)))
    for _ in range(2):
        avg = np.stack([_rolling(days, corrected[:, k], weights, days, window) for k in range(len(parties))], axis=1)
        for h in range(len(pollsters)):
            mine = who == h
            diff = values[mine] - avg[mine]
            with np.errstate(invalid="ignore"):
                counts = (~np.isnan(diff)).sum(axis=0)
                effects[h] = np.where(counts > 0, np.nansum(diff, axis=0) / np.maximum(counts, 1), 0.0)
            if len(pollsters) <= 1:
                effects[h] = 0.0
        effects -= effects.mean(axis=0)  # house effects are relative: the industry as a whole is the reference
        corrected = values - effects[who]
    grid = np.arange(days.min(), days.max() + 1)
    result.dates = [origin + dt.timedelta(days=int(d)) for d in grid]
    for k, party in enumerate(parties):
        average = _rolling(days, corrected[:, k], weights, grid, window)
        spread = [float(v) for v in _rolling_spread(days, corrected[:, k], grid, window)]
        result.average[party] = [round(float(v), 4) for v in average]
        result.low[party] = [round(float(max(v - 1.645 * s, 0.0)), 4) for v, s in zip(average, spread, strict=True)]
        result.high[party] = [round(float(v + 1.645 * s), 4) for v, s in zip(average, spread, strict=True)]
    result.house_effects = {
        pollster: {party: round(float(effects[h, k]), 4) for k, party in enumerate(parties)}
        for h, pollster in enumerate(pollsters)
    }
    result.points = [
        {
            "date": p.fieldwork_end,
            "pollster": p.pollster,
            "shares": {party: float(values[i, k]) for k, party in enumerate(parties) if not np.isnan(values[i, k])},
        }
        for i, p in enumerate(polls)
    ]
    return result


FINAL_WINDOW_DAYS = 7
HOUSE_EFFECT_DAYS = 365


def final_polls(polling_day: dt.date, area: str = "GB") -> dict[str, float] | None:
    """The tracker's house-effect-corrected average of the last FINAL_WINDOW_DAYS before polling day, from
    the stored polls whose fieldwork ended before polling day (house effects from the year before it); the
    shares of the parties polled, rescaled to add up to one. None when no polls are stored for that week.

    MRP projections (pollster names ending "(MRP)") are left out: they are seat models, not polls."""
    polls = [
        p
        for p in Poll.objects.filter(
            area=area,
            fieldwork_end__lt=polling_day,
            fieldwork_end__gte=polling_day - dt.timedelta(days=HOUSE_EFFECT_DAYS),
        ).order_by("fieldwork_end")
        if not p.pollster.endswith("(MRP)")
    ]
    if not polls or polls[-1].fieldwork_end < polling_day - dt.timedelta(days=FINAL_WINDOW_DAYS):
        return None
    found = tracker(area, window=FINAL_WINDOW_DAYS, polls=polls)
    latest = {p: v for p, v in found.latest.items() if not math.isnan(v) and v > 0}
    if area == "GB" and not {"SNP", "PC"} <= set(latest):
        # Polls that do not list the nationalists (most of 2015's) count them in "others": leave "others"
        # out, so the projection shares what the named parties leave among SNP, Plaid and others by base shares.
        latest.pop("OTH", None)
        named = sum(latest.values())
        return {p: round(v, 4) for p, v in latest.items()} if 0 < named <= 1 else None
    total = sum(latest.values())
    return {p: round(v / total, 4) for p, v in latest.items()} if total else None
