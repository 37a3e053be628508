"""Branching scripts: conditions and forward branches decide which questions are asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from groundswell.questions.models import Question, QuestionSet
from groundswell.questions.services import asked_path, condition_holds, validate_branches, validate_script_answers
from groundswell.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _set():
    qs = QuestionSet.objects.create(unit=UnitFactory(), name="Script", purpose=QuestionSet.Purpose.CALL)
    q1 = Question.objects.create(
        question_set=qs,
        key="vote",
        text="Vote for us?",
        kind=Question.Kind.SINGLE,
        order=1,
        required=True,
        branches={"no": "end", "maybe": "issue"},
        choices=[{"value": v, "label": v} for v in ("yes", "maybe", "no")],
    )
    q2 = Question.objects.create(
        question_set=qs, key="help", text="Help?", kind=Question.Kind.YES_NO, order=2, branches={"no": "end"}
    )
    q3 = Question.objects.create(
        question_set=qs,
        key="when",
        text="When?",
        kind=Question.Kind.TEXT,
        order=3,
        condition={"question": "help", "in": ["yes"]},
    )
    q4 = Question.objects.create(question_set=qs, key="issue", text="Main issue?", kind=Question.Kind.TEXT, order=4)
    return qs, [q1, q2, q3, q4]


def test_branches_skip_ahead_or_end():
    qs, questions = _set()
    assert asked_path(questions, {"vote": "no"}) == ["vote"]
    assert asked_path(questions, {"vote": "maybe"}) == ["vote", "issue"]
    assert asked_path(questions, {"vote": "yes", "help": "yes"}) == ["vote", "help", "when", "issue"]
    assert asked_path(questions, {"vote": "yes", "help": "no"}) == ["vote", "help"]


def test_stored_booleans_satisfy_yes_no_conditions_and_branches():
    qs, questions = _set()
    assert condition_holds(questions[2], {"help": True}) and not condition_holds(questions[2], {"help": False})
    assert asked_path(questions, {"vote": "yes", "help": False}) == ["vote", "help"]


def test_answers_off_the_path_are_refused_and_required_ones_on_it_demanded():
    qs, _ = _set()
    with pytest.raises(ValidationError, match="issue: not asked"):
        validate_script_answers(qs, {"vote": "no", "issue": "NHS"})
    with pytest.raises(ValidationError, match="vote: an answer is required"):
        validate_script_answers(qs, {"help": "no"})
    assert validate_script_answers(qs, {"vote": "maybe", "issue": "NHS"}) == {"vote": "maybe", "issue": "NHS"}


def test_a_branch_must_lead_forward_to_a_real_question():
    qs, questions = _set()
    questions[3].branches = {"x": "vote"}
    questions[3].save()
    with pytest.raises(ValidationError, match="not a later question"):
        validate_branches(qs)
