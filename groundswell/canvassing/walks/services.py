"""Writing walks: cut, re-route, move doors between walks, assign canvassers. Every change is audited.

Views, commands and the benchmark all come through here; the planning itself is in `cutting`/`routing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from groundswell.audit.services import record
from groundswell.canvassing.models import CanvassCampaign, Target, Walk, WalkAssignment, WalkStop
from groundswell.db.bulk import chunked
from groundswell.register.models import Property

from .cutting import Household, building_key, normalise_street, plan_walks, to_doors
from .routing import order_doors, path_length

_HOUSEHOLD_FIELDS = (
    "pk",
    "polling_district",
    "street",
    "house_number",
    "house_label",
    "latitude",
    "longitude",
    "register_order",
    "postcode",
)


class WalkError(ValueError):
    """A walk change that would break the rules (doors on two walks, walks of another campaign…)."""


def _households(households: QuerySet[Property] | Iterable[Property] | Iterable[int]) -> list[Household]:
    """Plain records for planning, read in one query whatever the caller passed."""
    if isinstance(households, QuerySet):
        rows = list(households.values_list(*_HOUSEHOLD_FIELDS))
    else:
        ids = [h if isinstance(h, int) else h.pk for h in households]
        rows = []
        # Chunked: SQLite caps the parameters of one statement.
        for chunk in chunked(ids):
            rows.extend(Property.objects.filter(pk__in=chunk).values_list(*_HOUSEHOLD_FIELDS))
    return [
        Household(
            id=pk,
            polling_district=pd,
            street=street,
            number=number,
            label=label,
            lat=lat,
            lon=lon,
            register_order=order,
            postcode=postcode,
        )
        for pk, pd, street, number, label, lat, lon, order, postcode in rows
    ]


@transaction.atomic
def cut_walks(
    campaign: CanvassCampaign,
    households: QuerySet[Property] | list,
    target_size: int = 60,
    min_size: int = 40,
    max_size: int = 80,
    name_prefix: str = "",
    target: Target | None = None,
    actor: Any = None,
    replace: bool = False,
) -> list[Walk]:
    """Cut `households` into new walks of `campaign` (see `cutting` for how) and return them in order.

    A door can be on only one walk of a campaign: households already on one are an error unless
    `replace`, which takes them off their old walks first (walks left empty are deleted).
    """
    planned_input = _households(households)
    ids = [h.id for h in planned_input]
    id_set = set(ids)
    # Read the campaign's stops once rather than an IN list of every id (parameter limits, and fast).
    taken = [
        (stop_id, walk_id)
        for stop_id, walk_id, household_id in WalkStop.objects.filter(campaign=campaign).values_list(
            "pk", "walk_id", "household_id"
        )
        if household_id in id_set
    ]
    if taken:
        if not replace:
            raise WalkError(
                f"{len(taken)} of these households are already on walks of this campaign; "
                "move them, or cut again replacing the old walks."
            )
        old_walks = {walk_id for _, walk_id in taken}
        stop_ids = [stop_id for stop_id, _ in taken]
        for chunk in chunked(stop_ids):
            WalkStop.objects.filter(pk__in=chunk).delete()
        # A walk that lost only some doors keeps a sensible route; one that lost them all goes.
        Walk.objects.filter(pk__in=old_walks, stops__isnull=True).delete()
        for walk in Walk.objects.filter(pk__in=old_walks):
            reroute(walk)
    plans = plan_walks(planned_input, target_size=target_size, min_size=min_size, max_size=max_size)
    prefix = name_prefix or (target.name if target else "Walk")
    existing = Walk.objects.filter(campaign=campaign, name__startswith=prefix).count()
    walks = [
        Walk(
            campaign=campaign,
            target=target,
            name=f"{prefix} {plan.polling_district} {existing + n:03d}".replace("  ", " "),
            polling_district=plan.polling_district[:12],
            route_length_m=round(plan.route_length_m, 1),
        )
        for n, plan in enumerate(plans, start=1)
    ]
    Walk.objects.bulk_create(walks, batch_size=500)
    if any(w.pk is None for w in walks):  # pragma: no cover - backends that cannot return ids
        names = [w.name for w in walks]
        by_name = {w.name: w for w in Walk.objects.filter(campaign=campaign, name__in=names)}
        walks = [by_name[n] for n in names]
    WalkStop.objects.bulk_create(
        [
            WalkStop(walk=walk, household_id=household_id, campaign=campaign, order=position)
            for walk, plan in zip(walks, plans, strict=True)
            for position, household_id in enumerate(plan.household_ids, start=1)
        ],
        batch_size=2000,
    )
    record(
        "created",
        actor=actor,
        object_type="canvassing.walk",
        object_label=f"walks cut for campaign #{campaign.pk}",
        detail={
            "campaign": campaign.pk,
            "target": target.pk if target else None,
            "walks": len(walks),
            "doors": len(ids),
            "sizes": {"target": target_size, "min": min_size, "max": max_size},
        },
        unit=campaign.unit,
    )
    return walks


def reroute(walk: Walk) -> Walk:
    """Order the walk's doors afresh and store the new order and length."""
    stops = list(walk.stops.all())
    households = {h.id: h for h in _households([s.household_id for s in stops])}
    records = [households[s.household_id] for s in stops]
    doors = to_doors(records)
    route = [doors[i] for i in order_doors(doors)]
    position = {d.key: n for n, d in enumerate(route, start=1)}
    for stop in stops:
        stop.order = position[stop.household_id]
    WalkStop.objects.bulk_update(stops, ["order"], batch_size=1000)
    walk.route_length_m = round(path_length(route), 1) if route else 0.0
    walk.save(update_fields=["route_length_m"])
    return walk


