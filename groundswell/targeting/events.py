"""Upcoming events near target seats, from the events app when it is installed; nothing otherwise.

Events sits above targeting in the layers (docs/architecture.md), so targeting never imports it: the events
app hands its lookup to `register_events_lookup` from its AppConfig.ready(). Without it the nearest-marginal
page simply shows no events.
"""

from __future__ import annotations

from collections.abc import Callable

# lookup(codes, limit=…, boundary_set=…) -> ONS code → [{"title", "starts_at", "url"}, …]; the codes are seats of
# boundary_set (a projection's set), which the lookup answers without mixing the sets' codes.
EventsLookup = Callable[..., dict[str, list[dict]]]

_lookup: EventsLookup | None = None


def register_events_lookup(lookup: EventsLookup | None) -> None:
    """Set (or, with None, clear) the function that finds upcoming public events by constituency."""
    global _lookup
    _lookup = lookup


def upcoming_events(codes: list[str], limit: int = 3, boundary_set: str | None = None) -> dict[str, list[dict]]:
    """ONS code (of `boundary_set`, default the current set) → up to `limit` upcoming public events
    ({"title", "starts_at", "url"}); {} with no provider."""
    if _lookup is None:
        return {}
    return _lookup(codes, limit=limit, boundary_set=boundary_set)
