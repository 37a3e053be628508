"""Discussion events: the named host enters each participant's answers (no other permission needed); they join
the online responses; linking an answer to a person needs the right to view that person."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.people.models import TimelineEntry
from groundswell.surveys import selectors
from groundswell.surveys.models import Discussion, Response
from groundswell.tests.factories import user_with_role

from .world import MEETING, USES, build_world, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    w.host = user_with_role(Role.VOLUNTEER, w.units.clp_a)
    w.discussion = Discussion.objects.create(survey=w.survey, title="Hall meeting", host=w.host)
    w.url = f"/surveys/discussions/{w.discussion.pk}/"
    return w


def test_host_enters_the_rooms_answers_one_form_at_a_time(world):
    host = login(world.host)
    page = host.get(world.url)
    assert page.status_code == 200 and 'id="entered">0<' in page.content.decode()
    for answer in ("yes", "no", "yes"):
        assert host.post(world.url, form_data(**{USES: "no", MEETING: answer})).status_code == 302
    assert 'id="entered">3<' in host.get(world.url).content.decode()
    stored = Response.objects.filter(discussion=world.discussion)
    assert stored.count() == 3 and set(stored.values_list("channel", "entered_by")) == {("discussion", world.host.pk)}
    # One result set with the online answers.
    from groundswell.surveys import services

    services.submit_response(world.survey, {USES: "yes_now", "how_good_was_the_care": 3}, channel="public")
    assert selectors.results(world.survey)["total"] == 4


def test_only_the_host_or_the_surveys_organisers_enter_answers(world):
    other = user_with_role(Role.VOLUNTEER, world.units.clp_a)
    assert login(other).get(world.url).status_code == 403
    assert login(other).post(world.url, form_data(**{USES: "no"})).status_code == 403
    assert login(world.organiser).get(world.url).status_code == 200
    assert not Response.objects.exists()


def test_linking_to_a_person_needs_the_right_to_view_them(world):
    person = world.people[0]
    refused = login(world.host).post(world.url, {"person_id": person.pk, **form_data(**{USES: "no"})})
    assert refused.status_code == 400 and f"No person you can see has the id {person.pk}" in refused.content.decode()
    assert not Response.objects.exists()
    bad = login(world.organiser).post(world.url, {"person_id": "abc", **form_data(**{USES: "no"})})
    assert "The person id is a whole number." in bad.content.decode()
    login(world.organiser).post(world.url, {"person_id": person.pk, **form_data(**{USES: "no"})})
    response = Response.objects.get()
    assert response.person == person and response.membership_status == "active"
    entry = TimelineEntry.objects.get(person=person, kind="survey")
    assert entry.actor == world.organiser and entry.data["response_id"] == response.pk


def test_a_closed_survey_takes_no_host_entries(world):
    from groundswell.surveys import services

    services.set_status(world.survey, "closed", world.organiser)
    page = login(world.host).post(world.url, form_data(**{USES: "no"}))
    assert page.status_code == 400 and "not taking responses" in page.content.decode()
    assert not Response.objects.exists()
