"""The polling-day board: figures on a small hand-made day, the projection, query counts, JSON and access."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.tests.builders import make_elector, make_household
from groundswell.gotv import board
from groundswell.gotv.models import KnockUpRound, Lift, TellingEntry
from groundswell.tests.factories import user_with_role

from .test_board_world import DAY, at, build, entry, make_promise, signed_in

pytestmark = pytest.mark.django_db

NOW = at(14, 30)  # half-way through polling hours (07:00–22:00)


@pytest.fixture
def world(db):
    w = build()
    e = w.electors
    for n in range(1, 7):
        make_promise(e[f"AA-{n}"])  # AA: six promises
    make_promise(e["AA-7"], likelihood=3)  # L but unlikely to vote: not a promise under the rule (≥ 5)
    for n in range(1, 4):
        make_promise(e[f"AB-{n}"], likelihood=9)
    make_promise(e["AB-4"], likelihood=9, postal_voter=True)  # AB: four promises, one by post
    make_promise(e["AB-5"], code="C")
    # The day so far.
    entry(w, "AA-1", at(8, 10), station=w.station_a)
    entry(w, "AA-2", at(9, 40), station=w.station_a)
    entry(w, "AA-3", at(12, 0), source=TellingEntry.Source.KNOCK_UP)
    undone = entry(w, "AA-4", at(10, 0), station=w.station_a)
    TellingEntry.objects.filter(pk=undone.pk).update(undone_at=at(10, 5))
    entry(w, "AA-7", at(11, 0), station=w.station_a)
    entry(w, "AB-4", at(18, 0, DAY - datetime.timedelta(days=1)), source=TellingEntry.Source.POSTAL)
    entry(w, "AB-5", at(13, 0), station=w.station_b)
    entry(w, "AB-99", at(13, 30), station=w.station_b)  # a number that matches nobody
    KnockUpRound.objects.create(committee_room=w.room_a, number=1, completed_at=at(12, 0))
    KnockUpRound.objects.create(committee_room=w.room_a, number=2)
    for status in (Lift.Status.NEEDED, Lift.Status.ARRANGED, Lift.Status.DONE):
        Lift.objects.create(committee_room=w.room_a, elector=e["AA-5"], status=status)
    return w


def test_board_figures(world):
    b = board.day_board(world.day, now=NOW)
    assert (b.promises, b.promises_voted) == (10, 4)  # AA-1, AA-2, AA-3 and AB-4's postal vote
    assert b.share == pytest.approx(0.4) and b.percent == 40
    assert (b.postal_promises, b.postal_voted) == (1, 1)
    assert b.electors == 20 and b.numbers_taken == 6  # every live entry with an elector, promise or not

    rows = {d.polling_district: d for d in b.districts}
    assert (rows["AA"].promises, rows["AA"].promises_voted, rows["AA"].numbers_taken) == (6, 3, 4)
    assert (rows["AB"].promises, rows["AB"].promises_voted, rows["AB"].numbers_taken) == (4, 1, 2)
    assert rows["AA"].target == 5 and rows["AB"].target is None
    assert rows["AA"].committee_room == "Room A" and rows["AB"].station == "Baker Street School"

    stations = {s.name: s for s in b.stations}
    assert stations["Abbey Hall"].entries == 3  # the undone entry does not count; the knock-up one has no station
    assert stations["Abbey Hall"].last_entry_at == at(11, 0)
    assert (stations["Baker Street School"].entries, stations["Baker Street School"].unknown) == (2, 1)
    assert stations["Baker Street School"].last_entry_at == at(13, 30)

    assert (b.rounds_completed, b.rounds_open) == (1, 1)
    assert (b.lifts_needed, b.lifts_arranged, b.lifts_outstanding) == (1, 1, 2)
    rooms = {r.name: r for r in b.rooms}
    assert (rooms["Room A"].promises, rooms["Room A"].promises_voted, rooms["Room A"].lifts_outstanding) == (6, 3, 2)
    assert (rooms["Room B"].rounds_completed, rooms["Room B"].lifts_outstanding) == (0, 0)

    # The series is cumulative promises voted every 15 minutes from the opening of polls to now.
    series = dict(b.series)
    assert b.series[0] == (at(7, 0), 1)  # the postal vote known returned before polls opened
    assert series[at(8, 15)] == 2 and series[at(9, 45)] == 3 and series[at(12, 0)] == 4
    assert b.series[-1] == (NOW, 4)
    assert [n for _, n in b.series] == sorted(n for _, n in b.series)


def test_room_board_is_the_rooms_own(world):
    b = board.room_board(world.room_a, now=NOW)
    assert [d.polling_district for d in b.districts] == ["AA"]
    assert (b.promises, b.promises_voted, b.electors) == (6, 3, 10)
    assert [s.name for s in b.stations] == ["Abbey Hall"]
    assert (b.rounds_completed, b.rounds_open, b.lifts_outstanding) == (1, 1, 2)
    other = board.room_board(world.room_b, now=NOW)
    assert (other.promises, other.promises_voted, other.rounds_completed, other.lifts_outstanding) == (4, 1, 0, 0)


def test_projection_at_half_time(world):
    b = board.day_board(world.day, now=NOW)
    p = b.projection
    assert p.available and not p.final
    f = board.curve_fraction(0.5)
    assert p.day_fraction == pytest.approx(f)
    # Three of nine in-person promises voted by a point where ~45% of a typical day's vote is cast, plus one postal.
    assert p.mid == pytest.approx((3 / f + 1) / 10)
    assert b.share <= p.low <= p.mid <= p.high <= 1.0
    assert p.low_count <= p.mid_count <= p.high_count <= 10


def test_projection_is_monotone_and_bounded():
    previous = None
    for voted in range(0, 101):
        p = board.project(promises=100, postal_promises=0, voted_in_person=voted, postal_voted=0, elapsed=0.4)
        assert p.available
        assert voted / 100 <= p.low <= p.mid <= p.high <= 1.0
        if previous is not None:
            assert p.low >= previous.low and p.mid >= previous.mid and p.high >= previous.high
        previous = p
    # The range narrows as the day goes on, and is the count itself after close of poll.
    # (A day running exactly to the curve, ending with 60% of 1,000 promises voted.)
    days = [
        board.project(
            promises=1000,
            postal_promises=0,
            voted_in_person=round(600 * board.curve_fraction(e)),
            postal_voted=0,
            elapsed=e,
        )
        for e in (0.3, 0.6, 0.9)
    ]
    assert all(p.low < 0.6 < p.high and p.mid == pytest.approx(0.6, abs=0.01) for p in days)
    assert days[0].high - days[0].low > days[1].high - days[1].low > days[2].high - days[2].low
    final = board.project(promises=100, postal_promises=10, voted_in_person=50, postal_voted=5, elapsed=1.2)
    assert final.final and final.low == final.mid == final.high == pytest.approx(0.55)


def test_no_projection_before_polls_open_or_too_early(world):
    assert not board.day_board(world.day, now=at(6, 30)).projection.available
    assert board.day_board(world.day, now=at(6, 30)).series == []
    early = board.day_board(world.day, now=at(7, 45)).projection
    assert not early.available and "early" in early.reason
    assert not board.project(promises=0, postal_promises=0, voted_in_person=0, postal_voted=0, elapsed=0.5).available


def test_curve_is_a_cumulative_share():
    values = [board.curve_fraction(i / 100) for i in range(101)]
    assert values[0] == 0 and values[-1] == 1
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))


def test_chart_geometry(world):
    c = board.day_board(world.day, now=NOW).chart
    points = [tuple(map(float, p.split(","))) for p in c["voted"].split()]
    assert points[0][0] == c["left"] and c["left"] < points[-1][0] < c["right"]
    assert all(c["top"] <= y <= c["bottom"] for _, y in points)
    assert c["projected"] and c["band"] and c["now_x"] == points[-1][0]
    assert [t["label"] for t in c["ticks"]] == ["07:00", "10:00", "13:00", "16:00", "19:00", "22:00"]


def test_board_queries_do_not_grow_with_the_register(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            board.day_board(world.day, now=NOW)
        return len(ctx.captured_queries)

    before = count()
    homes = [make_household(world.constituency, "AB", 100 + n, street="Long Road") for n in range(40)]
    for n, home in enumerate(homes):
        elector = make_promise(make_elector(home, 100 + n))
        entry(world, elector.elector_number, at(10, n % 60), station=world.station_b, elector=elector)
    assert count() == before
    assert before <= 15


# ---------------------------------------------------------------- pages, JSON and access


def test_board_page_and_json(client, world):
    signed_in(client, world.organiser)
    page = client.get(reverse("gotv:board", args=[world.day.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="board-chart"' in html and "How the projection works" in html and "gotv/board.js" in html
    assert "Abbey Hall" in html and "Room A" in html
    response = client.get(reverse("gotv:board_json", args=[world.day.pk]))
    assert response.status_code == 200
    data = response.json()
    today = timezone.localdate()
    assert data["polling_day"]["id"] == world.day.pk and data["committee_room"] is None
    assert data["promises"] == 10 and data["promises_voted"] == 4
    assert {d["polling_district"] for d in data["districts"]} == {"AA", "AB"}
    assert {s["name"]: s["entries"] for s in data["stations"]} == {"Abbey Hall": 3, "Baker Street School": 2}
    assert data["rounds_completed"] == 1 and data["lifts_outstanding"] == 2
    assert set(data["chart"]) >= {"voted", "projected", "band", "now_x"}
    # The day (3 May 2029) is over by the time anyone runs this suite, or not begun if the clock is earlier.
    assert data["projection"]["final"] == (today > DAY)
    assert data["projection_text"]["headline"] and "<" not in data["projection_text"]["label"]
    # The page is audited; the JSON once, then not again within ten minutes for the same session.
    client.get(reverse("gotv:board_json", args=[world.day.pk]))
    viewed = AuditEntry.objects.filter(action="viewed", object_type="gotv.pollingday", object_id=str(world.day.pk))
    assert viewed.filter(detail__page="board").count() == 1
    assert viewed.filter(detail__page="board data").count() == 1


def test_a_teller_cannot_see_the_board(client, world):
    teller = user_with_role(Role.TELLER, world.clp)
    client.force_login(teller)
    for name, pk in (
        ("gotv:board", world.day.pk),
        ("gotv:board_json", world.day.pk),
        ("gotv:room_board", world.room_a.pk),
        ("gotv:room_board_json", world.room_a.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 403, name


def test_a_coordinator_of_another_constituency_is_refused(client, world):
    signed_in(client, user_with_role(Role.COORDINATOR, world.west))
    assert client.get(reverse("gotv:board", args=[world.day.pk])).status_code == 403
    assert client.get(reverse("gotv:board_json", args=[world.day.pk])).status_code == 403
    assert client.get(reverse("gotv:room_board", args=[world.room_b.pk])).status_code == 403


def test_the_room_coordinator_sees_their_room_only(client, world):
    signed_in(client, world.coordinator)
    response = client.get(reverse("gotv:room_board", args=[world.room_a.pk]))
    assert response.status_code == 200 and "Room A" in response.content.decode()
    data = client.get(reverse("gotv:room_board_json", args=[world.room_a.pk])).json()
    assert data["committee_room"]["id"] == world.room_a.pk and data["promises"] == 6
    assert client.get(reverse("gotv:room_board", args=[world.room_b.pk])).status_code == 403
    assert client.get(reverse("gotv:board", args=[world.day.pk])).status_code == 403  # a branch role only
    assert AuditEntry.objects.filter(
        action="viewed", actor=world.coordinator, object_type="gotv.committeeroom", object_id=str(world.room_a.pk)
    ).exists()
    # A coordinator who loses their role in the unit loses the room's board too.
    world.coordinator.roles.all().delete()
    from groundswell.accounts import access

    access.clear_cache(world.coordinator)
    client.logout()
    client.force_login(world.coordinator)
    assert client.get(reverse("gotv:room_board", args=[world.room_a.pk])).status_code == 403


# ---------------------------------------------------------------- the chart as drawn (pinned)

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _board_svg(b: board.Board, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    context = {"b": b, "day": b.polling_day, "room": None, "method": board.METHOD, "refresh_seconds": 45}
    html = render_to_string("gotv/board.html", context, request=request)
    return html[html.index('<svg id="board-chart"') : html.index("</svg>") + len("</svg>")]


@pytest.mark.parametrize("hour", [7, 14, 23])
def test_the_board_chart_is_drawn_exactly_as_pinned(world, hour):
    """The chart's SVG before the polls open, mid-day with a projection, and after close: byte for byte."""
    now = at(hour, 30) if hour < 23 else at(22, 30)
    b = board.day_board(world.day, now=now)
    drawn = {"svg": _board_svg(b, world.organiser), "chart": b.chart}
    pinned = json.loads((SNAPSHOTS / f"board_chart_{hour}.json").read_text())
    assert json.loads(json.dumps(drawn)) == pinned