@transaction.atomic
def move_households(
    households: QuerySet[Property] | Iterable[Property] | Iterable[int], to_walk: Walk, actor: Any = None
) -> int:
    """Move doors (already on walks of `to_walk`'s campaign) to `to_walk`; re-route every walk touched.

    Whole buildings move together: asking to move one flat moves every flat of that block on the same
    walk, so a block is never split by hand either. Returns the number of doors moved.
    """
    ids = {h if isinstance(h, int) else h.pk for h in households}
    stops = WalkStop.objects.select_for_update().filter(campaign_id=to_walk.campaign_id, household_id__in=ids)
    found = {s.household_id for s in stops}
    if missing := ids - found:
        raise WalkError(f"{len(missing)} of these households are not on a walk of this campaign.")
    ids |= _same_buildings(found, to_walk.campaign_id)
    stops = list(WalkStop.objects.filter(campaign_id=to_walk.campaign_id, household_id__in=ids).exclude(walk=to_walk))
    if not stops:
        return 0
    from_walks = {s.walk_id for s in stops}
    start = (to_walk.stops.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    for n, stop in enumerate(stops):
        stop.walk = to_walk
        stop.order = start + n
    WalkStop.objects.bulk_update(stops, ["walk", "order"], batch_size=1000)
    reroute(to_walk)
    for walk in Walk.objects.filter(pk__in=from_walks):
        reroute(walk)
    record(
        "changed",
        actor=actor,
        obj=to_walk,
        object_label=f"walk #{to_walk.pk}: doors moved in",
        detail={"doors": len(stops), "from_walks": sorted(from_walks), "to_walk": to_walk.pk},
        unit=to_walk.campaign.unit,
    )
    return len(stops)


def _same_buildings(household_ids: set[int], campaign_id: int) -> set[int]:
    """Households of the campaign's walks that share a building with any of these."""
    chosen = _households(list(household_ids))
    keys = {building_key(h) for h in chosen if building_key(h)[0] != "door"}
    if not keys:
        return set()
    streets = {h.street for h in chosen}
    candidates = _households(
        Property.objects.filter(walk_stops__campaign_id=campaign_id, street__in=streets).distinct()
    )
    return {h.id for h in candidates if building_key(h) in keys}


def move_street(from_walk: Walk, street: str, to_walk: Walk, actor: Any = None) -> int:
    """Move every door of `street` on `from_walk` to `to_walk`."""
    if from_walk.campaign_id != to_walk.campaign_id:
        raise WalkError("Both walks must belong to the same campaign.")
    wanted = normalise_street(street)
    ids = [
        pk
        for pk, name in from_walk.stops.values_list("household_id", "household__street")
        if normalise_street(name) == wanted
    ]
    if not ids:
        raise WalkError("That street is not on this walk.")
    return move_households(ids, to_walk, actor=actor)


@transaction.atomic
def assign_walk(walk: Walk, user: Any, actor: Any = None) -> WalkAssignment:
    """Give `walk` to `user` (idempotent); audited."""
    assignment, created = WalkAssignment.objects.get_or_create(walk=walk, user=user, defaults={"assigned_by": actor})
    if created:
        record(
            "changed",
            actor=actor,
            obj=walk,
            object_label=f"walk #{walk.pk}: assigned",
            detail={"assigned_to_user": user.pk},
            unit=walk.campaign.unit,
        )
    return assignment


@transaction.atomic
def unassign_walk(walk: Walk, user: Any, actor: Any = None) -> bool:
    """Take `walk` away from `user`; audited. Returns whether they had it."""
    deleted, _ = WalkAssignment.objects.filter(walk=walk, user=user).delete()
    if deleted:
        record(
            "changed",
            actor=actor,
            obj=walk,
            object_label=f"walk #{walk.pk}: unassigned",
            detail={"unassigned_user": user.pk},
            unit=walk.campaign.unit,
        )
    return bool(deleted)
