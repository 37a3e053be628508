"""Question sets: the default canvass set, custom questions, and validating answers against a set.

Canvass, phonebank and survey code all validate through `validate_answers`, so a stored answer always
matches the question it answers (a choice that exists, a number on the scale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

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
    lenient: bool = False,
) -> dict[str, Any]:
    """Validate every answer against the set; unknown keys are an error. Returns the cleaned, non-empty answers.

    `lenient` is for answers recorded earlier against a copy of the set that has since changed (a phone that
    was offline while an organiser edited the questions): answers to questions since removed or re-conditioned
    are kept as given (bounded), and questions added since are not required. The result is never lost.

    `skip` names questions answered elsewhere (the built-in canvass columns), which are not required here;
    `context` gives their answers, so that conditions on them ({"question": "support", "in": [...]}) apply.
    A question whose condition does not hold was not asked: it is never required and must not be answered.
    """
    questions = {q.key: q for q in question_set.questions.all()} if question_set is not None else {}
    skipped = set(skip)
    unknown = sorted(set(answers) - set(questions))
    if unknown and not lenient:
        raise ValidationError(f"Unknown question(s): {', '.join(unknown)}")
    codes = list(support_codes)
    cleaned: dict[str, Any] = {key: _retired_answer(key, answers[key]) for key in unknown}
    known = {**(context or {}), **answers}
    for key, question in questions.items():
        if key in skipped:
            continue
        if not condition_holds(question, known):
            if answers.get(key) not in (None, "", []):
                if not lenient:
                    raise ValidationError(f"{key}: not asked, given the earlier answers")
                cleaned[key] = _retired_answer(key, answers[key])
            continue
        if lenient and question.required and answers.get(key) in (None, "", []):
            continue  # added (or made required) after this answer was recorded
        value = validate_answer(question, answers.get(key), codes)
        if value is not None:
            cleaned[key] = value
    return {k: v for k, v in cleaned.items() if v not in (None, "", [])}


def _retired_answer(key: str, value: Any) -> Any:
    """An answer to a question the set no longer asks, kept as recorded within the same bounds as free text."""
    if len(key) > 50:
        raise ValidationError(f"{key[:50]}…: not a question key")
    if isinstance(value, list):
        if len(value) > 20:
            raise ValidationError(f"{key}: too many values")
        return [str(v)[:200] for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value).strip()
    if len(text) > 2000:
        raise ValidationError(f"{key}: longer than 2000 characters")
    return text


def condition_holds(question: Question, known: Mapping[str, Any]) -> bool:
    """Is `question` asked, given the answers so far? No condition: always."""
    cond = question.condition or {}
    if not cond.get("question") or not isinstance(cond.get("in"), list):
        return True
    value = known.get(cond["question"])
    values = value if isinstance(value, list | tuple) else [value]
    allowed = {str(v) for v in cond["in"]}
    # Yes/no answers are stored as booleans but conditions name them "yes"/"no".
    return any(_answer_text(v) in allowed or str(v) in allowed for v in values if v is not None)


def _answer_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


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


# ---------------------------------------------------------------- organisers' custom questions
#
# Organisers may only add, remove and reorder custom questions; nothing here edits a question in place, so a
# stored answer always still means what it meant when it was given. Removing a question leaves the answers
# already stored under its key as they are, and `unique_key` never hands that key to a new question.

# Kinds an organiser can add (the doorstep app has a field for each). Support and likelihood are the
# built-in questions' own kinds; ranking has no doorstep field yet.
CUSTOM_KINDS = (
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
    Question.Kind.SCALE,
    Question.Kind.YES_NO,
    Question.Kind.TEXT,
)
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.RANKING)
# Surveys' web form can also take a ranking (a rank number per choice).
SURVEY_KINDS = (*CUSTOM_KINDS, Question.Kind.RANKING)
# Kinds whose answers a condition can test: a fixed set of values.
CONDITION_SOURCE_KINDS = (
    Question.Kind.SUPPORT,
    Question.Kind.LIKELIHOOD,
    Question.Kind.SCALE,
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
    Question.Kind.YES_NO,
)
END = "end"  # a branch target meaning "end the conversation", so never a key


def is_default_question(question: Question) -> bool:
    """The built-in canvass questions, whose answers live in Contact's own columns: never removed."""
    return question.key in BUILT_IN_KEYS


def _slug(text: str, max_length: int) -> str:
    return slugify(text).replace("-", "_")[:max_length].strip("_")


def unique_key(question_set: QuestionSet, text: str, reserved: Iterable[str] = ()) -> str:
    """A key made from `text` (slugified), not used by any question of the set nor in `reserved`.

    `reserved` should hold the keys found in answers already stored for the set, so that a question added
    after another was removed never inherits the removed question's answers.
    """
    taken = set(question_set.questions.values_list("key", flat=True)) | set(reserved) | set(BUILT_IN_KEYS) | {END}
    base = _slug(text, 40) or "question"
    key, n = base, 2
    while key in taken:
        key = f"{base}_{n}"
        n += 1
    return key


