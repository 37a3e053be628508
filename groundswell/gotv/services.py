"""Setting up a polling day: the day itself, its promise rule and targets, polling stations and committee rooms.

Views and the demo call these; every change is validated here and audited. A polling district votes at one
station and is knocked up from one committee room on a given day, so both are checked against the day's other
stations and rooms (under a lock on the day, so two organisers saving at once cannot both claim a district).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from groundswell.accounts import access
from groundswell.accounts.models import RoleAssignment, User
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.canvassing.models import CanvassCampaign
from groundswell.people.models import OrganisationUnit
from groundswell.questions.support_codes import our_codes
from groundswell.register.selectors import live_electors

from . import promises
from .models import CommitteeRoom, PollingDay, PollingStation

DEFAULT_OPEN = datetime.time(7, 0)
DEFAULT_CLOSE = datetime.time(22, 0)


# ---------------------------------------------------------------- reading helpers


def constituency_districts(constituency_id: int) -> list[str]:
    """Polling district codes with live electors in the constituency, sorted."""
    return sorted(set(live_electors(constituency_id).order_by().values_list("polling_district", flat=True).distinct()))


def day_districts(day: PollingDay) -> list[str]:
    return constituency_districts(day.constituency_id)


def eligible_coordinators(unit: OrganisationUnit) -> QuerySet[User]:
    """Active users holding some role at `unit` or below it: those who may coordinate one of its committee rooms."""
    if not unit.path:
        return User.objects.none()
    return (
        User.objects.filter(access.within_units([unit], "roles__unit__path"), is_active=True)
        .distinct()
        .order_by("email")
    )


def is_eligible_coordinator(user: Any, unit: OrganisationUnit) -> bool:
    return bool(getattr(user, "pk", None)) and eligible_coordinators(unit).filter(pk=user.pk).exists()


def station_of_district(day: PollingDay) -> dict[str, PollingStation]:
    return {pd: s for s in day.stations.all() for pd in s.polling_districts}


def room_of_district(day: PollingDay) -> dict[str, CommitteeRoom]:
    return {pd: r for r in day.committee_rooms.all() for pd in r.polling_districts}


# ---------------------------------------------------------------- validation helpers


def _clean_districts(day: PollingDay, districts: Iterable[str]) -> list[str]:
    known = set(day_districts(day))
    cleaned: list[str] = []
    for raw in districts:
        pd = (raw or "").strip().upper()
        if pd and pd not in cleaned:
            cleaned.append(pd)
    unknown = [pd for pd in cleaned if pd not in known]
    if unknown:
        raise ValidationError(f"Not polling districts of {day.constituency.name}: {', '.join(unknown)}")
    return sorted(cleaned)


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(f"Give the {what} a name.")
    if len(name) > 200:
        raise ValidationError(f"The {what}'s name is longer than 200 characters.")
    return name


def _clean_rule(day: PollingDay, rule: Mapping[str, Any] | None) -> dict[str, Any]:
    """The promise rule, validated by the promises module; it must name (or default to) at least one code."""
    cleaned = promises.clean_rule(day, dict(rule or {}))
    if not cleaned.get("support_codes") and not our_codes(day.unit):
        raise ValidationError("Choose the support codes that count as a promise (the unit has no own-party code).")
    return cleaned


def _clean_targets(day: PollingDay, targets: Mapping[str, Any] | None) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    raw = {str(k).strip().upper(): v for k, v in (targets or {}).items() if v not in (None, "")}
    if not raw:
        return cleaned
    known = set(day_districts(day))
    for pd, value in raw.items():
        if pd not in known:
            raise ValidationError(f"{pd} is not a polling district of {day.constituency.name}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"The target for {pd} is not a whole number.") from None
        if number < 0:
            raise ValidationError(f"The target for {pd} is negative.")
        cleaned[pd] = number
    return dict(sorted(cleaned.items()))


def _clean_campaign(campaign: CanvassCampaign | None, constituency_id: int) -> CanvassCampaign | None:
    if campaign is not None and campaign.constituency_id != constituency_id:
        raise ValidationError("The canvass campaign is for another constituency.")
    return campaign


def _clean_hours(polls_open: datetime.time, polls_close: datetime.time) -> None:
    if polls_open >= polls_close:
        raise ValidationError("Polls must open before they close.")


# ---------------------------------------------------------------- polling days


@transaction.atomic
def create_polling_day(
    *,
    unit: OrganisationUnit,
    name: str,
    election: str,
    date: datetime.date,
    campaign: CanvassCampaign | None = None,
    polls_open: datetime.time = DEFAULT_OPEN,
    polls_close: datetime.time = DEFAULT_CLOSE,
    promise_rule: Mapping[str, Any] | None = None,
    targets: Mapping[str, Any] | None = None,
    actor: Any = None,
) -> PollingDay:
    """A polling day for a constituency party (a unit with a constituency)."""
    if unit.constituency_id is None:
        raise ValidationError("A polling day is run by a unit with a constituency (a constituency party).")
    election = (election or "").strip()
    if not election:
        raise ValidationError("Give the election id (e.g. 'parl.2029-05-03').")
    if PollingDay.objects.filter(unit=unit, election=election).exists():
        raise ValidationError(f"{unit.name} already has a polling day for {election}.")
    _clean_hours(polls_open, polls_close)
    day = PollingDay(
        unit=unit,
        constituency_id=unit.constituency_id,
        campaign=_clean_campaign(campaign, unit.constituency_id),
        name=_clean_name(name, "polling day"),
        election=election[:60],
        date=date,
        polls_open=polls_open,
        polls_close=polls_close,
    )
    day.promise_rule = _clean_rule(day, promise_rule)
    day.targets = _clean_targets(day, targets)
    day.save()
    record(AuditEntry.Action.CREATED, actor=actor, obj=day, unit=unit, detail={"election": day.election})
    return day


@transaction.atomic
def update_polling_day(day: PollingDay, *, actor: Any = None, **changes: Any) -> PollingDay:
    """Change the day's name, election, date, hours, campaign, promise rule or targets."""
    allowed = {"name", "election", "date", "polls_open", "polls_close", "campaign", "promise_rule", "targets"}
    unexpected = set(changes) - allowed
    if unexpected:
        raise TypeError(f"Cannot change {', '.join(sorted(unexpected))}")
    day = PollingDay.objects.select_for_update().select_related("unit", "constituency").get(pk=day.pk)
    if "name" in changes:
        day.name = _clean_name(changes["name"], "polling day")
    if "election" in changes:
        election = (changes["election"] or "").strip()
        if not election:
            raise ValidationError("Give the election id (e.g. 'parl.2029-05-03').")
        if PollingDay.objects.filter(unit=day.unit, election=election).exclude(pk=day.pk).exists():
            raise ValidationError(f"{day.unit.name} already has a polling day for {election}.")
        day.election = election[:60]
    for key in ("date", "polls_open", "polls_close"):
        if key in changes and changes[key] is not None:
            setattr(day, key, changes[key])
    _clean_hours(day.polls_open, day.polls_close)
    if "campaign" in changes:
        day.campaign = _clean_campaign(changes["campaign"], day.constituency_id)
    if "promise_rule" in changes:
        day.promise_rule = _clean_rule(day, changes["promise_rule"])
    if "targets" in changes:
        day.targets = _clean_targets(day, changes["targets"])
    day.save()
    record(AuditEntry.Action.CHANGED, actor=actor, obj=day, unit=day.unit, detail={"fields": sorted(changes)})
    return day


