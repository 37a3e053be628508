"""The seat pages' results on the real shipped files: the 2024 result with its candidates, the 2019 notionals,
the notionals derived through the population overlaps, and the refusals of files that do not fit."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.geography.models import ConstituencyOverlap
from groundswell.geography.overlaps import read_overlaps, share_table
from groundswell.targeting.history import seats_won
from groundswell.targeting.hoc_results import (
    CANDIDATES_2024_FILE,
    NOTIONAL_2019_FILE,
    Seat,
    SeatResultsError,
    derive_notionals,
    hoc_file,
    load_seat_results,
    parse_hoc_results,
    parse_notionals,
)
from groundswell.targeting.models import Candidate, Result
from groundswell.targeting.results import GB_NATIONS

pytestmark = pytest.mark.django_db
HOC, RT, DERIVED = Result.Source.HOC, Result.Source.RALLINGS_THRASHER, Result.Source.OVERLAPS


@pytest.fixture(scope="module")
def overlaps(data_dir):
    rows, _report = read_overlaps()
    return rows


@pytest.fixture(scope="module")
def codes(overlaps):
    return {"2010": {o.from_code for o in overlaps}, "2024": {o.to_code for o in overlaps}}


def text(data_dir, name: str) -> str:
    return (data_dir / "results" / name).read_text(encoding="utf-8-sig")


def gb_votes(year: int, boundary_set: str, source: str) -> int:
    rows = Result.objects.filter(year=year, boundary_set=boundary_set, source=source, nation__in=GB_NATIONS)
    return sum(rows.values_list("votes", flat=True))


def test_the_real_files_load_with_the_published_seat_counts(data_dir):
    report = load_seat_results(data_dir)
    assert report.candidates == 4515 and report.overlaps == 1324
    won_2024 = seats_won(2024, "2024", HOC)
    assert {p: won_2024[p] for p in ("LAB", "CON", "LD", "SNP", "RUK", "GRN", "PC")} == {
        "LAB": 411,
        "CON": 121,
        "LD": 72,
        "SNP": 9,
        "RUK": 5,
        "GRN": 4,
        "PC": 4,
    }
    # The same count from the candidates, one elected per seat.
    elected = Candidate.objects.filter(year=2024, elected=True)
    assert elected.count() == 650
    assert Counter(elected.values_list("party", flat=True))["LAB"] == 411
    # Independents stay visible by name: Jeremy Corbyn held Islington North.
    corbyn = Candidate.objects.get(ons_code="E14001305", elected=True)
    assert corbyn.name == "Jeremy Corbyn" and corbyn.party_name == "Independent" and corbyn.party == "OTH"
    notional = seats_won(2019, "2024", RT)
    assert notional["CON"] == 372 and notional["LAB"] == 200
    assert set(Result.objects.filter(source=RT).values_list("notional", flat=True)) == {True}
    assert seats_won(2019, "2010", HOC)["CON"] == 365 and seats_won(2010, "2010", HOC)["CON"] == 306
    # Each year keeps the code its party stood under: the UKIP line is UKIP, then BRX, then RUK.
    stood = {
        y: set(Result.objects.filter(source=HOC, year=y).values_list("party", flat=True)) for y in (2015, 2019, 2024)
    }
    assert "UKIP" in stood[2015] and "BRX" in stood[2019] and "RUK" in stood[2024]
    assert "BRX" not in stood[2024] and "RUK" not in stood[2019]


def test_derived_notionals_keep_every_vote(data_dir):
    load_seat_results(data_dir)
    for year in (2010, 2015, 2017):
        rows = Result.objects.filter(year=year, source=DERIVED)
        assert set(rows.values_list("boundary_set", "notional").distinct()) == {("2024", True)}
        assert rows.values("ons_code").distinct().count() == 650
        actual = gb_votes(year, "2010", HOC)
        assert gb_votes(year, "2024", DERIVED) == pytest.approx(actual, rel=0.01)


def test_derived_notionals_mostly_agree_with_rallings_and_thrasher(data_dir, overlaps, codes):
    """The limit of the method, measured: 2019 carried through the overlaps against R&T's notionals."""
    seats_2024 = {s.code: s for s in parse_hoc_results(text(data_dir, hoc_file(2024)), 2024, "2024", codes["2024"])}
    hoc_2019 = parse_hoc_results(text(data_dir, hoc_file(2019)), 2019, "2010", codes["2010"])
    derived = {s.code: s for s in derive_notionals(hoc_2019, share_table(overlaps), seats_2024)}
    notional = {s.code: s for s in parse_notionals(text(data_dir, NOTIONAL_2019_FILE), codes["2024"], seats_2024)}
    same = sum(
        max(derived[c].votes, key=derived[c].votes.get) == max(n.votes, key=n.votes.get) for c, n in notional.items()
    )
    assert 0.9 < same / 650 < 1.0


