"""Conditional questions: asked only after the answers they depend on, required only when asked, and answers to
questions not asked (a browser without JS still sends them) are dropped, not stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groundswell.surveys import selectors, services
from groundswell.surveys.models import Response

from .world import ELSE, FIGHT, QUALITY, RANK, USES, build_world, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_follow_up_is_required_only_when_its_condition_holds(world):
    # "In the past" shows the care-quality question, which is required.
    with pytest.raises(ValidationError) as exc:
        services.clean_answers(world.survey, {USES: "in_the_past"})
    assert exc.value.message_dict == {QUALITY: ["An answer is required"]}
    assert services.clean_answers(world.survey, {USES: "in_the_past", QUALITY: "4"}) == {
        USES: "in_the_past",
        QUALITY: 4,
    }
    # "No" does not: the follow-up is not asked and not required.
    assert services.clean_answers(world.survey, {USES: "no"}) == {USES: "no"}


def test_answer_to_a_question_not_asked_is_dropped(world):
    cleaned = services.clean_answers(world.survey, {USES: "no", QUALITY: "2", ELSE: "More respite"})
    assert cleaned == {USES: "no", ELSE: "More respite"}


def test_errors_name_each_wrong_question(world):
    with pytest.raises(ValidationError) as exc:
        services.clean_answers(world.survey, {USES: "sometimes", FIGHT: ["free_personal_care", "x"]})
    errors = exc.value.message_dict
    assert errors[USES] == ["'sometimes' is not one of the choices"]
    assert "x not among the choices" in errors[FIGHT][0]


def test_ranking_from_the_form_is_ordered_by_rank_and_checked(world):
    questions = selectors.survey_questions(world.survey)
    raw = services.answers_from_form(questions, form_data(**{USES: "no", RANK: {"pay": 2, "funding": 1}}))
    assert raw[RANK] == ["funding", "pay"]
    raw = services.answers_from_form(questions, form_data(**{USES: "no", RANK: {"pay": 1, "funding": 1}}))
    with pytest.raises(ValidationError) as exc:
        services.clean_answers(world.survey, raw)
    assert exc.value.message_dict[RANK] == ["Two choices have the same rank."]


def test_public_form_shows_the_error_beside_the_question_and_stores_nothing(client, world):
    response = client.post(f"/surveys/s/{world.survey.slug}/", form_data(**{USES: "yes_now"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="q_{QUALITY}-error"' in html and "An answer is required" in html
    assert not Response.objects.exists()
    # The form keeps what was given.
    assert 'value="yes_now" checked' in html


def test_conditional_question_carries_its_condition_for_the_page_script(client, world):
    html = client.get(f"/surveys/s/{world.survey.slug}/").content.decode()
    assert f'data-key="{QUALITY}" data-condition=' in html
    assert "<h2>About you</h2>" in html and "<h2>Priorities</h2>" in html
