"""Swing arithmetic: shares stay proportions, new and withdrawn parties, the Speaker, nations, NI."""

from __future__ import annotations

import numpy as np
import pytest

from groundswell.targeting.engine import METHODS, Inputs, SwingModel, complete_shares, nation_targets, prepare
from groundswell.targeting.parties import (
    INDEX,
    PARTIES,
    UnknownParty,
    normalise_party,
    parse_nation_shares,
    parse_shares,
)

from .fixtures import small_gb

CON, LAB, LD, SNP, PC, GRN, UKIP, SPK = (INDEX[p] for p in ("CON", "LAB", "LD", "SNP", "PC", "GRN", "UKIP", "SPK"))


def point(inputs: Inputs, method: str, model: SwingModel | None = None) -> np.ndarray:
    return prepare(small_gb(), inputs, method, model or SwingModel()).point


@pytest.mark.parametrize("method", METHODS)
def test_every_seat_sums_to_one_with_no_negative_share(method):
    # Labour collapses by 30 points: uniform swing would take it below zero in its weaker seats.
    shares = point(Inputs({"CON": 0.55, "LAB": 0.05, "LD": 0.3, "GRN": 0.05, "UKIP": 0.05}), method)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert (shares >= 0).all()


def test_uniform_swing_adds_the_national_change_to_every_seat():
    base = small_gb()
    gb0 = base.national()
    change = {"CON": gb0[CON] + 0.02, "LAB": gb0[LAB] - 0.02}
    others = {p: float(gb0[INDEX[p]]) for p in PARTIES if p not in ("CON", "LAB", "SPK")}
    shares = point(Inputs({**change, **others}), "uniform")
    e2 = base.codes.index("E2")
    # Nation-level change in England differs from GB only through the Scottish/Welsh seats' weights,
    # and with no nation given every nation follows the same GB change.
    assert shares[e2, CON] - base.shares[e2, CON] == pytest.approx(0.02, abs=1e-9)
    assert shares[e2, LAB] - base.shares[e2, LAB] == pytest.approx(-0.02, abs=1e-9)


def test_proportional_swing_scales_each_seat_by_the_national_ratio():
    base = small_gb()
    gb0 = base.national()
    target = {p: float(gb0[INDEX[p]]) for p in PARTIES if p != "SPK"}
    target["LD"] = gb0[LD] / 2
    target["CON"] = gb0[CON] + gb0[LD] / 2
    shares = point(Inputs(target), "proportional")
    e3 = base.codes.index("E3")
    # The Lib Dems halve everywhere before the seat is rescaled to sum to one.
    ratio = shares[e3, LD] / shares[e3, LAB]
    assert ratio == pytest.approx(base.shares[e3, LD] / 2 / base.shares[e3, LAB], rel=0.02)


@pytest.mark.parametrize("method", METHODS)
def test_a_new_party_stands_everywhere_at_its_national_share(method):
    base = small_gb()
    assert base.national()[PC] > 0 and base.shares[:, INDEX["OTH"]].sum() > 0
    gb0 = base.national()
    assert gb0[SNP] > 0
    # Greens exist; make a party that had no votes at all: there is none in PARTIES left, so withdraw Greens
    # from the base and reintroduce them.
    base.votes[:, GRN] = 0
    base.shares = base.votes / base.votes.sum(axis=1, keepdims=True)
    setup = prepare(base, Inputs({"CON": 0.3, "LAB": 0.3, "LD": 0.2, "GRN": 0.1, "UKIP": 0.05}), method, SwingModel())
    assert (setup.point[:, GRN] > 0).all()


@pytest.mark.parametrize("method", METHODS)
def test_a_withdrawn_party_gets_nothing_anywhere(method):
    shares = point(Inputs({"CON": 0.4, "LAB": 0.4, "LD": 0.15, "GRN": 0.05, "UKIP": 0.0}), method)
    assert shares[:, UKIP].max() == 0


