"""Apportionment: exact pence (property-based), households from canvassing walks, an event's costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from groundswell.canvassing.models import CanvassCampaign, Walk, WalkStop
from groundswell.events.models import Event
from groundswell.register.models import Elector, Property
from groundswell.spending.apportion import households_by_constituency, parse_shares, split_pence
from groundswell.spending.elections import seat_limit
from groundswell.spending.limits import register_electorate
from groundswell.spending.services import Split, record_event_cost

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


@pytest.mark.django_db
def test_an_events_costs_go_to_the_seat_it_was_held_in():
    w = build_world()
    event = Event.objects.create(
        unit=w.units.clp_a, kind="meetup", title="Public meeting", venue_name="Town Hall",
        starts_at=timezone.make_aware(dt.datetime(2024, 6, 20, 19, 0)),
        ends_at=timezone.make_aware(dt.datetime(2024, 6, 20, 21, 0)), constituency_code="E14001124",
    )  # fmt: skip
    it = record_event_cost(actor=w.agent, event=event, election=w.election, description="Hall hire and PA",
                           amount_pence=385_00, supplier="Town Hall", invoice_number="TH-1")  # fmt: skip
    assert (it.category, it.incurred_on, it.event) == ("meetings", dt.date(2024, 6, 20), event)
    assert it.allocations.get().candidacy == w.seat_a
    event.constituency_code = "E14009999"
    with pytest.raises(ValidationError, match="no seat"):
        record_event_cost(actor=w.agent, event=event, election=w.election, description="PA", amount_pence=50_00)


@pytest.mark.django_db
def test_the_electorate_is_counted_from_the_register_without_attainers_too_young_or_non_parliamentary_electors():
    w = build_world()
    poll = w.election.poll_date
    make = Elector.objects.create
    for n in range(5):
        make(constituency=w.borough, polling_district="AA", number=n + 1)
    make(constituency=w.borough, polling_district="AA", number=10, attainer_date=dt.date(2024, 7, 4))  # 18 on the day
    make(constituency=w.borough, polling_district="AA", number=11, attainer_date=dt.date(2024, 7, 5))  # too young
    make(constituency=w.borough, polling_district="AA", number=12, markers="G")  # local government only
    make(constituency=w.borough, polling_district="AA", number=13,
         deleted_at=timezone.make_aware(dt.datetime(2024, 5, 1)))  # off the register before the notice  # fmt: skip
    make(constituency=w.borough, polling_district="AA", number=14,
         deleted_at=timezone.make_aware(dt.datetime(2024, 6, 20)))  # still on it at the notice  # fmt: skip
    assert register_electorate(w.borough, poll, dt.date(2024, 6, 4)) == 7
    found = seat_limit(w.election, "E14001124")
    assert found.limit.electorate == 7 and found.electorate_source == "imported register at 2024-06-04"
    assert found.limit.limit_pence == 11_390_00 + 8 * 7


@given(st.text(max_size=200))
def test_parse_shares_answers_every_input_with_shares_or_a_named_line(text):
    try:
        shares = parse_shares(text)
    except ValidationError as exc:
        assert "shares" in exc.message_dict
        return
    assert shares and all(figure >= 0 for _, figure in shares)
    assert len({code for code, _ in shares}) == len(shares)


def test_parse_shares_reads_codes_and_figures():
    assert parse_shares(" e14001124 , 3200\n\nE14001201,\t£12.50\n") == [
        ("E14001124", Decimal("3200")), ("E14001201", Decimal("12.50"))]  # fmt: skip
    for bad, message in [("E1, x", "line 1"), ("E1, 1\nE1, 2", "twice"), ("E1, -1", "0 or more"), ("", "at least"),
                         ("E1, NaN", "0 or more")]:  # fmt: skip
        with pytest.raises(ValidationError, match=message):
            parse_shares(bad)
