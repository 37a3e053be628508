"""Upcoming events near target seats, from the events app when it is installed; nothing otherwise."""

from __future__ import annotations

from django.apps import apps


def upcoming_events(codes: list[str], limit: int = 3) -> dict[str, list[dict]]:
    """ONS code → up to `limit` upcoming public events ({"title", "starts_at", "url"}); {} without the app.

    The events app is optional: the nearest-marginal page must work without it, so any failure to find its
    lookup (not installed, or an older version without one) reads as "no events".
    """
    if not apps.is_installed("groundswell.events"):
        return {}
    try:
        # Local: events is an optional, higher-layer app; targeting must work (and import) without it.
        from groundswell.events import selectors  # type: ignore[import-not-found]  # noqa: PLC0415

        lookup = selectors.upcoming_public_events_by_constituency
    except (ImportError, AttributeError):
        return {}
    return lookup(codes, limit=limit)
