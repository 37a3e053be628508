from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groundswell.questions.models import Question
from groundswell.questions.services import (
    add_question,
    create_default_canvass_set,
    question_payload,
    validate_answers,
)
from groundswell.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def qset(db):
    return create_default_canvass_set(UnitFactory())


def test_default_canvass_set(qset):
    keys = [q.key for q in qset.questions.all()]
    assert keys == ["support", "likelihood", "previous_vote", "issues", "notes"]
    likelihood = qset.questions.get(key="likelihood")
    assert likelihood.scale == {"min": 0, "max": 10}
    assert [q["key"] for q in question_payload(qset)] == keys


def test_custom_questions_validate(qset):
    add_question(
        qset, "housing_type", "Do you rent or own?", Question.Kind.SINGLE, choices=[("rent", "Rent"), ("own", "Own")]
    )
    add_question(qset, "rating", "Rate the council", Question.Kind.SCALE, scale={"min": 1, "max": 5})
    assert [q.key for q in qset.questions.all()][-2:] == ["housing_type", "rating"]
    cleaned = validate_answers(
        qset, {"housing_type": "rent", "rating": "4", "support": "L", "likelihood": 7}, support_codes=["L"]
    )
    assert cleaned == {"housing_type": "rent", "rating": 4, "support": "L", "likelihood": 7}
    with pytest.raises(ValidationError, match="not one of"):
        validate_answers(qset, {"housing_type": "squat"})
    with pytest.raises(ValidationError, match="outside"):
        validate_answers(qset, {"rating": 9})
    with pytest.raises(ValidationError, match="unknown support code"):
        validate_answers(qset, {"support": "Q"}, support_codes=["L"])
    with pytest.raises(ValidationError, match="Unknown question"):
        validate_answers(qset, {"shoe_size": 9})
    with pytest.raises(ValidationError, match="needs choices"):
        add_question(qset, "empty", "Pick", Question.Kind.MULTIPLE)
    with pytest.raises(ValidationError, match="already"):
        add_question(qset, "support", "Again?", Question.Kind.SUPPORT)


def test_conditional_question(qset):
    q = add_question(qset, "why_undecided", "What would decide it?", Question.Kind.TEXT, required=True)
    q.condition = {"question": "support", "in": ["U"]}
    q.save()
    # Asked (and required) only of the undecided.
    with pytest.raises(ValidationError, match="required"):
        validate_answers(qset, {}, skip=["support"], context={"support": "U"})
    assert validate_answers(qset, {}, skip=["support"], context={"support": "L"}) == {}
    with pytest.raises(ValidationError, match="not asked"):
        validate_answers(qset, {"why_undecided": "the NHS"}, skip=["support"], context={"support": "L"})
    assert validate_answers(qset, {"why_undecided": "the NHS"}, skip=["support"], context={"support": "U"}) == {
        "why_undecided": "the NHS"
    }
