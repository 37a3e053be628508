"""The local picture: canvass returns weighted to the register, never the raw canvass percentage."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.canvassing.models import CanvassCampaign, Contact
from groundswell.canvassing.tests.builders import make_elector, make_household
from groundswell.geography.models import Constituency
from groundswell.questions.support_codes import ensure_default_support_codes
from groundswell.register.models import TurnoutRecord
from groundswell.targeting.canvass import age_band, local_picture
from groundswell.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat():
    constituency = Constituency.objects.create(code="E14000999", name="Testborough")
    unit = UnitFactory(code="CLP-TEST", name="Testborough CLP")
    ensure_default_support_codes(unit, ours="L")
    campaign = CanvassCampaign.objects.create(unit=unit, constituency=constituency, name="Voter ID")
    return constituency, campaign


def register(constituency, district: str, count: int, start: int = 1) -> list:
    electors = []
    for n in range(start, start + count):
        household = make_household(constituency, district, n, street=f"{district} Road")
        electors.append(make_elector(household, n))
    return electors


def speak(campaign, electors, code: str) -> None:
    for e in electors:
        Contact.objects.create(elector=e, campaign=campaign, outcome="spoke", support_code=code)


def test_returns_are_weighted_to_the_register_not_taken_raw(seat):
    constituency, campaign = seat
    ours = register(constituency, "AA", 100)  # a district that backs us
    theirs = register(constituency, "BB", 100, start=101)  # an equally big one that does not
    speak(campaign, ours[:60], "L")  # canvassers spent their time where they were welcome
    speak(campaign, theirs[:6], "C")
    picture = local_picture(constituency, prior_share=0.5)
    raw = 60 / 66
    assert picture.estimate < 0.75  # far from the raw 91%
    assert abs(picture.estimate - 0.5) < abs(raw - 0.5) / 2
    assert picture.low < picture.estimate < picture.high
    assert (picture.register, picture.spoken, picture.never_spoken) == (200, 66, 134)


def test_without_any_canvass_the_estimate_is_the_projection(seat):
    constituency, _ = seat
    register(constituency, "AA", 20)
    picture = local_picture(constituency, prior_share=0.42, prior_sd=0.05)
    assert picture.estimate == pytest.approx(0.42)
    assert picture.never_spoken == 20 and picture.never_spoken_share == 1.0
    assert picture.high - picture.low == pytest.approx(2 * 1.645 * 0.05, rel=0.1)


def test_more_conversations_narrow_the_range(seat):
    constituency, campaign = seat
    electors = register(constituency, "AA", 200)
    speak(campaign, electors[:10], "L")
    narrow_before = local_picture(constituency, 0.5)
    speak(campaign, electors[10:150], "C")
    after = local_picture(constituency, 0.5)
    assert after.high - after.low < narrow_before.high - narrow_before.low
    assert after.estimate < 0.3  # most of the register now says they back another party


def test_undecided_answers_and_not_in_do_not_count_as_support(seat):
    constituency, campaign = seat
    electors = register(constituency, "AA", 10)
    speak(campaign, electors[:5], "U")
    Contact.objects.create(elector=electors[5], campaign=campaign, outcome="not_in")
    picture = local_picture(constituency, prior_share=0.3)
    assert picture.spoken == 5
    assert picture.estimate == pytest.approx(0.3)
    assert sum(c.decided for c in picture.cells) == 0


def test_cells_split_by_age_and_turnout_history(seat):
    constituency, _ = seat
    young, old, unknown = register(constituency, "AA", 3)
    young.person = PersonFactory(date_of_birth=dt.date(2000, 1, 1))
    old.person = PersonFactory(date_of_birth=dt.date(1950, 1, 1))
    young.save()
    old.save()
    TurnoutRecord.objects.create(elector=old, election="parl.2024-07-04", mark="v")
    TurnoutRecord.objects.create(elector=young, election="parl.2024-07-04", mark="0")
    picture = local_picture(constituency, 0.4, today=dt.date(2026, 11, 23))
    cells = {(c.age, c.turnout): c.register for c in picture.cells}
    assert cells == {("18–34", "did not vote"): 1, ("55+", "voted before"): 1, ("age unknown", "no history"): 1}
    assert age_band(None, dt.date(2026, 1, 1)) == "age unknown"
