"""Routing and constituencies crossed, on the real network file and the real 2024 boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.tours.models import Attribution
from groundswell.tours.network import Assumptions, NetworkError, default_network, parse_links, road_class
from groundswell.tours.routing import LOCAL, NETWORK, Place, Router
from groundswell.tours.services import plan_day

from .world import BRISTOL, WESTMINSTER, build_world, seat_index


def test_the_shipped_network_is_englands_srn_without_self_loops():
    net = default_network()
    assert net.graph.number_of_nodes() > 1000
    assert net.graph.number_of_edges() > 2300
    assert not any(u == v for u, v in net.graph.edges)
    assert road_class("M4") == road_class("A1(M)") == "motorway" and road_class("A34") == "trunk"


def test_m4_london_to_bristol_runs_on_the_m4_through_many_seats():
    router = Router(default_network(), Assumptions())
    leg = router.leg(Place("a", WESTMINSTER[1], WESTMINSTER[2]), Place("b", BRISTOL[1], BRISTOL[2]))
    on_network = [s for s in leg.segments if s.kind == NETWORK]
    assert len(on_network) == 1 and "M4" in on_network[0].roads
    assert 150 < leg.km < 220
    seats = [c.name for c in seat_index().crossed(on_network[0].points)]
    assert len(seats) >= 15
    assert {"Maidenhead", "Newbury", "Reading West and Mid Berkshire", "Chippenham"} <= set(seats)
    # In the order driven: Maidenhead comes before Newbury, Newbury before Chippenham.
    assert seats.index("Maidenhead") < seats.index("Newbury") < seats.index("Chippenham")


@pytest.mark.django_db
def test_m4_london_to_bristol_attributes_nothing_to_the_seats_it_passes():
    w = build_world()
    plan = plan_day(actor=w.organiser, day=w.day, index=seat_index())
    passed = {row["name"] for row in plan.passed}
    assert (
        len(passed) >= 15
        and {"Maidenhead", "Newbury", "Earley and Woodley", "Reading West and Mid Berkshire"} <= passed
    )
    money = [a for a in plan.attributions if a.kind != Attribution.Kind.OFF_NETWORK]
    assert money == []
    # Only the ends leave the network (London and Bristol seats, flagged for an agent), never a seat passed.
    flagged = {a.name for a in plan.attributions}
    assert not flagged & passed
    assert all(n.startswith(("Cities of London", "Kensington", "Hammersmith", "Bristol")) for n in flagged)
    assert Attribution.objects.filter(day=w.day).exclude(kind=Attribution.Kind.OFF_NETWORK).count() == 0
    assert w.day.plan["rule"]["passing_on_network"] == "nothing"


def test_a_stop_far_from_the_network_uses_the_local_leg_rule_and_says_so():
    router = Router(default_network(), Assumptions())
    aberystwyth = Place("a", 52.4153, -4.0829)
    leg = router.leg(aberystwyth, Place("b", BRISTOL[1], BRISTOL[2]))
    assert [s.kind for s in leg.segments] == [LOCAL]
    assert "local-leg rule" in leg.note


def test_a_network_file_with_bad_rows_is_refused_naming_the_lines():
    header = HEADER
    with pytest.raises(NetworkError, match="line 3"):
        parse_links(header + "1,2,51.0,-1.0,51.1,-1.1,M4,10\n1,2,x,-1.0,51.1,-1.1,M4,10\n")
    with pytest.raises(NetworkError, match="no column dist"):
        parse_links("StartCluster,EndCluster,StartClusterLat,StartClusterLon,EndClusterLat,EndClusterLon,road\n")
    links = parse_links(header + "1,2,51.0,-1.0,51.1,-1.1,M4,10\n3,3,51.0,-1.0,51.0,-1.0,M4,1\n")
    assert len(links) == 1  # the self-loop is dropped


HEADER = "StartCluster,EndCluster,StartClusterLat,StartClusterLon,EndClusterLat,EndClusterLon,road,dist\n"


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.one_of(st.text(max_size=12), st.floats(allow_nan=True), st.integers()),
                              min_size=0, max_size=9), max_size=6))  # fmt: skip
def test_the_network_parser_answers_any_file_with_links_or_a_named_error(rows):
    text = HEADER + "\n".join(",".join(str(v).replace(",", "").replace("\n", "") for v in row) for row in rows)
    try:
        links = parse_links(text)
    except NetworkError as exc:
        assert str(exc)
    else:
        assert all(link.start != link.end and 0 < link.km < 1000 for link in links)
