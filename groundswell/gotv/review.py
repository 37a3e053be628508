"""Reviewing flagged numbers: the entries tellers typed that matched nobody at their station.

A flagged entry is a live telling entry with no elector: an unknown number, a number from another station, or
text that is not a number at all. Nothing a teller typed is dropped, so these wait here for a coordinator
(Perm.MANAGE_POLLING_DAY), who sees the nearest valid numbers on the station's register (a digit wrong, two
digits swapped, one missing or extra, a suffix left off, the right number in the wrong district) and either
resolves the entry to the right elector (it then counts as that elector's vote) or dismisses it (it stays in
the history, undone). Both are audited and both are final: a reviewed entry leaves the list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.canvassing.selectors import parse_elector_number
from groundswell.register.models import Elector
from groundswell.register.selectors import live_electors

from . import caches, telling
from .models import PollingDay, PollingStation, TellingEntry

MAX_SUGGESTIONS = 5
_DIGITS = re.compile(r"\d+")

# ---------------------------------------------------------------- selectors


def flagged_entries(polling_day: PollingDay, station: PollingStation) -> list[TellingEntry]:
    """The station's live entries with no elector, oldest first (the order they were typed)."""
    return list(
        TellingEntry.objects.filter(
            polling_day=polling_day, station=station, elector__isnull=True, undone_at__isnull=True
        )
        .select_related("entered_by")
        .order_by("entered_at", "id")
    )


def flagged_counts(polling_day: PollingDay) -> dict[int, int]:
    """Station id → how many flagged entries wait for review."""
    rows = (
        TellingEntry.objects.filter(polling_day=polling_day, elector__isnull=True, undone_at__isnull=True)
        .exclude(station__isnull=True)
        .values("station_id")
        .annotate(n=Count("pk"))
        .values_list("station_id", "n")
    )
    return dict(rows)


def reviewed_entries(polling_day: PollingDay, station: PollingStation, limit: int = 50) -> list[TellingEntry]:
    """What coordinators have resolved or dismissed at the station, newest first."""
    return list(
        TellingEntry.objects.filter(polling_day=polling_day, station=station)
        .exclude(review="")
        .select_related("elector", "reviewed_by")
        .order_by("-reviewed_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Suggestion:
    elector_id: int
    number: str  # 'AB1-123/1'
    why: str
    rank: tuple


@dataclass
class FlaggedRow:
    entry: TellingEntry
    problem: str
    suggestions: list[Suggestion]
    electors: dict[int, Elector] = field(default_factory=dict)

    @property
    def choices(self) -> list[tuple[Suggestion, Elector | None]]:
        return [(s, self.electors.get(s.elector_id)) for s in self.suggestions]


class StationRegister:
    """The station's live numbers for suggesting: (district, number, suffix) → elector id, and number → its
    (district, suffix) pairs, from the process cache of the register."""

    def __init__(self, polling_day: PollingDay, station: PollingStation) -> None:
        self.districts = telling.station_districts(station)
        self.ids: dict[tuple[str, int, int], int] = {}
        self.by_number: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for pd in self.districts:
            for (number, suffix), pk in caches.district_numbers(polling_day.constituency_id, pd).items():
                self.ids[(pd, number, suffix)] = pk
                self.by_number[number].append((pd, suffix))


def _one_edit_away(digits: str) -> set[str]:
    """Digit strings one keystroke from `digits`: one digit changed, dropped or added, or two neighbours swapped."""
    out: set[str] = set()
    for i in range(len(digits)):
        out.add(digits[:i] + digits[i + 1 :])
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i + 1 :])
        if i + 1 < len(digits):
            out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    for i in range(len(digits) + 1):
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i:])
    out.discard(digits)
    return {s for s in out if s and not s.startswith("0")}


def _typed(text: str) -> tuple[str, int, int] | None:
    """(district or '', number, suffix) for what was typed; junk with digits in it is read as its first number."""
    parsed = parse_elector_number((text or "").strip())
    if parsed is not None:
        return parsed
    found = _DIGITS.search(text or "")
    return ("", int(found.group()), 0) if found else None


