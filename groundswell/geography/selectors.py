"""Reads of the geography app: which boundary set is in force, and constituencies named by code within a set.

A constituency code alone is ambiguous (five Scottish seats kept theirs in 2024), so everything that names a
constituency says which set it means; code about new work asks `current_boundary_set()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from .models import BoundarySet, Constituency


def boundary_set_on(day: date | None = None) -> BoundarySet | None:
    """The boundary set in force on `day` (default today): 2024's from 4 July 2024, 2010's before it."""
    day = day or date.today()
    return (
        BoundarySet.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def current_boundary_set(day: date | None = None) -> str:
    """The code of the set new work uses: the one in force on `day` (default today) when its seats are loaded.

    A database holding only older boundaries (an install that has not imported the 2024 file yet) answers with the
    newest set it has, so lookups keep working rather than finding no seat at all.
    """
    in_force = boundary_set_on(day)
    code = in_force.code if in_force else "2024"
    if Constituency.objects.filter(boundary_set=code).exists():
        return code
    loaded = (
        BoundarySet.objects.filter(constituencies__isnull=False).order_by("-valid_from").values_list("code", flat=True)
    )
    return loaded.first() or code


def constituencies(boundary_set: str | None = None) -> QuerySet[Constituency]:
    """The constituencies of one boundary set (default: the current one)."""
    return Constituency.objects.filter(boundary_set=boundary_set or current_boundary_set())


def constituency_by_code(code: str, boundary_set: str | None = None) -> Constituency | None:
    """The constituency with ONS `code` in `boundary_set`, or None.

    Without a set, the current set's seat; a code stored without its set (on a person, an event, a postcode from
    an older directory) that the current set lacks is read in the newest set that has it."""
    code = code.strip().upper()
    if boundary_set:
        return Constituency.objects.filter(boundary_set=boundary_set, code=code).first()
    found = constituencies().filter(code=code).first()
    if found is None:
        found = Constituency.objects.filter(code=code).order_by("-boundary_set__valid_from").first()
    return found


def constituency_names(codes: Iterable[str], boundary_set: str | None = None) -> dict[str, str]:
    """ONS code → name for `codes`, read as `constituency_by_code` reads one (current set first)."""
    codes = {c for c in codes if c}
    if boundary_set:
        rows = Constituency.objects.filter(boundary_set=boundary_set, code__in=codes)
        return dict(rows.values_list("code", "name"))
    current = current_boundary_set()
    newest: dict[str, str] = {}
    in_current: dict[str, str] = {}
    # Oldest set first, so the newest set's name is the one left; the current set's wins over both.
    rows = Constituency.objects.filter(code__in=codes).order_by("boundary_set__valid_from")
    for code, name, in_set in rows.values_list("code", "name", "boundary_set"):
        newest[code] = name
        if in_set == current:
            in_current[code] = name
    return {**newest, **in_current}
