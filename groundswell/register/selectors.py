"""Read-side helpers every app uses to list electors: deleted entries are kept for history, never listed."""

from __future__ import annotations

from django.db.models import QuerySet

from groundswell.geography.models import Constituency

from .formats import parse_elector_number
from .models import Elector, Property


def live_electors(constituency: Constituency | str | int | None = None) -> QuerySet[Elector]:
    """Electors currently on the register (deleted_at is null), optionally for one constituency (object, code or id)."""
    qs = Elector.objects.filter(deleted_at__isnull=True)
    if constituency is None:
        return qs
    if isinstance(constituency, Constituency):
        return qs.filter(constituency=constituency)
    if isinstance(constituency, int):
        return qs.filter(constituency_id=constituency)
    return qs.filter(constituency__code__iexact=constituency)


def live_households(constituency: Constituency | str | int) -> QuerySet[Property]:
    """Properties with at least one live elector, in register (street) order."""
    ids = live_electors(constituency).filter(household__isnull=False).values("household_id")
    return Property.objects.filter(pk__in=ids)


def find_elector(constituency: Constituency | str | int, elector_number: str) -> Elector | None:
    """The live elector with this number ('AB1-12' or 'AB1-12/1'), or None."""
    try:
        pd, number, suffix = parse_elector_number(elector_number)
    except ValueError:
        return None
    return live_electors(constituency).filter(polling_district=pd, number=number, suffix=suffix).first()
