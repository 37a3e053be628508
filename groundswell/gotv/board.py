"""The polling-day board: how many promises have voted, where, which stations are taking numbers, knock-up
rounds, lifts, and a projection of promises voted at close of poll.

Every figure is an aggregate query (grouped counts), never a loop over electors, so the board stays quick with
a large register and tens of thousands of tellers' entries. The same `Board` feeds the page and its JSON.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from groundswell import charts
from groundswell.register.selectors import live_electors

from .models import CommitteeRoom, KnockUpRound, Lift, PollingDay, TellingEntry
from .promises import promise_queryset

# ---------------------------------------------------------------- the turnout curve
#
# Cumulative share of the day's in-person vote cast by each hour after polls open (07:00–22:00 = 15 hours).
# ASSUMPTION, not a measured series: UK returning officers do not publish hourly turnout, so there is no
# official curve. This shape follows the pattern commonly described in UK campaign and polling-station
# guidance and in presiding officers' hourly tallies: a commuter bump before 09:00, a steady daytime trickle,
# and the largest share between 17:00 and 21:00, with a thin last hour. Real days differ with weather, the
# kind of election and the area (student and commuter seats vote later), which is why the projection carries
# a wide range that narrows only as the day goes on.
TURNOUT_CURVE: tuple[float, ...] = (
    0.00,  # 07:00 polls open
    0.06,  # 08:00
    0.13,  # 09:00
    0.19,  # 10:00
    0.25,  # 11:00
    0.31,  # 12:00
    0.37,  # 13:00
    0.42,  # 14:00
    0.47,  # 15:00
    0.53,  # 16:00
    0.60,  # 17:00
    0.69,  # 18:00
    0.78,  # 19:00
    0.87,  # 20:00
    0.95,  # 21:00
    1.00,  # 22:00 close of poll
)
# How far a real day may stray from the curve: the fraction cast by now is taken as f·(1 ± SPREAD·(1−f)).
# At mid-day (f≈0.5) that is roughly ±17% either way; it shrinks to nothing at close of poll.
CURVE_SPREAD = 0.35
# Below this share of a typical day's vote a projection would be mostly guesswork, so none is shown.
MIN_FRACTION_TO_PROJECT = 0.10
Z95 = 1.96
SERIES_STEP = datetime.timedelta(minutes=15)

# The board's chart: its SVG box and margins.
CHART = charts.Frame(width=640, height=220, left=40, right=24, top=10, bottom=24)

METHOD = (
    "Promises voted so far (postal votes known returned count as voted) are projected to close of poll by "
    "dividing the in-person promises voted by the share of a typical UK polling day's in-person vote cast by now "
    "(an assumed curve: about a fifth by 10:00, half by 16:00, the busiest hours 17:00–21:00). The range allows "
    "for the day running ahead of or behind that curve and for counting noise in small numbers. It assumes "
    "tellers keep taking numbers at the rate they have so far: gaps in telling show up as lower figures."
)


def curve_fraction(elapsed: float) -> float:
    """Cumulative share of a typical day's in-person vote cast when `elapsed` (0–1) of polling hours have passed."""
    if elapsed <= 0:
        return 0.0
    if elapsed >= 1:
        return 1.0
    position = elapsed * (len(TURNOUT_CURVE) - 1)
    i = int(position)
    return TURNOUT_CURVE[i] + (TURNOUT_CURVE[i + 1] - TURNOUT_CURVE[i]) * (position - i)


# ---------------------------------------------------------------- results


@dataclass
class DistrictRow:
    polling_district: str
    electors: int = 0
    promises: int = 0
    promises_voted: int = 0
    numbers_taken: int = 0  # every elector recorded as voted, promise or not
    target: int | None = None
    committee_room: str = ""
    station: str = ""

    @property
    def share(self) -> float:
        return self.promises_voted / self.promises if self.promises else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    def as_dict(self) -> dict[str, Any]:
        return {
            "polling_district": self.polling_district,
            "electors": self.electors,
            "promises": self.promises,
            "promises_voted": self.promises_voted,
            "numbers_taken": self.numbers_taken,
            "target": self.target,
            "percent": self.percent,
            "committee_room": self.committee_room,
            "station": self.station,
        }


