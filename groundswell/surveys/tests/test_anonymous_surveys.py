"""Anonymous surveys keep no link from a response to a person: not the person, not a snapshot of where they live
or their membership, not the time (only the day), and the invitation says only that it was used."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell.people.models import TimelineEntry
from groundswell.surveys import services
from groundswell.surveys.models import Discussion, Invitation, Response

from .world import USES, build_world, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world(anonymous=True)


def test_personal_link_on_an_anonymous_survey_leaves_no_trace_of_who(client, world):
    services.invite_people(world.survey, type(world.people[0]).objects.all(), world.organiser)
    invitation = Invitation.objects.get(person=world.people[0])
    assert client.post(f"/surveys/i/{invitation.token}/", form_data(**{USES: "no"})).status_code == 302
    response = Response.objects.get()
    assert response.person_id is None
    assert (response.ward_code, response.constituency_code, response.membership_status) == ("", "", "")
    local_day = response.submitted_at
    assert (local_day.hour, local_day.minute, local_day.second, local_day.microsecond) == (0, 0, 0, 0)
    invitation.refresh_from_db()
    assert invitation.responded and invitation.responded_at is None
    assert not TimelineEntry.objects.filter(kind=TimelineEntry.Kind.SURVEY).exists()
    # Still one response per link.
    again = client.post(f"/surveys/i/{invitation.token}/", form_data(**{USES: "no"}))
    assert 'id="already"' in again.content.decode() and Response.objects.count() == 1


def test_host_cannot_link_an_anonymous_surveys_answers_to_a_person(world):
    discussion = Discussion.objects.create(survey=world.survey, title="Hall", host=world.organiser)
    with pytest.raises(ValidationError) as exc:
        services.submit_response(
            world.survey, {USES: "no"}, channel="discussion", discussion=discussion, person=world.people[0]
        )
    assert "anonymous" in exc.value.message_dict["person"][0]
    # The host's page does not even offer the field, and ignores one sent anyway.
    host = login(world.organiser)
    page = host.get(f"/surveys/discussions/{discussion.pk}/").content.decode()
    assert 'name="person_id"' not in page
    host.post(f"/surveys/discussions/{discussion.pk}/", {"person_id": world.people[0].pk, **form_data(**{USES: "no"})})
    assert Response.objects.get().person_id is None


def test_anonymity_cannot_change_once_answers_exist(world):
    services.submit_response(world.survey, {USES: "no"}, channel="public", now=timezone.now())
    with pytest.raises(ValidationError):
        services.update_survey(world.survey, actor=world.organiser, anonymous=False)
    services.update_survey(world.survey, actor=world.organiser, title="Renamed")  # other settings still change


def test_identified_view_and_export_name_nobody_for_an_anonymous_survey(world):
    services.invite_people(world.survey, type(world.people[0]).objects.all(), world.organiser)
    invitation = Invitation.objects.get(person=world.people[0])
    services.submit_response(world.survey, {USES: "no"}, channel="personal", invitation=invitation)
    organiser = login(world.organiser)
    page = organiser.get(f"/surveys/{world.survey.pk}/responses/")
    assert world.people[0].family_name not in page.content.decode()
    body = organiser.post(f"/surveys/{world.survey.pk}/export/", {"reason": "board report"}).content.decode()
    row = body.splitlines()[1].split(",")
    assert row[4] == "" and row[1] == "personal"


def test_start_of_day_keeps_the_date():
    moment = datetime.datetime(2026, 12, 3, 21, 14, 5, tzinfo=datetime.UTC)
    assert services._start_of_day(moment) == datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)
