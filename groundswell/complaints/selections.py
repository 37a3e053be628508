"""Whether a respondent takes part in a pending selection, from the selections app when it is installed.

Selections will sit above complaints in the layers (docs/architecture.md), so complaints never imports it: the
selections app hands its lookup to `register_pending_selection_lookup` from its AppConfig.ready(). The Forde
report (2022) asked for particular care over administrative suspensions that would affect a pending selection,
so complaints flags the case at once and tells the selection's procedures secretary that a participant is
suspended, without the case's content (no allegation, category or complainant). Without a lookup, no case is
flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PendingSelection:
    """One pending selection the person takes part in."""

    label: str  # "Reading East parliamentary selection"
    role: str  # "applicant", "nominee" or "voter"
    procedures_secretary_ids: tuple[int, ...]  # Person ids to tell


# lookup(person) -> the pending selections that person is an applicant, nominee or voter in.
PendingSelectionLookup = Callable[[Any], list[PendingSelection]]

_lookups: list[PendingSelectionLookup] = []


def register_pending_selection_lookup(lookup: PendingSelectionLookup) -> None:
    """Add a lookup (adding the same function twice is harmless, so module reloads do no harm)."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def unregister_pending_selection_lookup(lookup: PendingSelectionLookup) -> None:
    if lookup in _lookups:
        _lookups.remove(lookup)


def pending_selections(person: Any) -> list[PendingSelection]:
    """Every registered lookup's answer for `person` ([] with none registered, or no person)."""
    if person is None:
        return []
    return [found for lookup in _lookups for found in lookup(person)]