# ---------------------------------------------------------------- polling stations


def _check_station_districts(day: PollingDay, districts: list[str], exclude_pk: int | None) -> None:
    taken = {}
    for other in day.stations.exclude(pk=exclude_pk or 0):
        for pd in other.polling_districts:
            taken[pd] = other.name
    clashes = [f"{pd} (already at {taken[pd]})" for pd in districts if pd in taken]
    if clashes:
        raise ValidationError(f"A polling district votes at one station: {', '.join(clashes)}")


def _lock(day: PollingDay) -> PollingDay:
    return PollingDay.objects.select_for_update().select_related("unit", "constituency").get(pk=day.pk)


@transaction.atomic
def add_station(
    day: PollingDay,
    *,
    name: str,
    polling_districts: Iterable[str],
    address: str = "",
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    actor: Any = None,
) -> PollingStation:
    day = _lock(day)
    districts = _clean_districts(day, polling_districts)
    if not districts:
        raise ValidationError("Choose the polling districts that vote at this station.")
    _check_station_districts(day, districts, None)
    station = PollingStation.objects.create(
        polling_day=day,
        name=_clean_name(name, "polling station"),
        address=(address or "").strip()[:300],
        postcode=(postcode or "").strip().upper()[:8],
        latitude=latitude,
        longitude=longitude,
        polling_districts=districts,
    )
    record(
        AuditEntry.Action.CREATED,
        actor=actor,
        obj=station,
        unit=day.unit,
        detail={"polling_day": day.pk, "polling_districts": districts},
    )
    return station


@transaction.atomic
def update_station(station: PollingStation, *, actor: Any = None, **changes: Any) -> PollingStation:
    allowed = {"name", "polling_districts", "address", "postcode", "latitude", "longitude"}
    unexpected = set(changes) - allowed
    if unexpected:
        raise TypeError(f"Cannot change {', '.join(sorted(unexpected))}")
    day = _lock(station.polling_day)
    station = PollingStation.objects.get(pk=station.pk)
    if "name" in changes:
        station.name = _clean_name(changes["name"], "polling station")
    if "polling_districts" in changes:
        districts = _clean_districts(day, changes["polling_districts"])
        if not districts:
            raise ValidationError("Choose the polling districts that vote at this station.")
        _check_station_districts(day, districts, station.pk)
        station.polling_districts = districts
    if "address" in changes:
        station.address = (changes["address"] or "").strip()[:300]
    if "postcode" in changes:
        station.postcode = (changes["postcode"] or "").strip().upper()[:8]
    for key in ("latitude", "longitude"):
        if key in changes:
            setattr(station, key, changes[key])
    station.save()
    record(
        AuditEntry.Action.CHANGED,
        actor=actor,
        obj=station,
        unit=day.unit,
        detail={"polling_day": day.pk, "fields": sorted(changes), "polling_districts": station.polling_districts},
    )
    return station