def test_derive_notionals_shares_votes_out_by_population():
    old = [
        Seat("A", "Old A", "R", "England", 1000, {"CON": 400.0, "LAB": 200.0}),
        Seat("B", "Old B", "R", "England", 500, {"LAB": 300.0}),
    ]
    shares = {"A": [("X", 0.75), ("Y", 0.25)], "B": [("Y", 1.0)]}
    new = {s.code: s for s in derive_notionals(old, shares, {})}
    assert new["X"].votes == {"CON": 300.0, "LAB": 150.0}
    assert new["Y"].votes == {"CON": 100.0, "LAB": 350.0}
    assert new["X"].electorate + new["Y"].electorate == 1500


def test_loading_twice_replaces_and_leaves_the_engines_results_alone(data_dir):
    Result.objects.create(source=Result.Source.UK_POLITICS, year=2019, ons_code="E14000889", party="LAB", votes=1)
    load_seat_results(data_dir)
    n = Result.objects.count()
    load_seat_results(data_dir)
    assert Result.objects.count() == n
    assert Result.objects.filter(source=Result.Source.UK_POLITICS).count() == 1


def test_a_2024_file_given_as_2019_is_refused_by_its_header(data_dir, codes):
    with pytest.raises(SeatResultsError, match="line 1: a 2019 results file has a BRX column, this one has RUK"):
        parse_hoc_results(text(data_dir, hoc_file(2024)), 2019, "2010", codes["2010"])


def test_a_file_of_the_other_boundary_set_is_refused_naming_the_row(data_dir, codes):
    # Renamed to pass the header check, the 2024 file's seats are still not 2010-set seats.
    renamed = text(data_dir, hoc_file(2024)).replace(",RUK,", ",BRX,", 1)
    with pytest.raises(SeatResultsError, match=r"line 2: W07000081 is not a constituency of the 2010 boundary set"):
        parse_hoc_results(renamed, 2019, "2010", codes["2010"], name="ge2019.csv")


def test_text_in_a_number_column_and_a_duplicate_seat_are_named(data_dir, codes):
    lines = text(data_dir, hoc_file(2019)).splitlines()
    fields = lines[4].split(",")
    fields[lines[0].split(",").index("Lab")] = "lots"
    bad = "\n".join([*lines[:4], ",".join(fields), *lines[5:]])
    with pytest.raises(SeatResultsError, match="ge2019.csv line 5: Lab 'lots' is not a number"):
        parse_hoc_results(bad, 2019, "2010", codes["2010"], name="ge2019.csv")
    fields[lines[0].split(",").index("Lab")] = "inf"
    with pytest.raises(SeatResultsError, match="line 5: Lab 'inf' is not a count of votes or electors"):
        parse_hoc_results("\n".join([*lines[:4], ",".join(fields)]), 2019, "2010", codes["2010"])
    with pytest.raises(SeatResultsError, match="row 2: contains a NUL character"):
        parse_hoc_results(lines[0] + "\nW07000049,\x00\n", 2019, "2010", codes["2010"])
    twice = "\n".join([*lines, lines[3]])
    with pytest.raises(SeatResultsError, match=r"line 652: \w+ is listed twice \(first on line 4\)"):
        parse_hoc_results(twice, 2019, "2010", codes["2010"])


def test_the_command_loads_all_or_nothing(tmp_path, data_dir):
    call_command("targeting", "load_seat_results", "--data", str(data_dir))
    before = (Result.objects.count(), Candidate.objects.count(), ConstituencyOverlap.objects.count())
    assert before[0] > 0
    copy = tmp_path / "data"
    shutil.copytree(data_dir / "results", copy / "results")
    shutil.copytree(data_dir / "lookups", copy / "lookups")
    # A newer download dropped in over the 2019 file: the 2024 results, whose seats are the other set's.
    shutil.copy(copy / "results" / hoc_file(2024), copy / "results" / hoc_file(2019))
    with pytest.raises(CommandError, match=r"hoc_ge2019_by_constituency.csv line 1: .* has RUK"):
        call_command("targeting", "load_seat_results", "--data", str(copy))
    shutil.copy(data_dir / "results" / hoc_file(2019), copy / "results" / hoc_file(2019))
    (copy / "results" / CANDIDATES_2024_FILE).unlink()
    with pytest.raises(CommandError, match="no such file"):
        call_command("targeting", "load_seat_results", "--data", str(copy))
    assert (Result.objects.count(), Candidate.objects.count(), ConstituencyOverlap.objects.count()) == before