def suggest(register: StationRegister, text: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """The nearest valid numbers at the station to what was typed, best first.

    Ranked: the same number in this station's district (typed with another district, or with the suffix
    missing or wrong); then one keystroke away (a digit changed, swapped, dropped or added); then a
    neighbouring number (±1, ±2), which is what a misread poll card gives.
    """
    typed = _typed(text)
    if typed is None:
        return []
    pd, number, suffix = typed
    found: dict[int, Suggestion] = {}

    def add(key: tuple[str, int, int], why: str, rank: tuple) -> None:
        pk = register.ids.get(key)
        if pk is None or (pk in found and found[pk].rank <= rank):
            return
        label = f"{key[0]}-{key[1]}/{key[2]}" if key[2] else f"{key[0]}-{key[1]}"
        found[pk] = Suggestion(pk, label, why, rank)

    for here_pd, here_suffix in register.by_number.get(number, []):
        if here_suffix == suffix:
            # The number typed, here (now on the register, or typed with another district or none).
            why = f"same number in {here_pd}" if pd and pd != here_pd else "same number"
            add((here_pd, number, here_suffix), why, (0, 0, here_pd, here_suffix))
        else:
            why = "suffix left off" if not suffix else ("without the suffix" if not here_suffix else "other suffix")
            add((here_pd, number, here_suffix), why, (0, 1, here_pd, here_suffix))
    for near in _one_edit_away(str(number)):
        n = int(near)
        for here_pd, here_suffix in register.by_number.get(n, []):
            if here_suffix == suffix or not suffix:
                add((here_pd, n, here_suffix), "one keystroke away", (1, abs(n - number), here_pd, n, here_suffix))
    for step in (1, -1, 2, -2):
        n = number + step
        for here_pd, here_suffix in register.by_number.get(n, []):
            if here_suffix == suffix:
                add((here_pd, n, here_suffix), "next number", (2, abs(step), here_pd, n, here_suffix))
    return sorted(found.values(), key=lambda s: s.rank)[:limit]


def _problem(polling_day: PollingDay, station: PollingStation, entry: TellingEntry, stations: list) -> str:
    match = telling.parse_and_match(polling_day, station, entry.raw_number, stations=stations)
    if match.ok:
        return "Now on the register here: resolve it to this elector"
    return match.message


def review_rows(polling_day: PollingDay, station: PollingStation) -> list[FlaggedRow]:
    """The station's flagged entries with what is wrong and the nearest valid numbers (electors loaded)."""
    register = StationRegister(polling_day, station)
    stations = list(polling_day.stations.all())
    rows = [
        FlaggedRow(entry, _problem(polling_day, station, entry, stations), suggest(register, entry.raw_number))
        for entry in flagged_entries(polling_day, station)
    ]
    wanted = {s.elector_id for row in rows for s in row.suggestions}
    electors = live_electors(polling_day.constituency_id).filter(pk__in=wanted).select_related("household")
    by_pk = {e.pk: e for e in electors}
    for row in rows:
        row.electors = by_pk
    return rows


# ---------------------------------------------------------------- services


def _check_flagged(entry: TellingEntry) -> None:
    if entry.review:
        raise ValidationError(f"This entry was already {entry.get_review_display().lower()}.")
    if entry.undone_at is not None:
        raise ValidationError("This entry was undone: there is nothing to review.")
    if entry.elector_id is not None:
        raise ValidationError("This entry already counts an elector's vote.")


def elector_for_number(polling_day: PollingDay, station: PollingStation, text: str) -> Elector:
    """The station's elector a coordinator typed (as a teller would), or ValidationError saying why not."""
    match = telling.parse_and_match(polling_day, station, text)
    if not match.ok:
        raise ValidationError(match.message or f"“{text}” is not a number at {station.name}")
    return match.elector


def resolve(entry: TellingEntry, elector: Elector, user: Any, *, request: Any = None) -> TellingEntry:
    """Count a flagged entry as `elector`'s vote. The elector must be on the station's register and must not
    have voted already (then the entry is a duplicate: dismiss it). Audited."""
    day = entry.polling_day
    _check_flagged(entry)
    station = entry.station
    if (
        elector.constituency_id != day.constituency_id
        or elector.deleted_at is not None
        or station is None
        or elector.polling_district.upper() not in telling.station_districts(station)
    ):
        where = station.name if station else "this station"
        raise ValidationError(f"{elector.elector_number} is not on the register at {where}.")
    live = telling.live_vote(day, elector.pk)
    if live is not None:
        raise ValidationError(f"{telling.already_voted(live, elector.elector_number).message}: dismiss this entry.")
    now = timezone.now()
    try:
        with transaction.atomic():
            changed = TellingEntry.objects.filter(
                pk=entry.pk, elector__isnull=True, undone_at__isnull=True, review=""
            ).update(elector=elector, review=TellingEntry.Review.RESOLVED, reviewed_by=user, reviewed_at=now)
            if changed:
                _audit(entry, "flagged number resolved", user, request, elector=elector.pk)
    except IntegrityError:
        # A teller took this elector between the check and the update: the one-live-vote constraint decided.
        raise ValidationError(f"{elector.elector_number} has just been taken: dismiss this entry.") from None
    if not changed:
        raise ValidationError("Someone else reviewed or undid this entry a moment ago.")
    entry.refresh_from_db()
    return entry


def dismiss(entry: TellingEntry, user: Any, *, request: Any = None) -> TellingEntry:
    """Set a flagged entry aside as not a vote: it is kept (undone, marked dismissed) for the record. Audited."""
    _check_flagged(entry)
    now = timezone.now()
    with transaction.atomic():
        changed = TellingEntry.objects.filter(
            pk=entry.pk, elector__isnull=True, undone_at__isnull=True, review=""
        ).update(undone_at=now, undone_by=user, review=TellingEntry.Review.DISMISSED, reviewed_by=user, reviewed_at=now)
        if changed:
            _audit(entry, "flagged number dismissed", user, request)
    if not changed:
        raise ValidationError("Someone else reviewed or undid this entry a moment ago.")
    entry.refresh_from_db()
    return entry


def _audit(entry: TellingEntry, what: str, user: Any, request: Any, **detail: Any) -> None:
    record(
        AuditEntry.Action.CHANGED,
        actor=user,
        request=request,
        obj=entry,
        unit=entry.polling_day.unit,
        detail={"what": what, "polling_day": entry.polling_day_id, "station": entry.station_id, **detail},
    )