def parse_choice_lines(text: str) -> list[dict[str, str]]:
    """One choice per line → [{"value": slug, "label": line}]; blank lines are skipped, repeats refused."""
    choices: list[dict[str, str]] = []
    seen: set[str] = set()
    for raw in (text or "").splitlines():
        label = raw.strip()
        if not label:
            continue
        if len(label) > 200:
            raise ValidationError(f"The choice {label[:30]!r}… is longer than 200 characters")
        value = _slug(label, 50) or f"choice_{len(choices) + 1}"
        if value in seen:
            raise ValidationError(f"The choice {label!r} is given twice")
        seen.add(value)
        choices.append({"value": value, "label": label})
    return choices


def _condition_values(source: Question, values: Iterable[str], support_codes: Iterable[str]) -> list[Any]:
    """The values `source` can be answered with that `values` name (a choice's value or its label)."""
    wanted = [str(v).strip() for v in values if str(v).strip()]
    if not wanted:
        raise ValidationError(f"Say which answers to '{source.key}' show the question")
    kind = source.kind
    if kind == Question.Kind.SUPPORT:
        known = {c.upper(): c for c in support_codes}
    elif kind in (Question.Kind.LIKELIHOOD, Question.Kind.SCALE):
        scale = source.scale or {"min": 0, "max": 10}
        known = {str(n): str(n) for n in range(int(scale.get("min", 0)), int(scale.get("max", 10)) + 1)}
    elif kind == Question.Kind.YES_NO:
        known = {"YES": "yes", "Y": "yes", "NO": "no", "N": "no"}
    else:
        known = {}
        for c in source.choices or []:
            known[str(c["value"]).upper()] = str(c["value"])
            known[str(c.get("label", c["value"])).upper()] = str(c["value"])
    cleaned: list[Any] = []
    for v in wanted:
        match = known.get(v.upper())
        if match is None:
            raise ValidationError(f"'{v}' is not an answer to '{source.key}'")
        if match not in cleaned:
            cleaned.append(match)
    return cleaned


def build_condition(
    question_set: QuestionSet, key: str, values: Iterable[str], *, support_codes: Iterable[str] = ()
) -> dict[str, Any]:
    """{"question": key, "in": [...]} for a question appended to the set; {} when `key` is empty.

    The key must name a question already in the set (so an earlier one) whose answers are a fixed set.
    """
    key = (key or "").strip()
    if not key:
        return {}
    source = question_set.questions.filter(key=key).first()
    if source is None:
        raise ValidationError(f"The condition names '{key}', which is not an earlier question in this set")
    if source.kind not in CONDITION_SOURCE_KINDS:
        raise ValidationError(f"A condition cannot test '{key}' ({source.get_kind_display().lower()} answers)")
    return {"question": key, "in": _condition_values(source, values, support_codes)}


@transaction.atomic
def add_custom_question(
    question_set: QuestionSet,
    text: str,
    kind: str,
    *,
    choices: Iterable[Mapping[str, str]] = (),
    scale_min: int | None = None,
    scale_max: int | None = None,
    required: bool = False,
    condition_key: str = "",
    condition_values: Iterable[str] = (),
    support_codes: Iterable[str] = (),
    reserved_keys: Iterable[str] = (),
    section: str = "",
    kinds: Iterable[str] = CUSTOM_KINDS,
) -> Question:
    """Append an organiser's question, keyed from its text, optionally shown only after certain earlier answers.

    `kinds` widens the allowed kinds where the form can answer them (surveys add ranking); `section` heads a
    group of questions on a survey page.
    """
    # Serialise additions to one set so two organisers cannot both take the same key or order.
    QuestionSet.objects.select_for_update().filter(pk=question_set.pk).values_list("pk", flat=True).first()
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write the question")
    if len(text) > 500:
        raise ValidationError("The question is longer than 500 characters")
    if kind not in tuple(kinds):
        raise ValidationError(f"Choose one of the question kinds (not {kind!r})")
    section = (section or "").strip()
    if len(section) > 200:
        raise ValidationError("The section heading is longer than 200 characters")
    choices = list(choices)
    if kind in CHOICE_KINDS and len(choices) < 2:
        raise ValidationError("A choice question needs at least two choices, one per line")
    if kind not in CHOICE_KINDS and choices:
        raise ValidationError("Only single- and multiple-choice questions have choices")
    scale = None
    if kind == Question.Kind.SCALE:
        if scale_min is None or scale_max is None:
            raise ValidationError("A scale needs its lowest and highest numbers")
        if not scale_min < scale_max:
            raise ValidationError("A scale's lowest number must be below its highest")
        if scale_max - scale_min > 100:
            raise ValidationError("A scale can span at most 100")
        scale = {"min": int(scale_min), "max": int(scale_max)}
    condition = build_condition(question_set, condition_key, condition_values, support_codes=support_codes)
    question = add_question(
        question_set,
        unique_key(question_set, text, reserved_keys),
        text,
        kind,
        choices=choices,
        scale=scale,
        required=required,
        section=section,
    )
    if condition:
        question.condition = condition
        question.save(update_fields=["condition"])
    return question