# ---------------------------------------------------------------- committee rooms


def _check_room(day: PollingDay, districts: list[str], coordinator: Any, exclude_pk: int | None) -> None:
    taken = {}
    for other in day.committee_rooms.exclude(pk=exclude_pk or 0):
        for pd in other.polling_districts:
            taken[pd] = other.name
    clashes = [f"{pd} (already run from {taken[pd]})" for pd in districts if pd in taken]
    if clashes:
        raise ValidationError(f"A polling district is knocked up from one committee room: {', '.join(clashes)}")
    if coordinator is not None and not is_eligible_coordinator(coordinator, day.unit):
        raise ValidationError(
            "The coordinator must be an active user with a role in this constituency party or one of its branches."
        )


@transaction.atomic
def add_committee_room(
    day: PollingDay,
    *,
    name: str,
    polling_districts: Iterable[str],
    coordinator: Any = None,
    address: str = "",
    actor: Any = None,
) -> CommitteeRoom:
    day = _lock(day)
    districts = _clean_districts(day, polling_districts)
    if not districts:
        raise ValidationError("Choose the polling districts this committee room covers.")
    _check_room(day, districts, coordinator, None)
    room = CommitteeRoom.objects.create(
        polling_day=day,
        name=_clean_name(name, "committee room"),
        address=(address or "").strip()[:300],
        coordinator=coordinator,
        polling_districts=districts,
    )
    record(
        AuditEntry.Action.CREATED,
        actor=actor,
        obj=room,
        unit=day.unit,
        detail={"polling_day": day.pk, "polling_districts": districts, "coordinator": getattr(coordinator, "pk", None)},
    )
    return room


@transaction.atomic
def update_committee_room(room: CommitteeRoom, *, actor: Any = None, **changes: Any) -> CommitteeRoom:
    allowed = {"name", "polling_districts", "coordinator", "address"}
    unexpected = set(changes) - allowed
    if unexpected:
        raise TypeError(f"Cannot change {', '.join(sorted(unexpected))}")
    day = _lock(room.polling_day)
    room = CommitteeRoom.objects.get(pk=room.pk)
    districts = room.polling_districts
    if "polling_districts" in changes:
        districts = _clean_districts(day, changes["polling_districts"])
        if not districts:
            raise ValidationError("Choose the polling districts this committee room covers.")
    coordinator = changes["coordinator"] if "coordinator" in changes else None
    _check_room(day, districts, coordinator, room.pk)
    room.polling_districts = districts
    if "coordinator" in changes:
        room.coordinator = coordinator
    if "name" in changes:
        room.name = _clean_name(changes["name"], "committee room")
    if "address" in changes:
        room.address = (changes["address"] or "").strip()[:300]
    room.save()
    record(
        AuditEntry.Action.CHANGED,
        actor=actor,
        obj=room,
        unit=day.unit,
        detail={
            "polling_day": day.pk,
            "fields": sorted(changes),
            "polling_districts": districts,
            "coordinator": room.coordinator_id,
        },
    )
    return room


def rooms_coordinated_by(user: Any) -> QuerySet[CommitteeRoom]:
    """Committee rooms `user` coordinates (while they are active and still hold a role under the day's unit)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return CommitteeRoom.objects.none()
    rooms = CommitteeRoom.objects.filter(coordinator=user).select_related("polling_day__unit")
    ids = [r.pk for r in rooms if is_eligible_coordinator(user, r.polling_day.unit)]
    return CommitteeRoom.objects.filter(pk__in=ids).select_related("polling_day__unit", "polling_day__constituency")


def days_related_to(user: Any) -> QuerySet[PollingDay]:
    """Polling days of the units `user` holds any role in: at, above (their constituency party) or below."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return PollingDay.objects.none()
    paths = {p for p in RoleAssignment.objects.filter(user=user).values_list("unit__path", flat=True) if p}
    if not paths:
        return PollingDay.objects.none()
    q = access.within_units(paths)
    for p in paths:
        ancestors = [f"/{'/'.join(p.strip('/').split('/')[:i])}/" for i in range(1, p.strip("/").count("/") + 2)]
        q |= Q(unit__path__in=ancestors)
    return PollingDay.objects.filter(q).select_related("unit", "constituency").order_by("-date", "name")
