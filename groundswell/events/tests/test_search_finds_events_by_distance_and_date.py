"""The map search: exact distances at the radius's edge and across grid cells, dates in UK time (including the
days the clocks change), types, 'this weekend', place names, visibility, and the feeds."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from groundswell.events import geo, selectors
from groundswell.events.models import Event
from groundswell.geography.models import Constituency
from groundswell.tests.factories import UnitTreeFactory

from .world import READING, EventFactory, add_postcode, north_of

pytestmark = pytest.mark.django_db
LONDON = selectors.LONDON
NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)


@pytest.fixture
def unit():
    return UnitTreeFactory.build_tree().branch_a1


def _at(unit, point, **kw):
    kw.setdefault("starts_at", NOW + datetime.timedelta(days=2))
    return EventFactory(unit=unit, latitude=point[0], longitude=point[1], **kw)


def _ids(params) -> set[int]:
    return {e["id"] for e in selectors.search_events(params).events}


def test_haversine_matches_a_known_distance():
    # London (Charing Cross) to Reading station is about 58.6 km as the crow flies.
    assert geo.haversine_km(51.5073, -0.1276, 51.4587, -0.9718) == pytest.approx(58.7, abs=0.5)


def test_events_just_inside_the_radius_are_found_and_just_outside_are_not(unit):
    inside = _at(unit, north_of(READING, 9.95))
    outside = _at(unit, north_of(READING, 10.05))
    east_inside = _at(unit, (READING[0], READING[1] + 9.95 / (111.195 * 0.6231)))
    params = selectors.SearchParams(centre=selectors.Centre(*READING, "here"), radius_km=10, starts=NOW)
    found = _ids(params)
    assert inside.pk in found
    assert outside.pk not in found
    assert east_inside.pk in found


def test_an_event_over_a_grid_cell_border_is_found(unit):
    # Reading sits at 51.45: put the centre just south of the 51.5 cell line and the event just north of it.
    centre = (51.4990, -0.9781)
    across = _at(unit, (51.5010, -0.9781))
    assert geo.cell_of(*centre) != geo.cell_of(across.latitude, across.longitude)
    params = selectors.SearchParams(centre=selectors.Centre(*centre, "here"), radius_km=1, starts=NOW)
    assert _ids(params) == {across.pk}


def test_a_huge_radius_falls_back_to_the_box_and_still_finds_everything(unit):
    far = _at(unit, (55.95, -3.19))  # Edinburgh
    params = selectors.SearchParams(centre=selectors.Centre(*READING, "here"), radius_km=200, starts=NOW)
    assert geo.cells_for_box(*geo.bounding_box(*READING, 200)) is None
    assert far.pk not in _ids(params)  # ~530 km away
    params.radius_km = 199
    near = _at(unit, north_of(READING, 150))
    assert near.pk in _ids(params)


def test_date_range_is_in_uk_calendar_days_across_the_autumn_clock_change(unit):
    # Clocks go back at 02:00 BST on Sunday 25 October 2026: that day is 25 hours long.
    late = _at(unit, READING, starts_at=datetime.datetime(2026, 10, 25, 23, 30, tzinfo=LONDON))
    next_day = _at(unit, READING, starts_at=datetime.datetime(2026, 10, 26, 0, 30, tzinfo=LONDON))
    early = _at(unit, READING, starts_at=datetime.datetime(2026, 10, 25, 0, 30, tzinfo=LONDON))
    params = selectors.parse_search(
        {"lat": str(READING[0]), "lng": str(READING[1]), "from": "2026-10-25", "to": "2026-10-25"}, now=NOW
    )
    assert _ids(params) == {late.pk, early.pk}
    assert next_day.pk not in _ids(params)


def test_date_range_across_the_spring_clock_change(unit):
    now = datetime.datetime(2027, 3, 20, 12, 0, tzinfo=LONDON)
    # Clocks go forward at 01:00 GMT on Sunday 28 March 2027: midnight that day is still GMT.
    before_midnight = _at(
        unit,
        READING,
        starts_at=datetime.datetime(2027, 3, 27, 22, 0, tzinfo=LONDON),
        ends_at=datetime.datetime(2027, 3, 27, 23, 59, tzinfo=LONDON),
    )
    # An event running over midnight into the day counts as on that day.
    overnight = _at(unit, READING, starts_at=datetime.datetime(2027, 3, 27, 23, 30, tzinfo=LONDON))
    after_midnight = _at(unit, READING, starts_at=datetime.datetime(2027, 3, 28, 0, 15, tzinfo=LONDON))
    after_change = _at(unit, READING, starts_at=datetime.datetime(2027, 3, 28, 3, 0, tzinfo=LONDON))
    params = selectors.parse_search(
        {"lat": str(READING[0]), "lng": str(READING[1]), "from": "2027-03-28", "to": "2027-03-28"}, now=now
    )
    assert _ids(params) == {overnight.pk, after_midnight.pk, after_change.pk}
    assert before_midnight.pk not in _ids(params)


def test_this_weekend_is_saturday_and_sunday_uk_time(unit):
    tuesday = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)
    start, end = selectors.this_weekend(tuesday)
    assert start == datetime.datetime(2026, 10, 24, 0, 0, tzinfo=LONDON)
    assert end == datetime.datetime(2026, 10, 26, 0, 0, tzinfo=LONDON)
    # The clocks go back that Sunday (Python subtracts same-zone datetimes as wall times, so compare in UTC).
    assert end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC) == datetime.timedelta(hours=49)
    sunday = datetime.datetime(2026, 10, 25, 15, 0, tzinfo=LONDON)
    assert selectors.this_weekend(sunday)[0] == start
    saturday_event = _at(unit, READING, starts_at=datetime.datetime(2026, 10, 24, 10, 0, tzinfo=LONDON))
    friday_event = _at(unit, READING, starts_at=datetime.datetime(2026, 10, 23, 19, 0, tzinfo=LONDON))
    params = selectors.parse_search({"lat": str(READING[0]), "lng": str(READING[1]), "weekend": "1"}, now=tuesday)
    assert _ids(params) == {saturday_event.pk}
    assert friday_event.pk not in _ids(params)


def test_finished_events_drop_off_and_running_ones_stay(unit):
    running = _at(unit, READING, starts_at=NOW - datetime.timedelta(hours=1))
    over = _at(unit, READING, starts_at=NOW - datetime.timedelta(hours=3))
    params = selectors.SearchParams(centre=selectors.Centre(*READING, "here"), radius_km=5, starts=NOW)
    assert running.pk in _ids(params)
    assert over.pk not in _ids(params)


def test_type_filter_and_visibility(unit):
    stall = _at(unit, READING, kind=Event.Kind.STALL)
    canvass = _at(unit, READING, kind=Event.Kind.CANVASS)
    members = _at(unit, READING, visibility=Event.Visibility.MEMBERS)
    invite = _at(unit, READING, visibility=Event.Visibility.INVITE)
    pending = _at(unit, READING, status=Event.Status.PENDING)
    params = selectors.SearchParams(centre=selectors.Centre(*READING, "x"), radius_km=5, starts=NOW)
    found = _ids(params)
    assert {stall.pk, canvass.pk} <= found
    assert not {members.pk, invite.pk, pending.pk} & found
    params.kinds = ["stall"]
    assert _ids(params) == {stall.pk}


def test_postcode_and_place_names(unit):
    add_postcode("RG1 1AA", *READING)
    assert selectors.resolve_place("rg11aa").label == "RG1 1AA"
    square = {
        "type": "Polygon",
        "coordinates": [[[-1.0, 51.43], [-0.93, 51.43], [-0.93, 51.48], [-1.0, 51.48], [-1.0, 51.43]]],
    }
    Constituency.objects.create(code="E14000889", name="Reading East", geometry=json.dumps(square))
    centre = selectors.resolve_place("reading")
    assert centre.label == "Reading East"
    assert 51.43 < centre.lat < 51.48
    with pytest.raises(ValidationError) as exc:
        selectors.resolve_place("Atlantis")
    assert "near" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        selectors.resolve_place("RG9 9ZZ")
    assert exc.value.message_dict["near"] == ["RG9 9ZZ is not a postcode we know."]


def test_bad_search_input_names_the_field():
    with pytest.raises(ValidationError) as exc:
        selectors.parse_search({"radius": "-3", "from": "tomorrow", "kind": "rave"})
    assert set(exc.value.message_dict) == {"radius", "from", "kind"}


def test_feeds(client, unit):
    add_postcode("RG1 1AA", *READING)
    event = _at(unit, north_of(READING, 2), starts_at=datetime.datetime.now(LONDON) + datetime.timedelta(days=1))
    data = client.get("/events/feed.json", {"near": "RG1 1AA", "radius": "5"}).json()
    assert data["count"] == 1
    assert data["events"][0]["id"] == event.pk
    assert data["events"][0]["km"] == pytest.approx(2.0, abs=0.01)
    geo_json = client.get("/events/feed.geojson", {"near": "RG1 1AA"}).json()
    assert geo_json["features"][0]["geometry"]["coordinates"] == [event.longitude, event.latitude]
    ics = client.get("/events/feed.ics", {"near": "RG1 1AA"}).content.decode()
    assert ics.startswith("BEGIN:VCALENDAR") and f"UID:event-{event.pk}@groundswell" in ics
    bad = client.get("/events/feed.json", {"near": "RG1 1AA", "radius": "lots"})
    assert bad.status_code == 400
    assert "radius" in bad.json()["errors"]


def test_upcoming_public_events_by_constituency(unit):
    soon = _at(
        unit,
        READING,
        constituency_code="E14000889",
        starts_at=datetime.datetime.now(LONDON) + datetime.timedelta(days=1),
    )
    _at(
        unit,
        READING,
        constituency_code="E14000889",
        visibility=Event.Visibility.INVITE,
        starts_at=datetime.datetime.now(LONDON) + datetime.timedelta(days=1),
    )
    out = selectors.upcoming_public_events_by_constituency(["E14000889", "E14000999"], limit=3)
    assert list(out) == ["E14000889"]
    assert out["E14000889"] == [{"title": soon.title, "starts_at": soon.starts_at, "url": f"/events/{soon.pk}/"}]


@pytest.mark.postgres
def test_the_written_out_postgresql_search_agrees_with_the_orm(unit, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the written-out path is PostgreSQL's")
    import random

    rng = random.Random(5)
    kinds = [k for k, _ in Event.Kind.choices]
    for _ in range(400):
        lat, lon = READING[0] + rng.uniform(-0.3, 0.3), READING[1] + rng.uniform(-0.45, 0.45)
        _at(
            unit,
            (lat, lon),
            kind=rng.choice(kinds),
            starts_at=NOW + datetime.timedelta(hours=rng.randint(-30, 900)),
            visibility=rng.choice(["public"] * 5 + ["members"]),
        )
    for radius, extra in [
        (3, {}),
        (10, {}),
        (25, {"kind": "stall"}),
        (10, {"from": "2026-10-25", "to": "2026-11-02"}),
        (40, {"kind": ["canvass", "social"]}),
        (10, {"limit": "7"}),
    ]:
        data = {"lat": str(READING[0]), "lng": str(READING[1]), "radius": str(radius), **extra}
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for key, value in data.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        params = selectors.parse_search(query, now=NOW)
        fast = selectors.search_events(params)
        monkeypatch.setattr(selectors, "FAST_PATH", False)
        slow = selectors.search_events(params)
        monkeypatch.setattr(selectors, "FAST_PATH", True)
        assert [(e["id"], e["km"]) for e in fast.events] == [(e["id"], e["km"]) for e in slow.events], (radius, extra)
        assert fast.more == slow.more and fast.events
        # The JSON feed the database writes itself (times either side of the October clock change included).
        fast_feed = json.loads(selectors.feed_json_text(params))
        monkeypatch.setattr(selectors, "FAST_PATH", False)
        slow_feed = json.loads(selectors.feed_json_text(params))
        monkeypatch.setattr(selectors, "FAST_PATH", True)
        for a, b in zip(fast_feed["events"], slow_feed["events"], strict=True):
            assert a.pop("km") == pytest.approx(b.pop("km"), abs=0.006)
        assert fast_feed == slow_feed, (radius, extra)
        offsets = {e["starts_at"][-6:] for e in fast_feed["events"]}
        assert radius != 40 or offsets == {"+01:00", "+00:00"}, offsets
