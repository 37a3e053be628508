"""The count against worked examples and against an independent implementation on random elections."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from groundswell.ballots.counting import BallotFileError, count, count_file, parse_ballot_file

from .reference_count import LotNeeded, TooClose, reference_count


def grouped(pairs: list[tuple[int, str]]) -> Counter:
    return Counter({tuple(prefs.split(",")): n for n, prefs in pairs})


def test_irv_tennessee_capital_worked_example():
    # The classic worked example of instant run-off (Wikipedia, "Instant-runoff voting"): Memphis leads on
    # first preferences, Chattanooga then Nashville are excluded, and Knoxville wins 58 to 42.
    ballots = grouped([(42, "M,N,C,K"), (26, "N,C,K,M"), (15, "C,K,N,M"), (17, "K,C,N,M")])
    result = count(["M", "N", "C", "K"], ballots, method="irv")
    assert result.quota == 51
    assert [r.eliminated for r in result.rounds] == ["C", "N", None]
    assert result.rounds[0].tallies == {"M": 42, "N": 26, "C": 15, "K": 17}
    assert result.rounds[1].tallies == {"M": 42, "N": 26, "K": 32}
    assert result.rounds[2].tallies == {"M": 42, "K": 58}
    assert result.elected == ["K"] and result.rounds[2].elected == ["K"]
    assert result.exhausted == 0


def test_stv_food_election_worked_example():
    # The worked example of STV (Wikipedia, "Single transferable vote"): 20 voters, 3 seats, Droop quota 6.
    # Chocolate's surplus of 6 passes at 0.5; Pear is excluded and Orange reaches the quota; Cake is excluded
    # (its ballots exhaust) and Strawberry, the last continuing candidate, takes the last seat.
    ballots = grouped(
        [
            (4, "Orange"),
            (2, "Pear,Orange"),
            (8, "Chocolate,Strawberry"),
            (4, "Chocolate,Cake"),
            (1, "Strawberry"),
            (1, "Cake"),
        ]
    )
    result = count(["Orange", "Pear", "Chocolate", "Strawberry", "Cake"], ballots, method="stv", seats=3)
    assert result.quota == 6
    assert result.rounds[0].elected == ["Chocolate"]
    assert result.rounds[1].tallies == {"Orange": 4, "Pear": 2, "Strawberry": 5, "Cake": 3}
    assert result.rounds[1].eliminated == "Pear"
    assert result.rounds[2].tallies["Orange"] == 6 and result.rounds[2].elected == ["Orange"]
    assert result.rounds[3].eliminated == "Cake"
    assert result.elected == ["Chocolate", "Orange", "Strawberry"]
    # Cake's 1 + Chocolate→Cake's 4 at 0.5 = 3 exhausted, Orange and Chocolate hold a quota each, Strawberry 5.
    assert result.exhausted == 3
    assert set(result.rules) == {"method", "quota", "transfers", "tie_breaks", "exhausted"}


def test_tie_for_exclusion_goes_to_fewer_first_preferences():
    # B and D are level on 3 in round 2, but B had fewer first preferences (2 against 3), so B is excluded.
    ballots = grouped([(10, "A"), (2, "B"), (4, "C"), (3, "D"), (1, "E,B")])
    result = count(list("ABCDE"), ballots, method="irv")
    assert result.rounds[1].tallies == {"A": 10, "B": 3, "C": 4, "D": 3}
    assert [r.eliminated for r in result.rounds[:2]] == ["E", "B"]


def test_a_lot_is_repeatable_from_the_ballots():
    ballots = grouped([(3, "A"), (2, "B"), (2, "C")])
    first = count(list("ABC"), ballots, method="irv")
    assert first.rounds[0].eliminated in {"B", "C"}
    assert all(
        count(list("ABC"), ballots, method="irv").rounds[0].eliminated == first.rounds[0].eliminated for _ in range(5)
    )


def test_uncontested_and_empty():
    assert count(["A", "B"], Counter(), method="stv", seats=2).elected == ["A", "B"]
    assert count(["A", "B"], Counter(), method="irv").elected == []


@pytest.mark.parametrize(
    "line, message",
    [
        ("A,A", "candidate 'A' appears twice"),
        ("A,,B", "skipped preference"),
        ("A,Zed", "unknown candidate 'Zed'"),
        (",,", "no preference marked"),
    ],
)
def test_malformed_ballot_names_its_line(line, message):
    with pytest.raises(BallotFileError) as err:
        parse_ballot_file(f"A,B\nB\n{line}\n", candidates=["A", "B"])
    assert len(err.value.errors) == 1
    assert err.value.errors[0].startswith("line 3: ") and message in err.value.errors[0]


def test_blank_cells_end_a_ballot_and_spaces_are_trimmed():
    names, ballots = parse_ballot_file(" A , B ,,\nB,A\n")
    assert names == ["A", "B"] and ballots == Counter({("A", "B"): 1, ("B", "A"): 1})


@st.composite
def elections(draw):
    n = draw(st.integers(min_value=2, max_value=6))
    candidates = [f"C{i}" for i in range(n)]
    seats = draw(st.integers(min_value=1, max_value=n - 1))
    ballot = st.permutations(candidates).flatmap(lambda p: st.integers(1, len(p)).map(lambda k: tuple(p[:k])))
    ballots = draw(st.lists(ballot, min_size=1, max_size=60))
    return candidates, seats, ballots


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_count_agrees_with_the_independent_implementation(election):
    candidates, seats, ballots = election
    try:
        expected = reference_count(ballots, candidates, seats)
    except (LotNeeded, TooClose):
        assume(False)
    result = count(candidates, Counter(ballots), method="stv" if seats > 1 else "irv", seats=seats)
    assert result.elected == expected["elected"]
    assert len(result.rounds) == len(expected["rounds"])
    for got, want in zip(result.rounds, expected["rounds"], strict=True):
        assert got.eliminated == want["eliminated"]
        assert got.elected == want["elected"]
        assert got.tallies == pytest.approx({c: float(v) for c, v in want["tallies"].items()}, abs=1e-6)
        assert got.exhausted == pytest.approx(float(want["exhausted"]), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["A", "B", "C", "", "Zed", " A"]), max_size=5), max_size=8))
def test_ballot_file_parser_reports_every_bad_line_or_counts(rows):
    text = "\n".join(",".join(row) for row in rows)
    try:
        names, ballots = parse_ballot_file(text, candidates=["A", "B", "C"])
    except BallotFileError as exc:
        assert all(e.startswith("line ") for e in exc.errors)
        return
    assert set(names) == {"A", "B", "C"}
    for ranking in ballots:
        assert len(set(ranking)) == len(ranking) and set(ranking) <= {"A", "B", "C"}


def test_count_command_json(tmp_path, capsys):
    from django.core.management import call_command  # noqa: PLC0415 (keeps Django's loading out of the module)

    path = tmp_path / "ballots.csv"
    path.write_text("M,N,C,K\n" * 42 + "N,C,K,M\n" * 26 + "C,K,N,M\n" * 15 + "K,C,N,M\n" * 17)
    call_command("ballots", "count", str(path), "--method", "irv", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["elected"] == ["K"] and out["exhausted"] == 0
    assert out["rounds"][0] == {
        "number": 1,
        "tallies": {"M": 42, "N": 26, "C": 15, "K": 17},
        "elected": [],
        "eliminated": "C",
        "exhausted": 0,
    }


def test_count_command_refuses_a_malformed_file_naming_lines(tmp_path, capsys):
    from django.core.management import call_command  # noqa: PLC0415

    path = tmp_path / "ballots.csv"
    path.write_text("A,B\nA,,B\nB,B\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("ballots", "count", str(path), "--method", "stv", "--seats", "1")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "line 2: preference 2 is blank" in err and "line 3: candidate 'B' appears twice" in err


def test_count_matches_the_count_file_path():
    result = count_file("A,B\nB,A\nA\n", method="irv")
    assert result.elected == ["A"]
