"""The national-money report's class per seat comes from targeting: the latest projection's classification for
our party, matched within the projection's boundary set; flags use that class."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from groundswell.geography.models import Constituency
from groundswell.spending.models import Candidacy
from groundswell.spending.selectors import national_money
from groundswell.spending.services import Split
from groundswell.targeting.tests.builders import make_projection_2024

from .test_pages import login
from .world import build_world, item

pytestmark = pytest.mark.django_db

# make_projection_2024's seats, classified for LAB at targeting's default thresholds (safe 0.9, reach 0.1).
SLOUGH, READING_WEST, MAIDENHEAD, EARLEY, WOKINGHAM = (
    "E14001477", "E14001439", "E14001348", "E14001210", "E14001593",
)  # fmt: skip


@pytest.fixture
def w():
    world = build_world()
    world.projection = make_projection_2024()
    world.seats = {}
    for code in (SLOUGH, READING_WEST, MAIDENHEAD, EARLEY, WOKINGHAM):
        world.seats[code] = Candidacy.objects.create(
            election=world.election, constituency=Constituency.objects.get(boundary_set_id="2024", code=code),
            unit=world.units.clp_a, area_type="borough", electorate=70_000, electorate_source="test",
        )  # fmt: skip
    return world


def national(w, code: str, pounds: int) -> None:
    item(w, actor=w.treasurer, unit=w.units.region, amount_pence=pounds * 100, category="transport",
         splits=[Split(w.seats[code])], invoice_number=f"nat-{code}")  # fmt: skip


@override_settings(GROUNDSWELL_PARTY="LAB")
def test_classes_come_from_the_latest_projection(w):
    rows = {r.candidacy.constituency.code: r for r in national_money(w.election, w.election.candidacies.all())}
    assert rows[SLOUGH].seat_class == "safe"  # p 0.95
    assert rows[READING_WEST].seat_class == "held"  # ours, p 0.48: defend
    assert rows[EARLEY].seat_class == "held"
    assert rows[MAIDENHEAD].seat_class == "target"  # CON's, p 0.25: attack
    assert rows[WOKINGHAM].seat_class == "out of reach"  # p 0.04
    assert rows[SLOUGH].p_win == 0.95
    # Brentford and Dorking are not in the projection.
    assert rows["E14001124"].seat_class == rows["E14001201"].seat_class == "no projection"


@override_settings(GROUNDSWELL_PARTY="LAB")
def test_a_safe_seat_funded_above_the_marginals_is_flagged_whatever_its_manual_class(w):
    national(w, SLOUGH, 3_000)
    national(w, READING_WEST, 200)
    national(w, EARLEY, 100)
    national(w, MAIDENHEAD, 300)
    slough = w.seats[SLOUGH]
    slough.seat_class = "marginal"  # a friend of staff typed "marginal": shown, not believed
    slough.save()
    rows = {r.candidacy.constituency.code: r for r in national_money(w.election, w.election.candidacies.all())}
    assert rows[SLOUGH].flags == ["safe seat funded above the median marginal (held or target) seat"]
    assert rows[SLOUGH].override == "marginal"
    assert rows[READING_WEST].flags == rows[EARLEY].flags == rows[MAIDENHEAD].flags == []
    page = login(w.board).get(reverse("spending:national")).content.decode()
    assert "manual override: marginal" in page and "safe seat funded above" in page


@override_settings(GROUNDSWELL_PARTY="LAB")
def test_far_more_than_its_class_warrants(w):
    w.projection.seats[SLOUGH]["p_win"]["LAB"] = 0.6  # now a third held seat
    w.projection.save()
    national(w, READING_WEST, 5_000)
    national(w, EARLEY, 100)
    national(w, SLOUGH, 100)
    outside = Candidacy.objects.create(
        election=w.election,
        constituency=Constituency.objects.create(code="E14001999", name="Nowhere", boundary_set_id="2024"),
        unit=w.units.clp_a, area_type="borough", electorate=70_000, electorate_source="test",
    )  # fmt: skip
    w.seats["x"] = outside
    national(w, "x", 9_000)  # not in the projection: no class to compare with
    rows = {r.candidacy.constituency.code: r for r in national_money(w.election, w.election.candidacies.all())}
    assert rows[SLOUGH].seat_class == "held"
    assert rows[READING_WEST].flags == ["more than 2× the median held seat"]
    assert rows[EARLEY].flags == rows[SLOUGH].flags == []
    assert rows["E14001999"].seat_class == "no projection" and rows["E14001999"].flags == []


@override_settings(GROUNDSWELL_PARTY="LAB")
def test_seats_are_matched_within_the_projections_boundary_set(w):
    w.projection.inputs = {**w.projection.inputs, "boundary_set": "2010"}
    w.projection.save()
    rows = national_money(w.election, w.election.candidacies.all())
    assert {r.seat_class for r in rows} == {"no projection"}


def test_without_a_projection_every_seat_says_so(w):
    w.projection.delete()
    rows = national_money(w.election, w.election.candidacies.all())
    assert {r.seat_class for r in rows} == {"no projection"}
    assert "there is none yet" in login(w.board).get(reverse("spending:national")).content.decode()
