"""Telling: the numbers tellers take at polling stations. Services and selectors; the views only call these.

A teller types what is on the poll card or what the voter says: `123`, `123/1` (in the station's polling
district) or the full `AB1-123/1`. Every entry is stored once, by its client id, so a phone that re-sends
after a lost response stores nothing twice; and one elector has at most one live vote per day (the partial
unique constraint `one_live_vote_per_elector_per_day`), so two tellers taking the same voter count once.
Numbers that match nobody at the station are stored too, with no elector, so nothing typed is lost and the
coordinator can see and fix them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from groundswell.accounts import access
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.canvassing.selectors import parse_elector_number
from groundswell.offline_sync import (
    ItemError,
    Refusal,
    client_id_field,
    client_id_of,
    parse_id,
    text_field,
)
from groundswell.register.models import Elector
from groundswell.register.selectors import live_electors

from . import assignments, caches
from .assignments import can_manage
from .models import PollingDay, PollingStation, TellingEntry

# Match kinds (parse_and_match) and entry statuses (record_entry).
OK = "ok"
UNKNOWN = "unknown"
WRONG_STATION = "wrong_station"
AMBIGUOUS = "ambiguous"
JUNK = "junk"

RECORDED = "recorded"
ALREADY_VOTED = "already_voted"
DUPLICATE_CLIENT = "duplicate_client"
ENTRY_STATUSES = (RECORDED, ALREADY_VOTED, UNKNOWN, WRONG_STATION, DUPLICATE_CLIENT)

MAX_TEXT = 40  # TellingEntry.raw_number
MAX_TYPED = 200  # what a sync item may carry as typed (a paste); stored cut to MAX_TEXT


# ---------------------------------------------------------------- access


def can_tell(user: Any, polling_day: PollingDay) -> bool:
    return access.has_perm(user, access.Perm.TELL, polling_day.unit)


def require_tell(user: Any, polling_day: PollingDay) -> None:
    access.require(user, access.Perm.TELL, polling_day.unit)


def can_undo(user: Any, entry: TellingEntry, polling_day: PollingDay | None = None) -> bool:
    """Its author may take back their own entry while still posted at its station; coordinators and organisers
    of the day any entry."""
    polling_day = polling_day or entry.polling_day
    if entry.entered_by_id is not None and entry.entered_by_id == getattr(user, "pk", None):
        if entry.station_id is None:
            return can_tell(user, polling_day)
        return assignments.can_tell_at(user, entry.station, polling_day)
    return can_manage(user, polling_day)


def days_for(user: Any) -> QuerySet[PollingDay]:
    """Polling days the user tells for (posted at one of its stations, or running it), newest first."""
    return assignments.telling_days_for(user)


# ---------------------------------------------------------------- matching numbers


@dataclass(frozen=True)
class Match:
    """What a typed number means at one station. `kind` is ok, unknown, wrong_station, ambiguous or junk."""

    kind: str
    text: str
    elector_id: int | None = None
    number: str = ""  # normalised 'AB1-123/1' when the text parsed
    message: str = ""
    other_station: PollingStation | None = None

    @property
    def ok(self) -> bool:
        return self.kind == OK

    @property
    def elector(self) -> Elector | None:
        """The matched elector, read when asked for: the sync path needs only the id."""
        return _elector(self.elector_id)


def _elector(elector_id: int | None) -> Elector | None:
    return Elector.objects.filter(pk=elector_id).first() if elector_id is not None else None


def _label(pd: str, number: int, suffix: int) -> str:
    return f"{pd}-{number}/{suffix}" if suffix else f"{pd}-{number}"


def station_districts(station: PollingStation) -> list[str]:
    return [str(pd).strip().upper() for pd in station.polling_districts or [] if str(pd).strip()]


def station_for_district(
    polling_day: PollingDay, pd: str, stations: Iterable[PollingStation] | None = None
) -> PollingStation | None:
    pd = pd.upper()
    for station in polling_day.stations.all() if stations is None else stations:
        if pd in station_districts(station):
            return station
    return None


def parse_and_match(
    polling_day: PollingDay,
    station: PollingStation,
    text: str,
    *,
    stations: Iterable[PollingStation] | None = None,
) -> Match:
    """Resolve what a teller typed at `station` to one live elector, or say why not.

    A bare `123` or `123/1` is looked up in the station's districts; if the station has several and the
    number exists in more than one, the teller must type the full number. A full `AB1-123/1` must be in one
    of the station's districts: a number from another station is flagged with that station's name rather
    than accepted, because it is usually a mistyped district (and a real vote elsewhere is another teller's).

    Numbers are looked up in the process cache of each district's register (caches.py): no query per number.
    `stations` (the day's stations, when the caller has them) saves a query for a number from elsewhere.
    """
    text = (text or "").strip()
    parsed = parse_elector_number(text)
    if parsed is None:
        return Match(JUNK, text, message=f"“{text[:MAX_TEXT]}” is not an elector number")
    pd, number, suffix = parsed
    districts = station_districts(station)
    constituency_id = polling_day.constituency_id
    if not pd:
        found = [
            (d, pk)
            for d in districts
            if (pk := caches.district_numbers(constituency_id, d).get((number, suffix))) is not None
        ]
        bare = f"{number}/{suffix}" if suffix else str(number)
        if not found:
            return Match(UNKNOWN, text, message=f"No elector {bare} at {station.name}")
        if len(found) > 1:
            options = " or ".join(sorted(_label(d, number, suffix) for d, _ in found))
            return Match(AMBIGUOUS, text, message=f"{bare} is ambiguous here: type {options}")
        d, pk = found[0]
        return Match(OK, text, elector_id=pk, number=_label(d, number, suffix))
    label = _label(pd, number, suffix)
    elector_id = caches.district_numbers(constituency_id, pd).get((number, suffix))
    if elector_id is None:
        return Match(UNKNOWN, text, number=label, message=f"No elector {label} on the register")
    if pd in districts:
        return Match(OK, text, elector_id=elector_id, number=label)
    other = station_for_district(polling_day, pd, stations)
    where = f"station {other.name}" if other else f"district {pd}, which has no station today"
    return Match(
        WRONG_STATION, text, number=label, other_station=other, message=f"{label} belongs to {where}, not here"
    )


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class EntryResult:
    status: str  # one of ENTRY_STATUSES
    entry: TellingEntry | None
    elector_id: int | None
    message: str
    number: str = ""  # normalised number when known

    @property
    def elector(self) -> Elector | None:
        """The voter this entry counts (or the stored entry counted), read when asked for."""
        if self.entry is not None and self.entry.elector_id == self.elector_id:
            return self.entry.elector
        return _elector(self.elector_id)


def entry_status(entry: TellingEntry) -> str:
    """What a stored entry stands for: recorded, undone, or (no elector) unknown / wrong station."""
    if entry.undone_at is not None:
        return "undone"
    if entry.elector_id is not None:
        return RECORDED
    return WRONG_STATION if _is_wrong_station(entry) else UNKNOWN


def _is_wrong_station(entry: TellingEntry) -> bool:
    # Not stored: re-derived from the text, so fixing the register or a station's districts fixes the label.
    if entry.station is None:
        return False
    return parse_and_match(entry.polling_day, entry.station, entry.raw_number).kind == WRONG_STATION


def _replayed(entry: TellingEntry) -> EntryResult:
    status = entry_status(entry)
    number = entry.elector.elector_number if entry.elector_id else entry.raw_number
    return EntryResult(DUPLICATE_CLIENT, entry, entry.elector_id, f"{number}: already received ({status})", number)


def live_vote(polling_day: PollingDay, elector_id: int) -> TellingEntry | None:
    """The elector's vote taken on this day and not undone, if any (telling and the review of flagged numbers)."""
    return (
        TellingEntry.objects.filter(polling_day=polling_day, elector_id=elector_id, undone_at__isnull=True)
        .select_related("station", "elector")
        .first()
    )


def already_voted(existing: TellingEntry, number: str) -> EntryResult:
    """The answer for a number whose elector has voted already: when and where."""
    where = f" at {existing.station.name}" if existing.station else ""
    when = timezone.localtime(existing.entered_at).strftime("%H:%M")
    message = f"{number} already voted ({when}{where})"
    return EntryResult(ALREADY_VOTED, existing, existing.elector_id, message, number)


_INSERT_COLUMNS = (
    "polling_day",
    "station",
    "elector",
    "raw_number",
    "source",
    "client_id",
    "entered_by",
    "entered_at",
    "review",
)


def _insert_once(entry: TellingEntry) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: one statement, no savepoint. False when a unique
    constraint refused it (this client id is stored, or the elector has a live vote). Both PostgreSQL and
    SQLite (3.35+) take a conflict on any unique index, the partial one included, when no target is named."""
    fields = [TellingEntry._meta.get_field(name) for name in _INSERT_COLUMNS]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING {}".format(
        qn(TellingEntry._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        qn(TellingEntry._meta.pk.column),
    )
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk = row[0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return True


def record_entry(
    polling_day: PollingDay,
    station: PollingStation,
    text: str,
    *,
    client_id: str,
    user: Any,
    source: str = TellingEntry.Source.TELLER,
    match: Match | None = None,
) -> EntryResult:
    """Store what a teller typed, once. Access is the caller's job (views check Perm.TELL per request).

    The same client id always answers duplicate_client with the stored entry (a re-sent queue stores nothing
    twice). A voter already taken answers already_voted with the live entry and stores no second vote.
    There is no check before the insert: the unique constraints decide (also when two requests race), and a
    refused insert is answered from what is stored. Most entries are new, so that is one statement for them.
    `match` is parse_and_match's answer when the caller has it already (sync matches before it writes).
    """
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise ValueError("client_id is required (at most 64 characters)")
    if station.polling_day_id != polling_day.pk:
        raise ValueError("station is not on this polling day")
    if match is None:
        match = parse_and_match(polling_day, station, text)
    entry = TellingEntry(
        polling_day=polling_day,
        station=station,
        elector_id=match.elector_id,
        raw_number=(match.text or "")[:MAX_TEXT],
        source=source,
        client_id=client_id,
        entered_by=user if getattr(user, "pk", None) else None,
        entered_at=timezone.now(),
    )
    if not _insert_once(entry):
        # Either this client id is stored already (a re-send, or a double send racing this one), or the
        # elector has a live vote (another teller took them, perhaps a moment ago).
        existing = TellingEntry.objects.filter(client_id=client_id).select_related("elector", "station").first()
        if existing is not None:
            return _replayed(existing)
        live = live_vote(polling_day, match.elector_id) if match.elector_id is not None else None
        if live is not None:
            return already_voted(live, match.number)
        # Neither: a real fault, never hidden.
        raise IntegrityError(f"Telling entry {client_id!r} was refused but no conflicting entry was found")
    if match.ok:
        return EntryResult(RECORDED, entry, match.elector_id, f"{match.number} recorded", match.number)
    status = WRONG_STATION if match.kind == WRONG_STATION else UNKNOWN
    return EntryResult(status, entry, None, match.message, match.number)


@dataclass(frozen=True)
class UndoResult:
    status: str  # undone, already_undone
    entry: TellingEntry
    message: str


def undo_entry(entry: TellingEntry, user: Any, *, request: Any = None) -> UndoResult:
    """Take back an entry (a mistyped number): allowed for its author or a coordinator of the day. Audited.

    The row is kept with undone_at/undone_by, so the history shows what was typed and who took it back;
    the elector can then be entered again (the constraint covers live entries only).
    """
    polling_day = entry.polling_day
    if not can_undo(user, entry, polling_day):
        raise PermissionDenied("Only the teller who took this number, or a coordinator, may undo it.")
    with transaction.atomic():
        # Undo once: a second undo (a re-sent queue, two coordinators) finds it already done and changes nothing.
        changed = TellingEntry.objects.filter(pk=entry.pk, undone_at__isnull=True).update(
            undone_at=timezone.now(), undone_by=user
        )
        entry.refresh_from_db(fields=["undone_at", "undone_by"])
        if changed:
            record(
                AuditEntry.Action.CHANGED,
                actor=user,
                request=request,
                obj=entry,
                unit=polling_day.unit,
                detail={"what": "telling entry undone", "polling_day": polling_day.pk, "station": entry.station_id},
            )
    number = entry.elector.elector_number if entry.elector_id else entry.raw_number
    if changed:
        return UndoResult("undone", entry, f"{number} undone")
    return UndoResult("already_undone", entry, f"{number} was already undone")


# ---------------------------------------------------------------- selectors for the page


def station_numbers(polling_day: PollingDay, station: PollingStation) -> dict[str, list[str]]:
    """The station's live elector numbers per district as compact strings ('123', '123/1'): no names.

    Tellers need only numbers, and a lost phone then carries nothing that identifies anybody by name. Read
    through the register cache, so the page's first load also readies this process for the station's entries.
    """
    out: dict[str, list[str]] = {}
    for pd in station_districts(station):
        keys = sorted(caches.district_numbers(polling_day.constituency_id, pd))
        out[pd] = [f"{number}/{suffix}" if suffix else str(number) for number, suffix in keys]
    return out


@dataclass(frozen=True)
class Tally:
    voted: int
    electorate: int | None  # None when not counted (sync answers; the page has it from the station payload)
    flagged: int  # stored entries with no elector (unknown / wrong station), live

    @property
    def percent(self) -> float | None:
        if self.electorate is None:
            return None
        return round(100 * self.voted / self.electorate, 1) if self.electorate else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"voted": self.voted, "electorate": self.electorate, "flagged": self.flagged, "percent": self.percent}


def station_tally(polling_day: PollingDay, station: PollingStation, *, electorate: bool = True) -> Tally:
    """Votes taken at the station against its electorate, and its flagged entries (no elector).

    Counted by station, not by the electors' districts, so it rides the (polling_day, station) index and stays
    cheap enough to send back with every sync; a recorded entry is always in one of the station's districts.
    """
    live = TellingEntry.objects.filter(polling_day=polling_day, station=station, undone_at__isnull=True)
    counts = live.aggregate(
        voted=Count("pk", filter=Q(elector__isnull=False)),
        flagged=Count("pk", filter=Q(elector__isnull=True)),
    )
    total = None
    if electorate:
        districts = station_districts(station)
        total = live_electors(polling_day.constituency_id).filter(polling_district__in=districts).count()
    return Tally(voted=counts["voted"], electorate=total, flagged=counts["flagged"])


def recent_entries(polling_day: PollingDay, station: PollingStation, limit: int = 100) -> list[TellingEntry]:
    """The station's latest entries (live and undone), newest first, for the page's list."""
    return list(
        TellingEntry.objects.filter(polling_day=polling_day, station=station)
        .select_related("elector", "station", "polling_day")
        .order_by("-entered_at", "-id")[:limit]
    )


def entry_payload(entry: TellingEntry, user: Any, polling_day: PollingDay, manager: bool) -> dict[str, Any]:
    """One entry as the page shows it: number and status, whose it is, and whether this user may undo it."""
    mine = entry.entered_by_id is not None and entry.entered_by_id == getattr(user, "pk", None)
    status = entry_status(entry)
    return {
        "id": entry.pk,
        "client_id": entry.client_id,
        "text": entry.raw_number,
        "number": entry.elector.elector_number if entry.elector_id else "",
        "status": status,
        "mine": mine,
        "at": entry.entered_at.isoformat(),
        "can_undo": status != "undone" and (mine or manager),
    }


def station_payload(polling_day: PollingDay, station: PollingStation, user: Any) -> dict[str, Any]:
    """Everything the telling page needs for one station: numbers to check against offline, the other
    stations' districts (so a full number from elsewhere is flagged at once), the tally and recent entries."""
    manager = can_manage(user, polling_day)
    return {
        "station": {"id": station.pk, "name": station.name, "polling_districts": station_districts(station)},
        "numbers": station_numbers(polling_day, station),
        "stations": [
            {"id": s.pk, "name": s.name, "polling_districts": station_districts(s)} for s in polling_day.stations.all()
        ],
        "tally": station_tally(polling_day, station).as_dict(),
        "entries": [entry_payload(e, user, polling_day, manager) for e in recent_entries(polling_day, station)],
        "can_undo_all": manager,
        "fetched_at": timezone.now().isoformat(),
    }


# ---------------------------------------------------------------- the page's sync


_sqlite_writes = threading.Lock()


@contextmanager
def _write_transaction(has_undo: bool) -> Iterator[None]:
    """The batch's writes and its audit entry in one transaction where that is safe; on SQLite behind a
    process-wide lock.

    A SQLite writer that finds the database locked sleeps in SQLite's busy handler (up to 100 ms a nap)
    however soon the lock is freed, which is what made entry latency's tail; the threads of one server
    process queue on a Python lock instead, which hands over at once, and take the write lock once per request
    rather than once per statement. On PostgreSQL one transaction means one commit (one WAL flush) per request
    instead of two, and the unique constraints still decide races. It is safe because the audit log's advisory
    lock is then taken last, by the batch's audit entry, and its holder waits for nothing more. An undo takes
    that lock mid-batch (its own audit entry) and could then wait on another request's uncommitted entry while
    that request waits for the lock: a deadlock. So a PostgreSQL batch with an undo commits item by item.
    """
    if connection.vendor == "sqlite":
        with _sqlite_writes, transaction.atomic():
            yield
    elif has_undo:
        yield
    else:
        with transaction.atomic():
            yield


def _undo_item(polling_day: PollingDay, item: dict, out: dict[str, Any], user: Any, request: Any) -> dict[str, Any]:
    entry = (
        TellingEntry.objects.filter(polling_day=polling_day, client_id=str(item.get("target") or ""))
        .select_related("elector", "polling_day__unit")
        .first()
    )
    if entry is None:
        return out | {"status": "not_found", "message": "Nothing to undo: that entry never reached the server"}
    try:
        undone = undo_entry(entry, user, request=request)
    except PermissionDenied as exc:
        # The target goes back so the page can show the entry as standing again (telling.js).
        return out | {"status": "forbidden", "target": entry.client_id, "message": str(exc)}
    return out | {"status": undone.status, "target": entry.client_id, "message": undone.message}


def _plan_item(
    polling_day: PollingDay,
    stations: dict[int, PollingStation],
    day_stations: list[PollingStation],
    item: dict[str, Any] | Refusal,
    allowed: set[int] | None,
) -> tuple[dict[str, Any], PollingStation | None, Match | None]:
    """(answer so far, station, match) for one item, before anything is written: an answer with a status is
    final already; no station means an undo. `allowed` is the stations this user may tell at (None: all)."""
    if isinstance(item, Refusal):
        return item.answer("message"), None, None
    out: dict[str, Any] = {"client_id": client_id_of(item)}
    try:
        client_id_field(item)
        op = text_field(item, "op", max_length=10) or "enter"
        if op not in ("enter", "undo"):
            raise ItemError("op", "must be enter or undo")
        if op == "undo":
            text_field(item, "target", max_length=64)
            return out, None, None
        text = text_field(item, "text", max_length=MAX_TYPED)
        station = stations.get(parse_id(item.get("station_id")) or 0)
        if station is None:
            raise ItemError("station_id", "no such polling station today")
    except ItemError as exc:
        return out | {"status": "error", "message": exc.message, "field": exc.field}, None, None
    if allowed is not None and station.pk not in allowed:
        message = f"You are not posted at {station.name}"
        return out | {"status": "forbidden", "message": message, "field": "station_id"}, None, None
    return out, station, parse_and_match(polling_day, station, text, stations=day_stations)


def _enter_item(
    polling_day: PollingDay, station: PollingStation, match: Match, out: dict[str, Any], user: Any
) -> dict[str, Any]:
    client_id = out["client_id"].strip()
    result = record_entry(polling_day, station, match.text, client_id=client_id, user=user, match=match)
    # Only an entry stored under this client id is this item's; already_voted points at someone else's.
    own = result.entry if result.entry is not None and result.entry.client_id == client_id else None
    if (
        result.status == DUPLICATE_CLIENT
        and own is not None
        and (own.polling_day_id != polling_day.pk or own.station_id != station.pk)
    ):
        # A client id already used elsewhere (another station or day): not this item's, and not ours to describe.
        message = "client_id: already used for another entry"
        return out | {"status": "error", "message": message, "field": "client_id"}
    # A new entry is stored as what it was just answered; a replay says what the first send was stored as,
    # so a page that lost the answer can show it.
    stored_as = "" if own is None else (entry_status(own) if result.status == DUPLICATE_CLIENT else result.status)
    return out | {
        "status": result.status,
        "message": result.message,
        "number": result.number,
        "station_id": station.pk,
        "stored_as": stored_as,
        "entry_id": own.pk if own is not None else None,
    }


def _elector_key(match: Match | None) -> int:
    return match.elector_id if match is not None and match.elector_id is not None else -1


def _audit_sync(
    polling_day: PollingDay, stations: dict[int, PollingStation], results: list[dict[str, Any]], user: Any, request: Any
) -> None:
    """One audit entry per station written to (its counts), and one for the day for items that reached no
    station (refused, forbidden, undos: each undo has its own entry too)."""
    by_station: dict[int | None, Counter[str]] = {}
    for r in results:
        by_station.setdefault(r.get("station_id"), Counter())[r["status"]] += 1
    for station_id, counts in by_station.items():
        record(
            AuditEntry.Action.CREATED,
            actor=user,
            request=request,
            obj=stations[station_id] if station_id else polling_day,
            unit=polling_day.unit,
            detail={
                "what": "telling entries synced" if station_id else "telling items with no station",
                "polling_day": polling_day.pk,
                **counts,
            },
        )


def sync(
    polling_day: PollingDay,
    items: list[dict],
    user: Any,
    *,
    request: Any = None,
    stations: dict[int, PollingStation] | None = None,
) -> dict[str, Any]:
    """Apply the page's queue in order: {"op": "enter", client_id, station_id, text} or {"op": "undo", client_id,
    target: an entry's client id}. Answers {"results": [per item, in order], "tallies": {station id: tally}}.

    Per-item status: recorded, already_voted, unknown, wrong_station, duplicate_client (already stored),
    undone, already_undone, not_found, forbidden, error: every one final (the page stops re-sending it).
    The caller checks Perm.TELL for the day; undo checks its own rule per entry. `stations` is the day's
    stations by id when the caller has them (the view's process cache), else they are read here.

    Numbers are matched before the write transaction opens (from the register cache, usually without a
    query), so the write holds SQLite's single write lock only for the inserts and the audit entry.
    """
    if stations is None:
        stations = {s.pk: s for s in polling_day.stations.all()}
    day_stations = list(stations.values())
    allowed = (
        None
        if can_manage(user, polling_day)
        else set(assignments.stations_for(user, polling_day).values_list("pk", flat=True))
    )
    planned = [_plan_item(polling_day, stations, day_stations, item, allowed) for item in items]
    has_undo = any(out.get("status") is None and station is None for out, station, _ in planned)
    # In one transaction, two tellers' batches that share voters must take the one-vote index's locks in the same
    # order, or each waits for the other's uncommitted entry (a deadlock): so a batch's entries are written in
    # elector order, keeping the queue's own order among entries for the same elector (and for an undo batch,
    # which commits item by item, the queue's order throughout). Answers still come back in the queue's order.
    order = list(range(len(items)))
    if not has_undo:
        order.sort(key=lambda i: (_elector_key(planned[i][2]), i))
    answered: dict[int, dict[str, Any]] = {}
    with _write_transaction(has_undo=has_undo):
        for i in order:
            item, (out, station, match) = items[i], planned[i]
            if "status" in out:
                answered[i] = out
            elif station is None:
                answered[i] = _undo_item(polling_day, item, out, user, request)
            else:
                answered[i] = _enter_item(polling_day, station, match, out, user)
        results = [answered[i] for i in range(len(items))]
        _audit_sync(polling_day, stations, results, user, request)
    touched = {r["station_id"] for r in results if r.get("station_id")}
    tallies = {str(pk): station_tally(polling_day, stations[pk], electorate=False).as_dict() for pk in touched}
    return {"results": results, "tallies": tallies}
