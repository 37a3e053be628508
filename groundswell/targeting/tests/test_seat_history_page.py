"""A seat's page shows its history on its own boundaries: a 2024 seat its 2024 result, notional 2019 (Rallings &
Thrasher) and derived notionals with the candidates; a 2010-set seat its results and the seats it became."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.targeting.hoc_results import load_seat_results
from groundswell.targeting.parties import PARTIES
from groundswell.tests.factories import user_with_role

from .builders import make_projection

pytestmark = pytest.mark.django_db
READING_EAST, READING_CENTRAL, EARLEY_AND_WOODLEY = "E14000889", "E14001438", "E14001210"


@pytest.fixture
def organiser(client, units):
    user = user_with_role(Role.ORGANISER, units.clp_a)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return user


@pytest.fixture
def seat_results(data_dir):
    load_seat_results(data_dir)


def test_a_2024_seat_shows_its_results_notionals_and_candidates(client, organiser, seat_results):
    response = client.get(reverse("targeting:seat", args=[READING_CENTRAL]))
    assert response.status_code == 200
    history = response.context["history"]
    assert history.boundary_set == "2024" and history.name == "Reading Central"
    labelled = [(e.year, e.notional, e.source_label) for e in history.elections]
    assert labelled == [
        (2024, False, "House of Commons Library"),
        (2019, True, "Rallings & Thrasher"),
        (2017, True, "derived from population overlaps"),
        (2015, True, "derived from population overlaps"),
        (2010, True, "derived from population overlaps"),
    ]
    assert history.elections[0].winner.label == "Labour"
    # The UKIP line is named as it stood each year.
    labels = {e.year: {p.label for p in e.parties} for e in history.elections}
    assert "Reform UK" in labels[2024] and "Brexit Party" in labels[2019] and "UKIP" in labels[2015]
    page = response.content.decode()
    assert "notional: Rallings &amp; Thrasher" in page and "notional: derived from population overlaps" in page
    assert "Matt Rodda" in page and "(elected)" in page
    assert 'id="history-chart-title"' in page and page.count('class="notional"') >= 4
    made_from = [link.code for link in history.made_from]
    assert READING_EAST in made_from


def test_a_2010_seat_shows_its_results_and_what_it_became(client, organiser, seat_results):
    response = client.get(reverse("targeting:seat", args=[READING_EAST]))
    assert response.status_code == 200
    history = response.context["history"]
    assert history.boundary_set == "2010"
    assert [(e.year, e.notional) for e in history.elections] == [
        (2019, False),
        (2017, False),
        (2015, False),
        (2010, False),
    ]
    assert [(link.name, round(link.share, 2)) for link in history.became] == [
        ("Reading Central", 0.67),
        ("Earley and Woodley", 0.33),
    ]
    page = response.content.decode()
    assert f"{reverse('targeting:seat', args=[READING_CENTRAL])}?set=2024" in page
    assert "67% of this seat&#x27;s people" in page or "67% of this seat's people" in page


def test_an_independent_winner_is_shown_by_name(client, organiser, seat_results):
    page = client.get(reverse("targeting:seat", args=["E14001305"])).content.decode()  # Islington North
    assert "Jeremy Corbyn" in page and "Independent" in page


def test_a_code_in_both_sets_shows_the_newest_and_links_the_other(client, organiser, seat_results):
    # Five Scottish codes name a seat in each set; ?set= picks one.
    newest = client.get(reverse("targeting:seat", args=["S14000021"]))
    assert newest.context["history"].boundary_set == "2024" and newest.context["history"].other_sets == ["2010"]
    older = client.get(reverse("targeting:seat", args=["S14000021"]), {"set": "2010"})
    assert older.context["history"].boundary_set == "2010" and older.context["history"].became


def test_the_projection_still_shows_beside_the_history_on_a_2010_seat(client, organiser, seat_results):
    make_projection()
    response = client.get(reverse("targeting:seat", args=[READING_EAST]))
    assert response.context["info"] is not None and response.context["history"] is not None


def test_a_code_nobody_knows_is_not_found(client, organiser):
    assert client.get(reverse("targeting:seat", args=["E14999999"])).status_code == 404


def test_engine_parties_are_unchanged():
    # The projection CSV's share_<P>/p_win_<P> columns follow PARTIES: Reform UK is UKIP's line, not a column.
    assert PARTIES == ("CON", "LAB", "LD", "SNP", "PC", "GRN", "UKIP", "OTH", "SPK")