def depends_on(question: Question) -> set[str]:
    """Keys `question` points at: the question its condition tests and its branch targets."""
    keys = {str(t) for t in (question.branches or {}).values() if t != END}
    if (question.condition or {}).get("question"):
        keys.add(str(question.condition["question"]))
    return keys


@transaction.atomic
def remove_question(question: Question) -> None:
    """Remove a custom question. Answers already stored under its key stay in the stored contacts."""
    if is_default_question(question):
        raise ValidationError(f"'{question.key}' is a default question and cannot be removed")
    others = question.question_set.questions.exclude(pk=question.pk)
    users = sorted(q.key for q in others if question.key in depends_on(q))
    if users:
        raise ValidationError(f"Remove {', '.join(users)} first: it depends on '{question.key}'")
    question.delete()


@transaction.atomic
def move_question(question: Question, direction: str) -> None:
    """Swap a custom question with its neighbour ("up" or "down"), keeping conditions after what they test."""
    if direction not in ("up", "down"):
        raise ValidationError(f"Unknown direction {direction!r}")
    if is_default_question(question):
        raise ValidationError(f"'{question.key}' is a default question and keeps its place")
    QuestionSet.objects.select_for_update().filter(pk=question.question_set_id).values_list("pk", flat=True).first()
    ordered = list(question.question_set.questions.order_by("order", "id"))
    i = next(n for n, q in enumerate(ordered) if q.pk == question.pk)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(ordered):
        raise ValidationError(f"'{question.key}' is already {'first' if direction == 'up' else 'last'}")
    earlier, later = (ordered[j], ordered[i]) if direction == "up" else (ordered[i], ordered[j])
    # After the swap `later` comes first: a condition must still test an earlier answer, and a branch
    # must still lead forward.
    if (later.condition or {}).get("question") == earlier.key:
        raise ValidationError(f"'{later.key}' is shown only after '{earlier.key}', so it must come after it")
    if later.key in {str(t) for t in (earlier.branches or {}).values()}:
        raise ValidationError(f"'{earlier.key}' leads on to '{later.key}', so it must come before it")
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, q in enumerate(ordered, start=1):
        q.order = n
    Question.objects.bulk_update(ordered, ["order"])


# ---------------------------------------------------------------- branching scripts (phonebank, surveys)


def branch_target(question: Question, value: Any) -> str | None:
    """Where this answer leads: a later question's key, 'end', or None (carry on in order)."""
    branches = question.branches or {}
    values = value if isinstance(value, list | tuple) else [value]
    for v in values:
        if v is not None and _answer_text(v) in branches:
            return str(branches[_answer_text(v)])
    return None


def asked_path(questions: list[Question], answers: Mapping[str, Any]) -> list[str]:
    """The keys of the questions actually asked, in order, following conditions and branches.

    An answer with a branch skips ahead to the named question (questions in between are not asked) or ends
    the conversation ('end'). A branch can only go forward, so the walk always ends.
    """
    ordered = list(questions)
    index = {q.key: i for i, q in enumerate(ordered)}
    path: list[str] = []
    i = 0
    while i < len(ordered):
        question = ordered[i]
        if not condition_holds(question, answers):
            i += 1
            continue
        path.append(question.key)
        target = branch_target(question, answers.get(question.key))
        if target == "end":
            break
        if target in index and index[target] > i:
            i = index[target]
        else:
            i += 1
    return path


def validate_script_answers(
    question_set: QuestionSet, answers: Mapping[str, Any], support_codes: Iterable[str] = ()
) -> dict[str, Any]:
    """Validate answers to a branching script: only questions on the path may be answered, and required ones on
    it must be."""
    questions = list(question_set.questions.all())
    path = set(asked_path(questions, answers))
    off_path = sorted(k for k, v in answers.items() if k not in path and v not in (None, "", []))
    known = {q.key for q in questions}
    if off_path and set(off_path) <= known:
        raise ValidationError(f"{', '.join(off_path)}: not asked, given the earlier answers")
    skip = [q.key for q in questions if q.key not in path]
    return validate_answers(question_set, answers, skip=skip, support_codes=support_codes)


def validate_branches(question_set: QuestionSet) -> None:
    """Every branch names a choice of its question and leads forward to a real question (or 'end')."""
    questions = list(question_set.questions.all())
    position = {q.key: i for i, q in enumerate(questions)}
    for i, q in enumerate(questions):
        for value, target in (q.branches or {}).items():
            if target != "end" and position.get(target, -1) <= i:
                raise ValidationError(
                    f"{q.key}: the answer '{value}' leads to '{target}', which is not a later question"
                )
