"""The demo's social-care consultation: a discussion with host-entered answers, personal-link and public
responses in one result set, tagged comments; built once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from groundswell.accounts.models import Role
from groundswell.people.models import TimelineEntry
from groundswell.surveys import selectors
from groundswell.surveys.demo import DEMO_DISCUSSION, DEMO_TITLE, HOST_ENTERED, PUBLIC, build_surveys_demo
from groundswell.surveys.models import AnswerTag, Response, Survey
from groundswell.tests.factories import PersonFactory, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_demo_survey_has_every_channel_and_is_built_once():
    clp = UnitFactory(code="CLP-E14000889", kind="constituency", name="Reading East constituency party")
    user_with_role(Role.ORGANISER, clp, email="organiser@example.org")
    PersonFactory.create_batch(40, unit=clp, synthetic=True)
    survey = build_surveys_demo()
    assert survey.title == DEMO_TITLE and survey.status == Survey.Status.OPEN
    counts = dict(Response.objects.values_list("channel").annotate(n=Count("*")).order_by())
    assert counts == {"discussion": HOST_ENTERED, "personal": 40, "public": PUBLIC}
    assert survey.discussions.get().title == DEMO_DISCUSSION
    assert TimelineEntry.objects.filter(kind="survey").count() == 40
    assert AnswerTag.objects.exists()
    assert selectors.results(survey)["total"] == HOST_ENTERED + 40 + PUBLIC
    assert build_surveys_demo() is None and Survey.objects.count() == 1
