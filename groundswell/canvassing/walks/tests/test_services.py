"""Cutting into the database, moving doors between walks and assigning walks: invariants and audit."""

from __future__ import annotations

from collections import defaultdict

import pytest

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import Walk, WalkAssignment, WalkStop
from groundswell.canvassing.walks import services
from groundswell.register.models import Elector, Property
from groundswell.tests.factories import user_with_role

pytestmark = pytest.mark.django_db

SIZES = {"target_size": 30, "min_size": 20, "max_size": 40}


def assert_invariants(campaign, households) -> None:
    stops = list(WalkStop.objects.filter(campaign=campaign).values_list("walk_id", "household_id", "order"))
    # Every door on exactly one walk, and only the doors asked for.
    assert sorted(h for _, h, _ in stops) == sorted(h.pk for h in households)
    # Orders run 1..n on each walk (a route, no gaps or repeats).
    by_walk = defaultdict(list)
    for walk_id, _, order in stops:
        by_walk[walk_id].append(order)
    for orders in by_walk.values():
        assert sorted(orders) == list(range(1, len(orders) + 1))
    # All electors of a household are on the same walk; the flats of a block too.
    walk_of = {h: w for w, h, _ in stops}
    for household_id in Elector.objects.filter(household__in=households).values_list("household_id", flat=True):
        assert household_id in walk_of
    block = Property.objects.filter(street="Street 0", house_number=1)
    assert block.count() == 8
    assert len({walk_of[p.pk] for p in block}) == 1


def test_cut_walks_writes_routed_walks(register):
    walks = services.cut_walks(register.campaign, Property.objects.all(), name_prefix="Spring", **SIZES)
    assert len(walks) >= 4
    assert_invariants(register.campaign, register.households)
    for walk in walks:
        walk.refresh_from_db()
        assert 20 <= walk.stops.count() <= 40
        assert walk.route_length_m > 0
        assert walk.polling_district in ("AA", "AB")
        assert walk.name.startswith("Spring ")
    entry = AuditEntry.objects.get(action="created", object_type="canvassing.walk")
    assert entry.detail["walks"] == len(walks) and entry.detail["doors"] == len(register.households)


def test_cutting_doors_already_on_walks_is_refused_unless_replacing(register):
    services.cut_walks(register.campaign, Property.objects.all(), **SIZES)
    with pytest.raises(services.WalkError):
        services.cut_walks(register.campaign, Property.objects.filter(street="Street 1"), **SIZES)
    new = services.cut_walks(register.campaign, Property.objects.filter(street="Street 1"), replace=True, **SIZES)
    assert_invariants(register.campaign, register.households)
    assert len(new) == 1
    assert set(WalkStop.objects.filter(household__street="Street 1").values_list("walk_id", flat=True)) == {new[0].pk}
    # Walks emptied by the replacement are gone; walks that only lost some doors remain.
    assert not Walk.objects.filter(stops__isnull=True).exists()


def test_move_street_keeps_invariants_and_reroutes_both_walks(register):
    walks = services.cut_walks(register.campaign, Property.objects.all(), **SIZES)
    source = next(w for w in walks if w.stops.filter(household__street="Street 2").exists())
    target = next(w for w in walks if w.pk != source.pk)
    moved_count = source.stops.filter(household__street="Street 2").count()
    target_before = target.stops.count()
    lengths_before = (Walk.objects.get(pk=source.pk).route_length_m, Walk.objects.get(pk=target.pk).route_length_m)

    moved = services.move_street(source, "street 2", target, actor=None)  # case and spacing do not matter

    assert moved == moved_count
    assert not source.stops.filter(household__street="Street 2").exists()
    assert target.stops.count() == target_before + moved
    assert_invariants(register.campaign, register.households)
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.route_length_m, target.route_length_m) != lengths_before
    assert AuditEntry.objects.filter(action="changed", object_id=str(target.pk)).exists()


def test_moving_one_flat_moves_the_whole_block(register):
    walks = services.cut_walks(register.campaign, Property.objects.all(), **SIZES)
    flat = Property.objects.get(street="Street 0", house_number=1, house_label="Flat 3")
    source = WalkStop.objects.get(household=flat).walk
    target = next(w for w in walks if w.pk != source.pk)
    assert services.move_households([flat], target) == 8
    assert set(
        WalkStop.objects.filter(household__street="Street 0", household__house_number=1).values_list(
            "walk_id", flat=True
        )
    ) == {target.pk}
    assert_invariants(register.campaign, register.households)


def test_moving_doors_not_on_the_campaign_is_refused(register):
    walks = services.cut_walks(register.campaign, Property.objects.filter(street="Street 0"), **SIZES)
    outsider = Property.objects.filter(street="Street 5").first()
    with pytest.raises(services.WalkError):
        services.move_households([outsider], walks[0])
    with pytest.raises(services.WalkError):
        services.move_street(walks[0], "No Such Street", walks[0])


def test_assign_walk_is_idempotent_and_audited(register):
    walk = services.cut_walks(register.campaign, Property.objects.all(), **SIZES)[0]
    organiser = user_with_role(Role.ORGANISER, register.clp)
    canvasser = user_with_role(Role.CANVASSER, register.clp)
    services.assign_walk(walk, canvasser, actor=organiser)
    services.assign_walk(walk, canvasser, actor=organiser)
    assignment = WalkAssignment.objects.get(walk=walk)
    assert assignment.user == canvasser and assignment.assigned_by == organiser
    assert list(walk.assigned_to.all()) == [canvasser]
    entries = AuditEntry.objects.filter(action="changed", object_id=str(walk.pk))
    assert entries.count() == 1 and entries.get().detail == {"assigned_to_user": canvasser.pk}
    assert services.unassign_walk(walk, canvasser, actor=organiser) is True
    assert services.unassign_walk(walk, canvasser, actor=organiser) is False
    assert not WalkAssignment.objects.exists()
