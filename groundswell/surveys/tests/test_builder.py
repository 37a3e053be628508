"""The organiser's survey builder: settings, questions of every kind with sections and conditions, status."""

from __future__ import annotations

import pytest

from groundswell.audit.models import AuditEntry
from groundswell.questions.models import Question, QuestionSet
from groundswell.surveys.models import Survey
from groundswell.tests.factories import UnitTreeFactory, user_with_role

from .world import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser():
    units = UnitTreeFactory.build_tree()
    user = user_with_role("organiser", units.clp_a)
    user.units = units
    return user


def test_organiser_builds_a_survey(organiser):
    client = login(organiser)
    created = client.post(
        "/surveys/new/",
        {"title": "Care consultation", "unit": organiser.units.clp_a.pk, "intro": "Five minutes", "public": "on"},
    )
    survey = Survey.objects.get()
    assert created["Location"] == f"/surveys/{survey.pk}/"
    assert survey.question_set.purpose == QuestionSet.Purpose.SURVEY and survey.status == "draft"
    assert client.post(f"/surveys/{survey.pk}/status/", {"status": "open"}).status_code == 302
    survey.refresh_from_db()
    assert survey.status == "draft"  # no questions yet
    url = f"/surveys/{survey.pk}/"
    client.post(url, {"text": "Do you use care?", "kind": "yes_no", "section": "About you", "required": "1"})
    client.post(url, {"text": "Rank", "kind": "ranking", "choices": "Pay\nFunding"})
    client.post(
        url, {"text": "How was it?", "kind": "scale", "scale_min": "1", "scale_max": "5",
              "condition_key": "do_you_use_care", "condition_values": "yes"},
    )  # fmt: skip
    questions = list(Question.objects.filter(question_set=survey.question_set))
    assert [q.kind for q in questions] == ["yes_no", "ranking", "scale"]
    assert questions[0].section == "About you"
    assert questions[2].condition == {"question": "do_you_use_care", "in": ["yes"]}
    bad = client.post(url, {"text": "Pick", "kind": "single", "choices": "Only one"})
    assert bad.status_code == 400 and "at least two choices" in bad.content.decode()
    client.post(f"/surveys/{survey.pk}/status/", {"status": "open"})
    survey.refresh_from_db()
    assert survey.status == "open"
    assert AuditEntry.objects.filter(object_type="surveys.survey", action="changed").count() >= 4


def test_settings_errors_name_the_field(organiser):
    client = login(organiser)
    page = client.post(  # fmt: skip
        "/surveys/new/",
        {
            "title": "X",
            "unit": organiser.units.clp_a.pk,
            "opens_at": "2026-12-05T10:00",
            "closes_at": "2026-12-04T10:00",
        },
    )
    assert page.status_code == 400 and "The survey must close after it opens." in page.content.decode()
    assert not Survey.objects.exists() and not QuestionSet.objects.exists()  # nothing half-written


def test_only_units_organisers_reach_the_builder(organiser):
    client = login(organiser)
    client.post("/surveys/new/", {"title": "Care", "unit": organiser.units.clp_a.pk})
    survey = Survey.objects.get()
    other = user_with_role("organiser", organiser.units.clp_b)
    assert login(other).get(f"/surveys/{survey.pk}/").status_code == 403
    caller = user_with_role("caller", organiser.units.clp_a)
    assert login(caller).get("/surveys/").status_code == 403
    # A unit outside theirs cannot be chosen.
    assert client.post("/surveys/new/", {"title": "B", "unit": organiser.units.clp_b.pk}).status_code == 400
