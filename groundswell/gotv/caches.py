"""Process caches for polling day's hot paths: each district's elector numbers and each day's stations.

On polling day a teller's request must not ask the database what it already asked a second ago: the register
does not change during the day (the last monthly update was weeks ago) and neither do the stations. So each
server process keeps, per constituency, a map number → elector id for each polling district it has been asked
about, and per polling day the day itself with its stations.

Staleness is bounded three ways. The register map is keyed by the constituency's *register version* (the
newest RegisterImport for it), re-read at most every RECHECK_S seconds, so an import in any process is seen
within that time. A save or delete of an elector, register import, polling day or station in this process
clears the caches at once (signals, connected in apps.py). And nothing is kept longer than MAX_AGE_S, which
covers edits made in another process by a path that sends no signal (e.g. a queryset update). A number that
was not found through a stale map is stored as an unknown number, never dropped: the coordinator's review
page resolves it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save

from groundswell.register.models import Elector, RegisterImport
from groundswell.register.selectors import live_electors

from .models import PollingDay, PollingStation

RECHECK_S = 5.0  # how often the register version is re-read
MAX_AGE_S = 600.0  # the longest anything is trusted without reloading

_lock = threading.Lock()


@dataclass
class _Register:
    version: int | None
    checked: float
    born: float
    # district code (upper case) → {(number, suffix): elector id}
    districts: dict[str, dict[tuple[int, int], int]] = field(default_factory=dict)


@dataclass(frozen=True)
class DayContext:
    """A polling day (with its unit) and its stations by id, as loaded at `born`."""

    polling_day: Any
    stations: dict[int, Any]
    born: float


_registers: dict[int, _Register] = {}
_days: dict[int, DayContext] = {}


def clear(*args: Any, **kwargs: Any) -> None:
    """Forget everything (also a signal receiver, hence the unused arguments)."""
    with _lock:
        _registers.clear()
        _days.clear()


def register_version(constituency_id: int) -> int | None:
    return (
        RegisterImport.objects.filter(constituency_id=constituency_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _register(constituency_id: int) -> _Register:
    now = time.monotonic()
    reg = _registers.get(constituency_id)
    if reg is not None and now - reg.checked < RECHECK_S and now - reg.born < MAX_AGE_S:
        return reg
    version = register_version(constituency_id)
    with _lock:
        reg = _registers.get(constituency_id)
        if reg is None or reg.version != version or now - reg.born >= MAX_AGE_S:
            reg = _registers[constituency_id] = _Register(version=version, checked=now, born=now)
        else:
            reg.checked = now
    return reg


def district_numbers(constituency_id: int, district: str) -> dict[tuple[int, int], int]:
    """{(number, suffix): elector id} for the live electors of one polling district (one query, then cached)."""
    district = district.upper()
    reg = _register(constituency_id)
    found = reg.districts.get(district)
    if found is not None:
        return found
    rows = live_electors(constituency_id).filter(polling_district=district).values_list("number", "suffix", "pk")
    found = {(number, suffix): pk for number, suffix, pk in rows}
    with _lock:
        # Two threads may both load a district; either answer is the same, so the last one simply wins.
        reg.districts[district] = found
    return found


def day_context(day_pk: int) -> DayContext | None:
    """The polling day (unit loaded) and its stations, from the cache when younger than RECHECK_S."""
    now = time.monotonic()
    ctx = _days.get(day_pk)
    if ctx is not None and now - ctx.born < RECHECK_S:
        return ctx
    polling_day = PollingDay.objects.select_related("unit").filter(pk=day_pk).first()
    if polling_day is None:
        return None
    stations = {s.pk: s for s in polling_day.stations.all()}
    ctx = DayContext(polling_day=polling_day, stations=stations, born=now)
    with _lock:
        _days[day_pk] = ctx
    return ctx


def connect_signals() -> None:
    """Clear the caches whenever this process saves or deletes what they hold (called from apps.py)."""
    for model in (Elector, RegisterImport, PollingDay, PollingStation):
        post_save.connect(clear, sender=model, dispatch_uid=f"gotv-caches-save-{model._meta.label}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"gotv-caches-delete-{model._meta.label}")
