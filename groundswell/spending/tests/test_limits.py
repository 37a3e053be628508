"""Every limit formula and the published worked examples."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.spending.limits import LimitError, compute_limit, national_limit, pounds, seat_type
from groundswell.spending.models import CandidateLimit

pytestmark = pytest.mark.django_db
GE2024 = dt.date(2024, 7, 4)


def limit(**kw) -> str:
    base = {"election_type": "parl", "poll_date": GE2024, "period": "short"}
    return pounds(compute_limit(**{**base, **kw}).limit_pence)


def test_worked_example_county_mole_valley():
    # Mole Valley's returning officer (Dorking and Horley): £11,390 + 69,943 × 12p.
    assert limit(area_type="county", electorate=69_943) == "19783.16"


def test_worked_example_brentford_and_isleworth_borough():
    assert limit(area_type="borough", electorate=77_874) == "17619.92"


@pytest.mark.parametrize(
    ("poll", "area", "electorate", "expected"),
    [
        (dt.date(2010, 5, 6), "borough", 70_000, 7_150_00 + 5 * 70_000),
        (dt.date(2010, 5, 6), "county", 70_000, 7_150_00 + 7 * 70_000),
        (dt.date(2015, 5, 7), "borough", 70_000, 8_700_00 + 6 * 70_000),
        (dt.date(2015, 5, 7), "county", 70_000, 8_700_00 + 9 * 70_000),
        (dt.date(2017, 6, 8), "county", 70_000, 8_700_00 + 9 * 70_000),
        (dt.date(2019, 12, 12), "borough", 70_000, 8_700_00 + 6 * 70_000),
        (GE2024, "borough", 70_000, 11_390_00 + 8 * 70_000),
        (GE2024, "county", 70_000, 11_390_00 + 12 * 70_000),
    ],
)
def test_short_campaign_rows_per_general_election(poll, area, electorate, expected):
    got = compute_limit(election_type="parl", poll_date=poll, period="short", area_type=area, electorate=electorate)
    assert got.limit_pence == expected


def test_long_campaign_2015_unscaled_and_2010():
    got = compute_limit(election_type="parl", poll_date=dt.date(2015, 5, 7), period="long", area_type="county",
                        electorate=70_000, dissolved=dt.date(2015, 3, 30))  # fmt: skip
    assert got.limit_pence == 30_700_00 + 9 * 70_000 and got.percent == 100
    got = compute_limit(election_type="parl", poll_date=dt.date(2010, 5, 6), period="long", area_type="borough",
                        electorate=70_000, dissolved=dt.date(2010, 4, 12))  # fmt: skip
    assert got.limit_pence == 25_000_00 + 5 * 70_000


@pytest.mark.parametrize(
    ("dissolved", "percent"),
    [
        (dt.date(2024, 7, 18), 60),  # month 56 of the Parliament that first met 17 Dec 2019
        (dt.date(2024, 8, 17), 60),
        (dt.date(2024, 8, 18), 70),  # month 57
        (dt.date(2024, 9, 20), 80),
        (dt.date(2024, 10, 20), 90),
        (dt.date(2024, 11, 18), 100),  # month 60
        (dt.date(2024, 12, 16), 100),
    ],
)
def test_long_campaign_scaled_by_month_of_dissolution(dissolved, percent):
    got = compute_limit(election_type="parl", poll_date=GE2024, period="long", area_type="borough",
                        electorate=77_874, dissolved=dissolved)  # fmt: skip
    full = 40_220_00 + 8 * 77_874
    assert got.percent == percent
    assert got.limit_pence == full * percent // 100


def test_no_long_campaign_when_dissolved_before_month_56():
    # 2024: dissolved 30 May 2024, the long campaign would only have started 18 Jul 2024.
    with pytest.raises(LimitError, match="no long campaign"):
        compute_limit(election_type="parl", poll_date=GE2024, period="long", area_type="county", electorate=1,
                      dissolved=dt.date(2024, 5, 30))  # fmt: skip
    with pytest.raises(LimitError, match="no long campaign"):
        compute_limit(election_type="parl", poll_date=dt.date(2017, 6, 8), period="long", area_type="county",
                      electorate=1, dissolved=dt.date(2017, 5, 3))  # fmt: skip


def test_by_election_flat_limits():
    before = compute_limit(election_type="parl_by", poll_date=dt.date(2021, 5, 6), period="short",
                           area_type="county", electorate=80_000)  # fmt: skip
    after = compute_limit(election_type="parl_by", poll_date=dt.date(2025, 5, 1), period="short",
                          area_type="borough", electorate=80_000)  # fmt: skip
    assert before.limit_pence == 100_000_00
    assert after.limit_pence == 180_060_00
    assert "verify" in after.source


@pytest.mark.parametrize(
    ("joint", "expected"),
    [(1, 960_00 + 8 * 5_000), (2, (960_00 + 8 * 5_000) * 3 // 4), (3, (960_00 + 8 * 5_000) * 2 // 3),
     (5, (960_00 + 8 * 5_000) * 2 // 3)],
)  # fmt: skip
def test_english_local_limits_and_joint_candidates(joint, expected):
    got = compute_limit(election_type="local", poll_date=dt.date(2026, 5, 7), period="short", area_type="any",
                        electorate=5_000, joint_candidates=joint)  # fmt: skip
    assert got.limit_pence == expected


def test_local_limit_before_the_2023_uprating():
    got = compute_limit(election_type="local", poll_date=dt.date(2022, 5, 5), period="short", area_type="any",
                        electorate=5_000)  # fmt: skip
    assert got.limit_pence == 740_00 + 6 * 5_000


def test_a_new_uprating_order_is_a_row():
    CandidateLimit.objects.create(
        election_type="parl", period="short", area_type="county", applies_from=dt.date(2028, 1, 1),
        fixed_pence=12_000_00, per_elector_pence=13, source="a future order",
    )  # fmt: skip
    assert limit(poll_date=dt.date(2029, 5, 3), area_type="county", electorate=100) == "12013.00"
    assert limit(area_type="county", electorate=69_943) == "19783.16"  # 2024 unchanged


def test_national_limits_2024_with_floors():
    england = national_limit("england", 543, GE2024)
    assert england.limit_pence == 29_327_430_00
    assert national_limit("scotland", 57, GE2024).limit_pence == 3_078_570_00
    assert national_limit("wales", 32, GE2024).limit_pence == 1_728_320_00
    assert national_limit("england", 10, GE2024).limit_pence == 1_458_440_00  # the floor
    assert national_limit("wales", 1, GE2024).limit_pence == 108_030_00
    assert national_limit("scotland", 2, GE2024).limit_pence == 216_060_00
    assert national_limit("northern_ireland", 3, GE2024).limit_pence == 3 * 54_010_00
    assert national_limit("england", 533, dt.date(2019, 12, 12)).limit_pence == 533 * 30_000_00
    assert national_limit("england", 5, dt.date(2019, 12, 12)).limit_pence == 810_000_00


def test_negative_electorate_names_the_field():
    with pytest.raises(LimitError, match="electorate"):
        compute_limit(election_type="parl", poll_date=GE2024, period="short", area_type="county", electorate=-1)


def test_seat_types_from_the_results_files():
    assert seat_type("E14001124", "2024") == ("borough", "Brentford and Isleworth")
    assert seat_type("E14001201", "2024")[0] == "county"
    assert seat_type("W07000049", "2010")[0] == "county"  # Aberavon, 2010 set
    with pytest.raises(LimitError, match="constituency"):
        seat_type("E99999999", "2024")


def test_pounds_formatting():
    assert pounds(1_978_316) == "19783.16" and pounds(5) == "0.05" and pounds(-150) == "-1.50"
