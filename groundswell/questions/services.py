"""Question sets: the default canvass set, custom questions, and validating answers against a set.

Canvass, phonebank and survey code all validate through `validate_answers`, so a stored answer always
matches the question it answers (a choice that exists, a number on the scale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.people.models import OrganisationUnit

from .models import Question, QuestionSet

# Keys of the built-in canvass questions. Their answers are stored in Contact's own columns, not `answers`.
SUPPORT = "support"
LIKELIHOOD = "likelihood"
PREVIOUS_VOTE = "previous_vote"
ISSUES = "issues"
NOTES = "notes"
BUILT_IN_KEYS = (SUPPORT, LIKELIHOOD, PREVIOUS_VOTE, ISSUES, NOTES)

DEFAULT_ISSUES = [
    ("cost_of_living", "Cost of living"),
    ("nhs", "NHS and health"),
    ("housing", "Housing"),
    ("economy", "Economy and jobs"),
    ("immigration", "Immigration"),
    ("environment", "Environment and climate"),
    ("crime", "Crime and policing"),
    ("education", "Schools and education"),
    ("transport", "Transport"),
    ("local", "Local services"),
]

DEFAULT_PREVIOUS_VOTE = [
    ("lab", "Labour"),
    ("con", "Conservative"),
    ("ld", "Liberal Democrat"),
    ("grn", "Green"),
    ("ref", "Reform UK"),
    ("snp", "SNP"),
    ("pc", "Plaid Cymru"),
    ("oth", "Other"),
    ("dnv", "Did not vote"),
    ("wont_say", "Won't say"),
]


def _choices(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": v, "label": label} for v, label in pairs]


@transaction.atomic
def create_default_canvass_set(unit: OrganisationUnit, name: str = "Canvass") -> QuestionSet:
    """A new question set with the standard canvass questions (support, likelihood, previous vote, issues, notes).

    Each campaign gets its own copy so that adding a custom question to one campaign changes no other.
    """
    qs = QuestionSet.objects.create(unit=unit, name=name, purpose=QuestionSet.Purpose.CANVASS)
    Question.objects.bulk_create(
        [
            # The support question's choices are the unit's support codes, resolved when the set is used.
            Question(question_set=qs, key=SUPPORT, text="Who will you vote for?", kind=Question.Kind.SUPPORT, order=1),
            Question(
                question_set=qs,
                key=LIKELIHOOD,
                text="How likely are you to vote, 0 to 10?",
                kind=Question.Kind.LIKELIHOOD,
                scale={"min": 0, "max": 10},
                order=2,
            ),
            Question(
                question_set=qs,
                key=PREVIOUS_VOTE,
                text="How did you vote last time?",
                kind=Question.Kind.SINGLE,
                choices=_choices(DEFAULT_PREVIOUS_VOTE),
                order=3,
            ),
            Question(
                question_set=qs,
                key=ISSUES,
                text="What issues matter most to you?",
                kind=Question.Kind.MULTIPLE,
                choices=_choices(DEFAULT_ISSUES),
                order=4,
            ),
            Question(question_set=qs, key=NOTES, text="Notes", kind=Question.Kind.TEXT, order=5),
        ]
    )
    return qs


def add_question(
    question_set: QuestionSet,
    key: str,
    text: str,
    kind: str,
    *,
    choices: Iterable[tuple[str, str]] | Iterable[Mapping[str, str]] = (),
    scale: Mapping[str, int] | None = None,
    required: bool = False,
    section: str = "",
) -> Question:
    """Append a custom question to the end of a set."""
    if kind not in Question.Kind.values:
        raise ValidationError(f"Unknown question kind {kind!r}")
    if key in BUILT_IN_KEYS and question_set.questions.filter(key=key).exists():
        raise ValidationError(f"'{key}' is already a question in this set")
    normalised: list[dict[str, str]] = []
    for c in choices:
        if isinstance(c, Mapping):
            normalised.append({"value": str(c["value"]), "label": str(c.get("label", c["value"]))})
        else:
            value, label = c
            normalised.append({"value": str(value), "label": str(label)})
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.RANKING) and not normalised:
        raise ValidationError("A choice question needs choices")
    last = question_set.questions.order_by("-order").values_list("order", flat=True).first() or 0
    return Question.objects.create(
        question_set=question_set,
        key=key,
        text=text,
        kind=kind,
        choices=normalised,
        scale=dict(scale or ({"min": 0, "max": 10} if kind == Question.Kind.SCALE else {})),
        required=required,
        section=section,
        order=last + 1,
    )


def choice_values(question: Question) -> set[str]:
    return {str(c["value"]) for c in question.choices or []}


def _check_int(question: Question, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{question.key}: {value!r} is not a whole number") from None
    if isinstance(value, float) and value != number:
        raise ValidationError(f"{question.key}: {value!r} is not a whole number")
    if not low <= number <= high:
        raise ValidationError(f"{question.key}: {number} is outside {low}–{high}")
    return number


def validate_answer(question: Question, value: Any, support_codes: Iterable[str] = ()) -> Any:
    """The cleaned value of one answer, or ValidationError. Empty answers are returned as None."""
    if value is None or value == "" or value == []:
        if question.required:
            raise ValidationError(f"{question.key}: an answer is required")
        return None
    kind = question.kind
    if kind == Question.Kind.SUPPORT:
        if str(value) not in set(support_codes):
            raise ValidationError(f"{question.key}: unknown support code {value!r}")
        return str(value)
    if kind in (Question.Kind.LIKELIHOOD, Question.Kind.SCALE):
        scale = question.scale or {"min": 0, "max": 10}
        return _check_int(question, value, int(scale.get("min", 0)), int(scale.get("max", 10)))
    if kind == Question.Kind.SINGLE:
        if str(value) not in choice_values(question):
            raise ValidationError(f"{question.key}: {value!r} is not one of the choices")
        return str(value)
    if kind in (Question.Kind.MULTIPLE, Question.Kind.RANKING):
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValidationError(f"{question.key}: expected a list of choices")
        values = [str(v) for v in value]
        unknown = sorted(set(values) - choice_values(question))
        if unknown:
            raise ValidationError(f"{question.key}: {', '.join(unknown)} not among the choices")
        if len(set(values)) != len(values):
            raise ValidationError(f"{question.key}: a choice is repeated")
        return values
    if kind == Question.Kind.YES_NO:
        if value in (True, "yes", "y", "true"):
            return True
        if value in (False, "no", "n", "false"):
            return False
        raise ValidationError(f"{question.key}: expected yes or no")
    # Free text: bounded so that one sync item cannot carry a novel.
    text = str(value).strip()
    if len(text) > 2000:
        raise ValidationError(f"{question.key}: longer than 2000 characters")
    return text


def validate_answers(
    question_set: QuestionSet | None,
    answers: Mapping[str, Any],
    *,
    support_codes: Iterable[str] = (),
    skip: Iterable[str] = (),
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate every answer against the set; unknown keys are an error. Returns the cleaned, non-empty answers.

    `skip` names questions answered elsewhere (the built-in canvass columns), which are not required here;
    `context` gives their answers, so that conditions on them ({"question": "support", "in": [...]}) apply.
    A question whose condition does not hold was not asked: it is never required and must not be answered.
    """
    questions = {q.key: q for q in question_set.questions.all()} if question_set is not None else {}
    skipped = set(skip)
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ValidationError(f"Unknown question(s): {', '.join(unknown)}")
    codes = list(support_codes)
    cleaned: dict[str, Any] = {}
    known = {**(context or {}), **answers}
    for key, question in questions.items():
        if key in skipped:
            continue
        if not condition_holds(question, known):
            if answers.get(key) not in (None, "", []):
                raise ValidationError(f"{key}: not asked, given the earlier answers")
            continue
        value = validate_answer(question, answers.get(key), codes)
        if value is not None:
            cleaned[key] = value
    return cleaned


def condition_holds(question: Question, known: Mapping[str, Any]) -> bool:
    """Is `question` asked, given the answers so far? No condition: always."""
    cond = question.condition or {}
    if not cond.get("question") or not isinstance(cond.get("in"), list):
        return True
    value = known.get(cond["question"])
    values = value if isinstance(value, list | tuple) else [value]
    allowed = {str(v) for v in cond["in"]}
    return any(str(v) in allowed for v in values if v is not None)


def question_payload(question_set: QuestionSet | None) -> list[dict[str, Any]]:
    """The set as plain data, for the offline doorstep app."""
    if question_set is None:
        return []
    return [
        {
            "key": q.key,
            "text": q.text,
            "kind": q.kind,
            "choices": q.choices,
            "scale": q.scale,
            "required": q.required,
            "condition": q.condition,
        }
        for q in question_set.questions.all()
    ]
