"""Planning walks without the database: invariants of the cut and the quality of routes."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from groundswell.canvassing.walks.bench import synthetic_addresses
from groundswell.canvassing.walks.cutting import Household, building_key, plan_walks, to_doors
from groundswell.canvassing.walks.routing import Door, order_doors, path_length

M_LAT = 1 / 111_320  # degrees latitude per metre


def street(
    name: str, houses_per_side: int, lat: float, lon: float, *, pd: str = "AA", start_id: int = 0, gap_m: float = 12
) -> list[Household]:
    """An east-west street: odd numbers on the north side, even on the south, `gap_m` apart."""
    m_lon = M_LAT / math.cos(math.radians(lat))
    out = []
    for i in range(houses_per_side):
        for odd in (True, False):
            number = 2 * i + (1 if odd else 2)
            out.append(
                Household(
                    id=start_id + len(out),
                    polling_district=pd,
                    street=name,
                    number=number,
                    label="",
                    lat=lat + (10 if odd else -10) * M_LAT,
                    lon=lon + i * gap_m * m_lon,
                    register_order=start_id + len(out),
                )
            )
    return out


def households_from(addresses) -> list[Household]:
    return [
        Household(i, a.polling_district, a.street, a.number, a.label, a.lat, a.lon, register_order=i)
        for i, a in enumerate(addresses)
    ]


@pytest.fixture(scope="module")
def town() -> tuple[list[Household], list]:
    households = households_from(synthetic_addresses(4000, seed=3))
    return households, plan_walks(households, target_size=60, min_size=40, max_size=80)


def test_every_door_is_in_exactly_one_walk(town):
    households, walks = town
    placed = Counter(h for w in walks for h in w.household_ids)
    assert set(placed) == {h.id for h in households}
    assert set(placed.values()) == {1}


def test_walk_sizes_within_limits(town):
    _, walks = town
    sizes = [len(w.household_ids) for w in walks]
    assert all(40 <= s <= 80 for s in sizes), sorted(sizes)
    assert 50 <= sum(sizes) / len(sizes) <= 70


def test_flats_of_one_building_share_a_walk(town):
    households, walks = town
    walk_of = {h: n for n, w in enumerate(walks) for h in w.household_ids}
    buildings = defaultdict(set)
    for h in households:
        buildings[building_key(h)].add(walk_of[h.id])
    blocks = [k for k, walks_ in buildings.items() if sum(1 for h in households if building_key(h) == k) > 1]
    assert blocks, "the synthetic town should contain blocks of flats"
    assert all(len(buildings[k]) == 1 for k in blocks)


def test_flats_stay_together_in_route_order(town):
    """A canvasser does a block's flats in one go: they are consecutive on the route."""
    households, walks = town
    by_id = {h.id: h for h in households}
    for w in walks:
        keys = [building_key(by_id[h]) for h in w.household_ids]
        seen, previous = set(), None
        for key in keys:
            if key != previous:
                assert key not in seen, f"building {key} visited twice in {w.streets}"
                seen.add(key)
            previous = key


def test_walks_are_compact(town):
    """No walk sprawls: every door is within 1.5 km of its walk's centre."""
    households, walks = town
    by_id = {h.id: h for h in households}
    for w in walks:
        doors = [by_id[h] for h in w.household_ids]
        lat = sum(d.lat for d in doors) / len(doors)
        lon = sum(d.lon for d in doors) / len(doors)
        spread = max(path_length([Door(0, lat, lon), Door(0, d.lat, d.lon)]) for d in doors)
        assert spread < 1500, (w.streets, spread)


def test_streets_are_not_split_when_sizes_allow():
    # Twelve streets of 30 doors, 150 m apart: two whole streets make a 60-door walk.
    households = []
    for s in range(12):
        households += street(
            f"Street {s}", 15, 51.45 + (s % 4) * 150 * M_LAT, -0.97 + (s // 4) * 0.004, start_id=len(households)
        )
    walks = plan_walks(households, target_size=60, min_size=40, max_size=80)
    walk_of = {h: n for n, w in enumerate(walks) for h in w.household_ids}
    by_street = defaultdict(set)
    for h in households:
        by_street[h.street].add(walk_of[h.id])
    assert all(len(v) == 1 for v in by_street.values()), dict(by_street)
    assert sorted(len(w.household_ids) for w in walks) == [60] * 6


def test_long_street_is_split_into_continuous_number_ranges():
    households = street("Long Road", 100, 51.45, -0.97)  # 200 doors
    walks = plan_walks(households, target_size=60, min_size=40, max_size=80)
    assert all(40 <= len(w.household_ids) <= 80 for w in walks)
    by_id = {h.id: h for h in households}
    ranges = sorted(
        (min(by_id[h].number for h in w.household_ids), max(by_id[h].number for h in w.household_ids)) for w in walks
    )
    # Stretches of road, both sides: number ranges do not overlap.
    for (_, hi), (lo, _) in zip(ranges, ranges[1:], strict=False):
        assert hi < lo


def test_target_smaller_than_min_is_one_walk():
    households = street("Short Close", 6, 51.45, -0.97)
    walks = plan_walks(households, target_size=60, min_size=40, max_size=80)
    assert len(walks) == 1 and len(walks[0].household_ids) == 12


def test_polling_districts_are_not_mixed_when_avoidable():
    a = street("A Road", 30, 51.45, -0.97, pd="AA")
    b = street("B Road", 30, 51.45 + 40 * M_LAT, -0.97, pd="BB", start_id=len(a))
    walks = plan_walks(a + b, target_size=60, min_size=40, max_size=80)
    by_id = {h.id: h for h in a + b}
    for w in walks:
        assert len({by_id[h].polling_district for h in w.household_ids}) == 1


def test_one_side_then_the_other():
    """Up the odd side in number order, back down the even side (or the reverse)."""
    doors = to_doors(street("Side Street", 15, 51.45, -0.97))
    shuffled = doors[::3] + doors[1::3] + doors[2::3]
    route = [shuffled[i] for i in order_doors(shuffled)]
    parities = [d.number % 2 for d in route]
    changes = sum(1 for a, b in zip(parities, parities[1:], strict=False) if a != b)
    assert changes == 1, [d.number for d in route]
    odd = [d.number for d in route if d.number % 2]
    even = [d.number for d in route if not d.number % 2]
    assert odd in (sorted(odd), sorted(odd, reverse=True))
    assert even in (sorted(even), sorted(even, reverse=True))


def test_route_on_a_grid_is_no_worse_than_naive_order():
    households = []
    for s in range(3):
        households += street(f"Grid {s}", 10, 51.45 + s * 120 * M_LAT, -0.97, start_id=len(households))
    doors = to_doors(households)
    naive = sorted(doors, key=lambda d: (d.street, d.number))
    route = [doors[i] for i in order_doors(doors)]
    assert sorted(d.key for d in route) == sorted(d.key for d in doors)
    assert path_length(route) <= path_length(naive)
    # And near the obvious best: each street up one side and down the other, plus two hops between streets.
    street_len = 9 * 12
    assert path_length(route) < 3 * (2 * street_len + 20) + 2 * 140


def test_doors_without_coordinates_follow_register_order():
    households = [Household(i, "AA", "", None, f"House {i}", None, None, register_order=100 - i) for i in range(10)]
    doors = to_doors(households)
    route = [doors[i] for i in order_doors(doors)]
    keys = [d.key for d in route]
    assert keys in (sorted(keys), sorted(keys, reverse=True))


def test_invalid_sizes_are_refused():
    with pytest.raises(ValueError):
        plan_walks([], target_size=30, min_size=40, max_size=80)
