"""Apportionment: exact pence (property-based), households from canvassing walks, an event's costs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.canvassing.models import CanvassCampaign, Walk, WalkStop
from groundswell.register.models import Property
from groundswell.spending.apportion import households_by_constituency, split_pence
from groundswell.spending.services import Split

from .world import build_world, item


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any),
)
def test_split_pence_always_adds_up_and_is_within_a_penny_of_proportional(total, weights):
    shares = split_pence(total, weights)
    assert sum(shares) == total
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * whole - total * weight) < whole  # within one penny of the exact share
        assert share >= 0


def test_split_pence_refuses_nonsense():
    with pytest.raises(ValueError, match="basis"):
        split_pence(100, [0, 0])
    with pytest.raises(ValueError, match="basis"):
        split_pence(100, [1, -1])
    assert split_pence(100, [1, 1, 1]) == [34, 33, 33]  # ties to the earlier line


@pytest.mark.django_db
def test_leaflets_apportioned_from_the_walks_they_were_delivered_on():
    w = build_world()
    walks = []
    for seat, doors in ((w.borough, 30), (w.county, 10)):
        campaign = CanvassCampaign.objects.create(unit=w.units.region, constituency=seat, name=f"Leaflet {seat}")
        walk = Walk.objects.create(campaign=campaign, name="Round 1")
        for n in range(doors):
            prop = Property.objects.create(constituency=seat, polling_district="AA", address_key=f"{seat.code}-{n}")
            WalkStop.objects.create(walk=walk, household=prop, campaign=campaign, order=n)
        walks.append(walk.pk)
    counts = households_by_constituency(walks)
    assert counts == {w.borough.pk: 30, w.county.pk: 10}
    seats = {w.seat_a.constituency_id: w.seat_a, w.seat_b.constituency_id: w.seat_b}
    it = item(w, actor=w.treasurer, unit=w.units.region, amount_pence=999_99, method="households", walk_ids=walks,
              splits=[Split(seats[cid], basis=n) for cid, n in counts.items()])  # fmt: skip
    got = dict(it.allocations.values_list("candidacy_id", "amount_pence"))
    assert got == {w.seat_a.pk: 749_99, w.seat_b.pk: 250_00}