@pytest.mark.parametrize("method", METHODS)
def test_the_speakers_seat_stays_the_speakers(method):
    base = small_gb()
    e4 = base.codes.index("E4")
    shares = point(Inputs({"CON": 0.2, "LAB": 0.6, "LD": 0.1, "GRN": 0.1}), method)
    assert shares[e4].argmax() == SPK
    assert shares[e4, CON] == shares[e4, LAB] == shares[e4, LD] == 0  # the main parties do not stand


def test_given_nation_shares_are_used_and_england_takes_up_the_rest():
    base = small_gb()
    gb0 = base.national()
    gb = {p: float(gb0[INDEX[p]]) for p in PARTIES if p != "SPK"}
    inputs = Inputs(gb, {"Scotland": {"SNP": 0.5, "LAB": 0.25, "CON": 0.15, "LD": 0.1}})
    targets = nation_targets(base, inputs, "uniform", SwingModel())
    assert targets[1, SNP] == pytest.approx(0.5)
    assert targets[0, SNP] == 0  # the SNP does not stand in England, whatever is left over
    weights = np.array([base.votes[base.nations == k].sum() for k in range(3)])
    gb_after = weights @ targets / weights.sum()
    # Labour's GB share is kept: Scotland's loss is made up in England.
    assert gb_after[LAB] == pytest.approx(gb0[LAB], abs=0.01)


def test_unlisted_parties_share_what_is_left_in_proportion_to_their_base():
    base = np.zeros(len(PARTIES))
    base[[CON, LAB, GRN, UKIP]] = [0.4, 0.4, 0.1, 0.1]
    out = complete_shares({"CON": 0.35, "LAB": 0.45}, base)
    assert out.sum() == pytest.approx(1.0)
    assert out[GRN] == pytest.approx(0.1) and out[UKIP] == pytest.approx(0.1)


def test_northern_ireland_is_left_out_explicitly(results):
    from groundswell.targeting.results import election_table

    table = election_table(2019)
    assert len(table.codes) == 632
    assert not any(code.startswith("N") for code in table.codes)


def test_party_names_normalise_across_years_and_successors():
    assert normalise_party("Conservative Party") == normalise_party("Conservative") == "CON"
    assert normalise_party("Liberal Democrat") == normalise_party("Liberal Democrats") == "LD"
    assert normalise_party("Brexit") == normalise_party("Reform UK") == "UKIP"
    assert normalise_party("PC/SNP", "Scotland") == "SNP" and normalise_party("PC/SNP", "Wales") == "PC"
    with pytest.raises(UnknownParty, match="Monster Raving"):
        normalise_party("Monster Raving Loony")


def test_share_strings_parse_with_clear_errors():
    assert parse_shares("CON=38,LAB=32") == {"CON": 0.38, "LAB": 0.32}
    with pytest.raises(ValueError, match="LAB share 'x' is not a number"):
        parse_shares("CON=0.3,LAB=x")
    with pytest.raises(ValueError, match="add up to"):
        parse_shares("CON=0.6,LAB=0.6")
    nations = parse_nation_shares("Scotland:SNP=0.369,CON=0.286;Wales:LAB=0.489")
    assert nations["Scotland"]["SNP"] == pytest.approx(0.369) and nations["Wales"] == {"LAB": 0.489}
    with pytest.raises(ValueError, match="Ulster"):
        parse_nation_shares("Ulster:DUP=0.3")


def test_a_nationalist_partys_gb_change_moves_its_own_nation_proportionally():
    base = small_gb()
    gb0 = base.national()
    gb = {p: float(gb0[INDEX[p]]) for p in PARTIES if p != "SPK"}
    gb["SNP"] = gb0[SNP] * 1.5
    gb["LAB"] = gb0[LAB] - gb0[SNP] * 0.5
    for method in METHODS:
        targets = nation_targets(base, Inputs(gb), method, SwingModel())
        # Scotland's SNP share rises by about half, as its GB share did (then the nation is rescaled to one);
        # a uniform swing would have added only the GB change.
        scotland = base.national("Scotland")[SNP]
        assert targets[1, SNP] > scotland * 1.3
        assert targets[1, SNP] - scotland > 3 * (gb["SNP"] - gb0[SNP])
        assert targets[0, SNP] == 0