@dataclass
class StationRow:
    pk: int | None
    name: str
    polling_districts: list[str]
    entries: int = 0
    unknown: int = 0  # numbers that matched nobody on the register
    last_entry_at: datetime.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "name": self.name,
            "polling_districts": self.polling_districts,
            "entries": self.entries,
            "unknown": self.unknown,
            "last_entry_at": self.last_entry_at.isoformat() if self.last_entry_at else None,
            "last_entry_time": timezone.localtime(self.last_entry_at).strftime("%H:%M") if self.last_entry_at else "",
        }


@dataclass
class RoomRow:
    pk: int
    name: str
    polling_districts: list[str]
    coordinator: str = ""
    promises: int = 0
    promises_voted: int = 0
    rounds_completed: int = 0
    rounds_open: int = 0
    lifts_outstanding: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.promises_voted / self.promises) if self.promises else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "name": self.name,
            "polling_districts": self.polling_districts,
            "promises": self.promises,
            "promises_voted": self.promises_voted,
            "percent": self.percent,
            "rounds_completed": self.rounds_completed,
            "rounds_open": self.rounds_open,
            "lifts_outstanding": self.lifts_outstanding,
        }


@dataclass
class Projection:
    available: bool
    reason: str = ""
    day_fraction: float = 0.0  # share of a typical day's in-person vote cast by now
    low: float = 0.0
    mid: float = 0.0
    high: float = 0.0
    low_count: int = 0
    mid_count: int = 0
    high_count: int = 0
    final: bool = False  # polls have closed: the figure is the count, not a projection

    @property
    def uncertain(self) -> bool:
        return self.high - self.low > 0.3

    def as_dict(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "reason": self.reason,
            "final": self.final,
            "day_fraction_percent": round(100 * self.day_fraction),
            "low_percent": round(100 * self.low),
            "mid_percent": round(100 * self.mid),
            "high_percent": round(100 * self.high),
            "low_count": self.low_count,
            "mid_count": self.mid_count,
            "high_count": self.high_count,
            "uncertain": self.uncertain,
        }


@dataclass
class Board:
    polling_day: PollingDay
    room: CommitteeRoom | None
    as_of: datetime.datetime
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    electors: int = 0
    numbers_taken: int = 0
    promises: int = 0
    promises_voted: int = 0
    postal_promises: int = 0
    postal_voted: int = 0
    series: list[tuple[datetime.datetime, int]] = field(default_factory=list)  # cumulative promises voted
    districts: list[DistrictRow] = field(default_factory=list)
    stations: list[StationRow] = field(default_factory=list)
    rooms: list[RoomRow] = field(default_factory=list)
    rounds_completed: int = 0
    rounds_open: int = 0
    lifts_needed: int = 0
    lifts_arranged: int = 0
    projection: Projection = field(default_factory=lambda: Projection(False))

    @property
    def share(self) -> float:
        return self.promises_voted / self.promises if self.promises else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def lifts_outstanding(self) -> int:
        return self.lifts_needed + self.lifts_arranged

    @property
    def stations_entries(self) -> int:
        return sum(s.entries for s in self.stations)

    @property
    def chart(self) -> dict[str, Any]:
        return chart_geometry(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "polling_day": {"id": self.polling_day.pk, "name": self.polling_day.name},
            "committee_room": {"id": self.room.pk, "name": self.room.name} if self.room else None,
            "as_of": self.as_of.isoformat(),
            "as_of_time": timezone.localtime(self.as_of).strftime("%H:%M"),
            "electors": self.electors,
            "numbers_taken": self.numbers_taken,
            "promises": self.promises,
            "promises_voted": self.promises_voted,
            "percent": self.percent,
            "postal_promises": self.postal_promises,
            "postal_voted": self.postal_voted,
            "series": [{"at": at.isoformat(), "voted": n} for at, n in self.series],
            "districts": [d.as_dict() for d in self.districts],
            "stations": [s.as_dict() for s in self.stations],
            "rooms": [r.as_dict() for r in self.rooms],
            "rounds_completed": self.rounds_completed,
            "rounds_open": self.rounds_open,
            "lifts_needed": self.lifts_needed,
            "lifts_arranged": self.lifts_arranged,
            "lifts_outstanding": self.lifts_outstanding,
            "projection": self.projection.as_dict(),
            "chart": self.chart,
        }


