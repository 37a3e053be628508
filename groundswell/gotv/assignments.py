"""Who works where on polling day: tellers posted at stations, volunteers working from committee rooms.

Least privilege in the street: a teller reads and takes the numbers of the station(s) they are posted at, and a
knock-up volunteer opens the rounds (names and addresses) of the committee room they work from — not every
station and round in the constituency. Those who run the day (MANAGE_POLLING_DAY at its unit: coordinators and
organisers) cover every station and room, and a room's named coordinator covers that room. The coordinator
posts people from the station and room set-up pages; every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.accounts.models import RoleAssignment, User
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit

from .models import CommitteeRoom, KnockUpRound, PollingDay, PollingStation, RoomVolunteer, StationTeller
from .services import is_eligible_coordinator


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def can_manage(user: Any, day: PollingDay) -> bool:
    """Does `user` run this polling day (MANAGE_POLLING_DAY at its unit or above)? The one polling-day check."""
    return access.has_perm(user, Perm.MANAGE_POLLING_DAY, day.unit)


# ---------------------------------------------------------------- tellers and stations


def stations_for(user: Any, day: PollingDay) -> QuerySet[PollingStation]:
    """The day's stations `user` may tell at: every one for those who run the day, else those they are posted at
    (while they hold TELL for the day's unit)."""
    stations = day.stations.all()
    if can_manage(user, day):
        return stations
    if not _active(user) or not access.has_perm(user, Perm.TELL, day.unit):
        return stations.none()
    return stations.filter(teller_assignments__user=user)


def can_tell_at(user: Any, station: PollingStation, day: PollingDay | None = None) -> bool:
    day = day or station.polling_day
    if station.polling_day_id != day.pk:
        return False
    if can_manage(user, day):
        return True
    return (
        _active(user)
        and access.has_perm(user, Perm.TELL, day.unit)
        and StationTeller.objects.filter(station=station, user=user).exists()
    )


def require_tell_at(user: Any, station: PollingStation, day: PollingDay | None = None) -> None:
    if not can_tell_at(user, station, day):
        raise PermissionDenied("You are not posted at this polling station.")


def telling_days_for(user: Any) -> QuerySet[PollingDay]:
    """Polling days `user` may tell for: those they run, and those with a station they are posted at."""
    tell_units = access.units_for(user, Perm.TELL)
    manage_units = access.units_for(user, Perm.MANAGE_POLLING_DAY)
    return (
        PollingDay.objects.filter(unit__in=tell_units)
        .filter(Q(unit__in=manage_units) | Q(stations__teller_assignments__user_id=getattr(user, "pk", None)))
        .distinct()
        .order_by("-date", "name")
    )


# ---------------------------------------------------------------- volunteers and committee rooms


def _coordinates(user: Any, room: CommitteeRoom) -> bool:
    return (
        room.coordinator_id is not None
        and room.coordinator_id == user.pk
        and is_eligible_coordinator(user, room.polling_day.unit)
    )


def can_work_room(user: Any, room: CommitteeRoom) -> bool:
    """May `user` open the room's knock-up rounds and record results on them?"""
    if not _active(user):
        return False
    day = room.polling_day
    if can_manage(user, day) or _coordinates(user, room):
        return True
    return (
        access.has_perm(user, Perm.KNOCK_UP, day.unit)
        and RoomVolunteer.objects.filter(committee_room=room, user=user).exists()
    )


def require_round(user: Any, knock_round: KnockUpRound) -> None:
    if not can_work_room(user, knock_round.committee_room):
        raise PermissionDenied("This knock-up round is for another committee room's volunteers.")


def rooms_for(user: Any, rooms: QuerySet[CommitteeRoom]) -> list[CommitteeRoom]:
    """Of `rooms`, those whose rounds `user` may work (a handful per day: checked one by one)."""
    return [r for r in rooms.select_related("polling_day__unit") if can_work_room(user, r)]


# ---------------------------------------------------------------- posting people (the coordinator's set-up pages)


def _holders(unit: OrganisationUnit, perm: Perm) -> QuerySet[User]:
    """Active users holding `perm` at `unit` (a role at it or at a unit above it)."""
    ancestors = [f"/{'/'.join(unit.path.strip('/').split('/')[:i])}/" for i in range(1, unit.path.count("/"))]
    roles = RoleAssignment.objects.filter(role__in=access.roles_granting(perm), unit__path__in=ancestors)
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id")).order_by("email")


def eligible_tellers(day: PollingDay) -> QuerySet[User]:
    return _holders(day.unit, Perm.TELL)


def eligible_volunteers(day: PollingDay) -> QuerySet[User]:
    return _holders(day.unit, Perm.KNOCK_UP)


def _check(users: Iterable[Any], eligible: QuerySet[User], what: str) -> list[User]:
    chosen = {u.pk: u for u in users if getattr(u, "pk", None)}
    allowed = set(eligible.filter(pk__in=list(chosen)).values_list("pk", flat=True))
    refused = [u.email for pk, u in chosen.items() if pk not in allowed]
    if refused:
        raise ValidationError(f"Not able to {what} for this polling day: {', '.join(sorted(refused))}")
    return list(chosen.values())


def _post_exactly(
    model: type[StationTeller] | type[RoomVolunteer],
    place: PollingStation | CommitteeRoom,
    place_field: str,
    chosen: list[User],
    actor: Any,
    what: str,
) -> list[User]:
    """Make exactly `chosen` the people posted at `place` (rows of `model`), auditing who was added and removed."""
    before = set(model.objects.filter(**{place_field: place}).values_list("user_id", flat=True))
    after = {u.pk for u in chosen}
    model.objects.filter(**{place_field: place}, user_id__in=before - after).delete()
    assigned_by = actor if getattr(actor, "pk", None) else None
    model.objects.bulk_create(
        [model(**{place_field: place}, user_id=pk, assigned_by=assigned_by) for pk in sorted(after - before)]
    )
    if before != after:
        record(
            AuditEntry.Action.CHANGED,
            actor=actor,
            obj=place,
            unit=place.polling_day.unit,
            detail={"what": what, "added": sorted(after - before), "removed": sorted(before - after)},
        )
    return chosen


def set_station_tellers(station: PollingStation, users: Iterable[Any], *, actor: Any = None) -> list[User]:
    """Post exactly `users` at `station` (each must hold TELL for the day). Audited with who was added/removed."""
    chosen = _check(users, eligible_tellers(station.polling_day), "tell")
    return _post_exactly(StationTeller, station, "station", chosen, actor, "tellers posted")


def set_room_volunteers(room: CommitteeRoom, users: Iterable[Any], *, actor: Any = None) -> list[User]:
    """Make exactly `users` the room's knock-up volunteers (each must hold KNOCK_UP for the day). Audited."""
    chosen = _check(users, eligible_volunteers(room.polling_day), "knock up")
    return _post_exactly(RoomVolunteer, room, "committee_room", chosen, actor, "volunteers posted")