# ---------------------------------------------------------------- building the board


def polling_hours(day: PollingDay) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    opens = timezone.make_aware(datetime.datetime.combine(day.date, _time(day.polls_open)), tz)
    closes = timezone.make_aware(datetime.datetime.combine(day.date, _time(day.polls_close)), tz)
    return opens, closes


def _time(value: Any) -> datetime.time:
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))


def day_board(day: PollingDay, now: datetime.datetime | None = None) -> Board:
    """The whole constituency's board."""
    return _build(day, None, now)


def room_board(room: CommitteeRoom, now: datetime.datetime | None = None) -> Board:
    """One committee room's board: its polling districts, the stations they vote at, its rounds and lifts."""
    return _build(room.polling_day, room, now)


def _live_entries(day: PollingDay) -> QuerySet[TellingEntry]:
    return TellingEntry.objects.filter(polling_day=day, undone_at__isnull=True)


def _build(day: PollingDay, room: CommitteeRoom | None, now: datetime.datetime | None) -> Board:
    now = now or timezone.now()
    opens, closes = polling_hours(day)
    board = Board(polling_day=day, room=room, as_of=now, opens_at=opens, closes_at=closes)
    districts = list(room.polling_districts) if room is not None else None

    promises = promise_queryset(day).order_by()
    electors = live_electors(day.constituency_id).order_by()
    entries = _live_entries(day)
    if districts is not None:
        promises = promises.filter(polling_district__in=districts)
        electors = electors.filter(polling_district__in=districts)
    voted_ids = entries.filter(elector__isnull=False).values("elector_id")

    rows: dict[str, DistrictRow] = {pd: DistrictRow(pd) for pd in (districts or [])}
    for pd, n in electors.values_list("polling_district").annotate(n=Count("id")):
        rows.setdefault(pd, DistrictRow(pd)).electors = n
    for agg in promises.values("polling_district").annotate(
        n=Count("id"),
        voted=Count("id", filter=Q(id__in=voted_ids)),
        postal=Count("id", filter=Q(postal_voter=True)),
        postal_voted=Count("id", filter=Q(postal_voter=True, id__in=voted_ids)),
    ):
        row = rows.setdefault(agg["polling_district"], DistrictRow(agg["polling_district"]))
        row.promises, row.promises_voted = agg["n"], agg["voted"]
        board.postal_promises += agg["postal"]
        board.postal_voted += agg["postal_voted"]
    taken = entries.filter(elector__isnull=False)
    if districts is not None:
        taken = taken.filter(elector__polling_district__in=districts)
    for pd, n in taken.values_list("elector__polling_district").annotate(n=Count("id")).order_by():
        rows.setdefault(pd, DistrictRow(pd)).numbers_taken = n

    targets = day.targets or {}
    stations = list(day.stations.all())
    rooms = list(day.committee_rooms.select_related("coordinator"))
    station_of = {pd: s.name for s in stations for pd in s.polling_districts}
    room_of = {pd: r.name for r in rooms for pd in r.polling_districts}
    for pd, row in rows.items():
        target = targets.get(pd)
        row.target = int(target) if target not in (None, "") else None
        row.station = station_of.get(pd, "")
        row.committee_room = room_of.get(pd, "")
    board.districts = [rows[pd] for pd in sorted(rows)]
    board.electors = sum(r.electors for r in board.districts)
    board.promises = sum(r.promises for r in board.districts)
    board.promises_voted = sum(r.promises_voted for r in board.districts)
    board.numbers_taken = sum(r.numbers_taken for r in board.districts)

    board.series = _series(entries.filter(elector_id__in=promises.values("id")), opens, closes, now)
    board.stations = _stations(day, stations, entries, districts)
    if room is None:
        board.rooms = _rooms(rooms, rows)
    scope = {"committee_room": room} if room is not None else {"committee_room__polling_day": day}
    rounds = KnockUpRound.objects.filter(**scope).aggregate(
        done=Count("id", filter=Q(completed_at__isnull=False)), open=Count("id", filter=Q(completed_at__isnull=True))
    )
    board.rounds_completed, board.rounds_open = rounds["done"], rounds["open"]
    lifts = Lift.objects.filter(**scope).aggregate(
        needed=Count("id", filter=Q(status=Lift.Status.NEEDED)),
        arranged=Count("id", filter=Q(status=Lift.Status.ARRANGED)),
    )
    board.lifts_needed, board.lifts_arranged = lifts["needed"], lifts["arranged"]
    board.projection = project(
        promises=board.promises,
        postal_promises=board.postal_promises,
        voted_in_person=board.promises_voted - board.postal_voted,
        postal_voted=board.postal_voted,
        elapsed=_elapsed(opens, closes, now),
    )
    return board


def _elapsed(opens: datetime.datetime, closes: datetime.datetime, now: datetime.datetime) -> float:
    return (now - opens) / (closes - opens)


def _series(
    entries: QuerySet[TellingEntry], opens: datetime.datetime, closes: datetime.datetime, now: datetime.datetime
) -> list[tuple[datetime.datetime, int]]:
    """Cumulative promises voted every 15 minutes from the opening of polls to now (or close): one query."""
    if now < opens:
        return []
    end = min(now, closes)
    points: list[datetime.datetime] = []
    t = opens
    while t < end:
        points.append(t)
        t += SERIES_STEP
    points.append(end)
    counts = entries.aggregate(**{f"p{i}": Count("id", filter=Q(entered_at__lte=at)) for i, at in enumerate(points)})
    return [(at, counts[f"p{i}"]) for i, at in enumerate(points)]


def _stations(day: PollingDay, stations: list, entries: QuerySet[TellingEntry], districts: list[str] | None) -> list:
    if districts is not None:
        wanted = set(districts)
        stations = [s for s in stations if wanted & set(s.polling_districts)]
    rows = {s.pk: StationRow(s.pk, s.name, list(s.polling_districts)) for s in stations}
    by_station = (
        entries.filter(source=TellingEntry.Source.TELLER, station_id__in=list(rows))
        .values("station_id")
        .annotate(n=Count("id"), unknown=Count("id", filter=Q(elector__isnull=True)), last=Max("entered_at"))
        .order_by()
    )
    for agg in by_station:
        row = rows[agg["station_id"]]
        row.entries, row.unknown, row.last_entry_at = agg["n"], agg["unknown"], agg["last"]
    return sorted(rows.values(), key=lambda r: r.name)


def _rooms(rooms: list[CommitteeRoom], rows: dict[str, DistrictRow]) -> list[RoomRow]:
    result = {
        r.pk: RoomRow(
            r.pk,
            r.name,
            list(r.polling_districts),
            coordinator=(r.coordinator.display_name or r.coordinator.email) if r.coordinator else "",
            promises=sum(rows[pd].promises for pd in r.polling_districts if pd in rows),
            promises_voted=sum(rows[pd].promises_voted for pd in r.polling_districts if pd in rows),
        )
        for r in rooms
    }
    for agg in (
        KnockUpRound.objects.filter(committee_room_id__in=list(result))
        .values("committee_room_id")
        .annotate(done=Count("id", filter=Q(completed_at__isnull=False)), open=Count("id", filter=Q(completed_at=None)))
        .order_by()
    ):
        result[agg["committee_room_id"]].rounds_completed = agg["done"]
        result[agg["committee_room_id"]].rounds_open = agg["open"]
    for agg in (
        Lift.objects.filter(committee_room_id__in=list(result), status__in=[Lift.Status.NEEDED, Lift.Status.ARRANGED])
        .values("committee_room_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        result[agg["committee_room_id"]].lifts_outstanding = agg["n"]
    return sorted(result.values(), key=lambda r: r.name)


# ---------------------------------------------------------------- the projection


def project(
    *, promises: int, postal_promises: int, voted_in_person: int, postal_voted: int, elapsed: float
) -> Projection:
    """Promises voted at close of poll, with a range. See METHOD; postal votes count only once known returned.

    Monotone: more promises voted now never lowers any of low, mid or high.
    """
    if promises <= 0:
        return Projection(False, reason="No promises under this polling day's rule yet.")
    if elapsed <= 0:
        return Projection(False, reason="Polls have not opened yet.")
    in_person = max(0, promises - postal_promises)
    voted_in_person = min(voted_in_person, in_person)
    if elapsed >= 1:
        share = (voted_in_person + postal_voted) / promises
        count = voted_in_person + postal_voted
        return Projection(
            True, day_fraction=1.0, low=share, mid=share, high=share, low_count=count, mid_count=count,
            high_count=count, final=True,
        )  # fmt: skip
    f = curve_fraction(elapsed)
    if f < MIN_FRACTION_TO_PROJECT:
        return Projection(
            False,
            day_fraction=f,
            reason=f"Too early: only about {round(100 * f)}% of a typical day's vote has been cast by now.",
        )
    f_low = f * (1 - CURVE_SPREAD * (1 - f))
    f_high = min(1.0, f * (1 + CURVE_SPREAD * (1 - f)))
    root = math.sqrt(voted_in_person)
    count_low = max(0.0, voted_in_person - Z95 * root)
    count_high = voted_in_person + Z95 * root + Z95 * Z95 / 2  # so that none voted yet still allows some
    mid = min(in_person, voted_in_person / f)
    low = min(in_person, max(voted_in_person, count_low / f_high))
    high = min(in_person, max(mid, count_high / f_low))
    return Projection(
        True,
        day_fraction=f,
        low=(low + postal_voted) / promises,
        mid=(mid + postal_voted) / promises,
        high=(high + postal_voted) / promises,
        low_count=round(low + postal_voted),
        mid_count=round(mid + postal_voted),
        high_count=round(high + postal_voted),
    )


# ---------------------------------------------------------------- the chart (inline SVG, drawn server-side)


def chart_geometry(board: Board) -> dict[str, Any]:
    """Coordinates for the inline SVG: the cumulative share voted so far and, from now to close, the projected
    path with its range. Computed here so the page and its JSON refresh draw exactly the same chart."""
    span = (board.closes_at - board.opens_at).total_seconds()

    def x(at: datetime.datetime) -> float:
        return CHART.x((at - board.opens_at).total_seconds() / span)

    y = CHART.y

    total = board.promises or 1
    voted = " ".join(f"{x(at)},{y(n / total)}" for at, n in board.series)
    ticks = []
    hours = int(span // 3600)
    step = 3 if hours > 8 else 1
    for h in range(0, hours + 1, step):
        at = board.opens_at + datetime.timedelta(hours=h)
        ticks.append({"x": x(at), "label": timezone.localtime(at).strftime("%H:%M")})
    grid = [{"y": y(p / 100), "label": f"{p}%"} for p in (0, 25, 50, 75, 100)]
    projected = band = ""
    p = board.projection
    if p.available and not p.final and board.series:
        now_at, now_n = board.series[-1]
        f_now = curve_fraction(_elapsed(board.opens_at, board.closes_at, now_at)) or 1.0
        base = board.postal_voted / total
        in_now = now_n / total - base
        mid_pts, low_pts, high_pts = [], [], []
        steps = 12
        for i in range(steps + 1):
            at = now_at + (board.closes_at - now_at) * i / steps
            growth = (curve_fraction(_elapsed(board.opens_at, board.closes_at, at)) - f_now) / max(1e-9, 1 - f_now)
            mid_pts.append(f"{x(at)},{y(base + in_now + (p.mid - base - in_now) * growth)}")
            low_pts.append(f"{x(at)},{y(base + in_now + (p.low - base - in_now) * growth)}")
            high_pts.append(f"{x(at)},{y(base + in_now + (p.high - base - in_now) * growth)}")
        projected = " ".join(mid_pts)
        band = " ".join(high_pts + list(reversed(low_pts)))
    now_x = x(min(board.as_of, board.closes_at)) if board.as_of >= board.opens_at else None
    return CHART.geometry(voted=voted, projected=projected, band=band, now_x=now_x, ticks=ticks, grid=grid)
