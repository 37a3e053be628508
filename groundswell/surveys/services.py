"""Writes: surveys and their questions, invitations (personal links), discussions, responses from every channel,
free-text tags, and the audited exports. Views, the demo and the bench all call these.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from groundswell.accounts.access import within_units
from groundswell.audit.services import record
from groundswell.people.exporting import spreadsheet_safe
from groundswell.people.models import Membership, OrganisationUnit, Person, TimelineEntry
from groundswell.people.services import add_timeline_entry
from groundswell.questions import services as question_services
from groundswell.questions.models import Question, QuestionSet

from .models import NOT_A_MEMBER, AnswerTag, Discussion, Invitation, Response, ResponseAnswer, Survey
from .selectors import answer_text, survey_questions

MAX_TAG_LENGTH = 50


class AlreadyResponded(ValidationError):
    """The personal link was used already: one response per token."""


class SurveyClosed(ValidationError):
    """The survey is not taking responses (draft, closed, or outside its dates)."""


# ------------------------------------------------------------------------------------------ surveys


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "survey"
    # A random tail: a survey's public link should not be guessable from its title before it is published.
    while True:
        slug = f"{base}-{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        if not Survey.objects.filter(slug=slug).exists():
            return slug


def _check_dates(opens_at: datetime.datetime | None, closes_at: datetime.datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError({"closes_at": "The survey must close after it opens."})


@transaction.atomic
def create_survey(
    *,
    unit: OrganisationUnit,
    title: str,
    actor: Any,
    intro: str = "",
    thank_you: str = "",
    anonymous: bool = False,
    public: bool = True,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
) -> Survey:
    """A draft survey with its own (empty) question set."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the survey a title."})
    _check_dates(opens_at, closes_at)
    question_set = QuestionSet.objects.create(
        unit=unit, name=title[:200], purpose=QuestionSet.Purpose.SURVEY, introduction=intro
    )
    survey = Survey.objects.create(
        unit=unit,
        question_set=question_set,
        title=title[:200],
        slug=_unique_slug(title),
        intro=intro,
        thank_you=thank_you or Survey._meta.get_field("thank_you").default,
        anonymous=anonymous,
        public=public,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record("created", actor=actor, obj=survey, unit=unit)
    return survey


SETTINGS_FIELDS = ("title", "intro", "thank_you", "public", "opens_at", "closes_at")


@transaction.atomic
def update_survey(survey: Survey, *, actor: Any, **fields: Any) -> Survey:
    """Change a survey's wording, dates and public link. Anonymity is fixed once responses exist: answers given
    under a promise of anonymity must stay anonymous, and identified ones cannot be un-linked retroactively."""
    unknown = set(fields) - set(SETTINGS_FIELDS) - {"anonymous"}
    if unknown:
        raise TypeError(f"Unknown survey fields: {', '.join(sorted(unknown))}")
    if "anonymous" in fields and bool(fields["anonymous"]) != survey.anonymous:
        if survey.responses.exists() or survey.invitations.filter(responded=True).exists():
            raise ValidationError({"anonymous": "Responses have been given: the survey's anonymity cannot change."})
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": "Give the survey a title."})
    _check_dates(fields.get("opens_at", survey.opens_at), fields.get("closes_at", survey.closes_at))
    for name, value in fields.items():
        setattr(survey, name, value.strip() if isinstance(value, str) else value)
    if not survey.thank_you:
        survey.thank_you = Survey._meta.get_field("thank_you").default
    survey.save()
    if "intro" in fields:
        QuestionSet.objects.filter(pk=survey.question_set_id).update(introduction=survey.intro)
    record("changed", actor=actor, obj=survey, detail={"fields": sorted(fields)})
    return survey


def set_status(survey: Survey, status: str, actor: Any) -> Survey:
    if status not in Survey.Status.values:
        raise ValidationError(f"Unknown status {status!r}")
    if status == Survey.Status.OPEN and not survey.question_set.questions.exists():
        raise ValidationError("Add at least one question before opening the survey.")
    survey.status = status
    survey.save(update_fields=["status"])
    record("changed", actor=actor, obj=survey, detail={"fields": ["status"], "status": status})
    return survey


def _answered_keys(survey: Survey) -> set[str]:
    return set(ResponseAnswer.objects.filter(survey=survey).values_list("question_key", flat=True).distinct())


def add_survey_question(
    survey: Survey,
    *,
    text: str,
    kind: str,
    actor: Any,
    choices_text: str = "",
    scale_min: int | None = None,
    scale_max: int | None = None,
    required: bool = False,
    condition_key: str = "",
    condition_values: Iterable[str] = (),
    section: str = "",
) -> Question:
    """Append a question (any survey kind, incl. ranking), optionally conditional and under a section heading."""
    question = question_services.add_custom_question(
        survey.question_set,
        text,
        kind,
        choices=question_services.parse_choice_lines(choices_text),
        scale_min=scale_min,
        scale_max=scale_max,
        required=required,
        condition_key=condition_key,
        condition_values=condition_values,
        reserved_keys=_answered_keys(survey),
        section=section,
        kinds=question_services.SURVEY_KINDS,
    )
    record("changed", actor=actor, obj=survey, detail={"fields": ["questions"], "added": question.key})
    return question


def remove_survey_question(survey: Survey, question: Question, actor: Any) -> None:
    question_services.remove_question(question)
    record("changed", actor=actor, obj=survey, detail={"fields": ["questions"], "removed": question.key})


def move_survey_question(survey: Survey, question: Question, direction: str, actor: Any) -> None:
    question_services.move_question(question, direction)
    record("changed", actor=actor, obj=survey, detail={"fields": ["questions"], "moved": question.key})


# ------------------------------------------------------------------------------------------ invitations


def invite_people(survey: Survey, people: QuerySet[Person], actor: Any) -> tuple[int, int]:
    """A personal link for each of `people` (live records in the survey's unit) who has none yet.

    Returns (invited now, already invited). The caller has narrowed `people` to those the actor may see.
    """
    live = (
        people.filter(within_units([survey.unit]), merged_into__isnull=True, erased_at__isnull=True)
        .order_by()
        .values_list("pk", flat=True)
    )
    wanted = set(live)
    existing = set(Invitation.objects.filter(survey=survey, person_id__in=wanted).values_list("person_id", flat=True))
    new = sorted(wanted - existing)
    by = actor if getattr(actor, "pk", None) else None
    # ignore_conflicts: two organisers inviting the same list at once each add only what is missing.
    Invitation.objects.bulk_create(
        [Invitation(survey=survey, person_id=pk, created_by=by) for pk in new], batch_size=2000, ignore_conflicts=True
    )
    if new:
        record("changed", actor=actor, obj=survey, detail={"fields": ["invitations"], "invited": len(new)})
    return len(new), len(existing)


def is_whole_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also passes '²' and other digits that int() refuses."""
    return text.isascii() and text.isdigit()


def parse_person_ids(text: str) -> list[int]:
    """Person ids from a pasted list (commas, spaces or lines); names the first thing that is not an id."""
    ids: list[int] = []
    for part in (text or "").replace(",", " ").split():
        if not is_whole_number(part):
            raise ValidationError({"ids": f"'{part[:20]}' is not a person id (whole numbers only)."})
        ids.append(int(part))
    return ids


# ------------------------------------------------------------------------------------------ answering


def field_name(question: Question) -> str:
    return f"q_{question.key}"


def answers_from_form(questions: list[Question], data: Mapping[str, Any]) -> dict[str, Any]:
    """Raw answers from a submitted survey form (a QueryDict or a plain dict of lists/strings).

    A ranking arrives as one rank number per choice (`q_key__choice`); it becomes the choices in rank order.
    """
    getlist = getattr(data, "getlist", lambda k: data.get(k) if isinstance(data.get(k), list) else [data.get(k)])
    raw: dict[str, Any] = {}
    for q in questions:
        name = field_name(q)
        if q.kind == Question.Kind.MULTIPLE:
            raw[q.key] = [v for v in getlist(name) if v]
        elif q.kind == Question.Kind.RANKING:
            raw[q.key] = _ranking_from_form(q, data)
        else:
            value = data.get(name)
            raw[q.key] = value.strip() if isinstance(value, str) else value
    return raw


def _ranking_from_form(question: Question, data: Mapping[str, Any]) -> list[str] | str:
    ranked: list[tuple[int, str]] = []
    for choice in question.choices or []:
        given = (data.get(f"{field_name(question)}__{choice['value']}") or "").strip()
        if not given:
            continue
        if not is_whole_number(given) or not 1 <= int(given) <= len(question.choices):
            return f"!rank {given!r} for {choice['label']!r} is not between 1 and {len(question.choices)}"
        ranked.append((int(given), str(choice["value"])))
    positions = [r for r, _ in ranked]
    if len(set(positions)) != len(positions):
        return "!two choices have the same rank"
    return [value for _, value in sorted(ranked)]


def clean_answers(survey: Survey, raw: Mapping[str, Any], questions: list[Question] | None = None) -> dict[str, Any]:
    """The cleaned answers on the path the respondent took (conditions and branches), or a ValidationError
    whose dict names each question that is wrong. Answers to questions not asked (hidden by a condition the
    earlier answers turned off) are dropped: the form hides them, but a browser without JS still sends them."""
    questions = questions if questions is not None else survey_questions(survey)
    by_key = {q.key: q for q in questions}
    unknown = sorted(set(raw) - set(by_key))
    if unknown:
        raise ValidationError({"__all__": f"Unknown question(s): {', '.join(unknown)}"})
    path = question_services.asked_path(questions, raw)
    errors: dict[str, str] = {}
    for key in path:
        value = raw.get(key)
        if isinstance(value, str) and value.startswith("!"):
            errors[key] = value[1:].capitalize() + "."
            continue
        if _has_nul(value):
            # PostgreSQL cannot store NUL in text or JSON; no person types one, so it is refused, not stripped.
            errors[key] = "Remove the invisible character (NUL) from this answer."
            continue
        try:
            question_services.validate_answer(by_key[key], value)
        except ValidationError as exc:
            errors[key] = _without_key(key, exc.messages[0])
    if errors:
        raise ValidationError(errors)
    on_path = {k: raw[k] for k in path if k in raw}
    skip = [k for k in by_key if k not in path]
    return question_services.validate_answers(survey.question_set, on_path, skip=skip)


def _has_nul(value: Any) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _without_key(key: str, message: str) -> str:
    text = message[len(key) + 2 :] if message.startswith(f"{key}: ") else message
    # A sentence of our own starts with a capital; one that starts with the respondent's value keeps it as typed.
    return text[:1].upper() + text[1:] if text.startswith(("an ", "expected ", "longer ")) else text


def _rows_for(question: Question | None, key: str, value: Any) -> list[dict[str, Any]]:
    kind = question.kind if question is not None else ""
    if kind in (Question.Kind.RANKING, Question.Kind.MULTIPLE):
        # The position: a ranking's place, a ticked choice's order. Each answer has exactly one row at 1, which
        # is how results count respondents without a DISTINCT.
        return [{"question_key": key, "value": str(v), "number": i} for i, v in enumerate(value, start=1)]
    if isinstance(value, list):
        return [{"question_key": key, "value": str(v)[:200]} for v in value]
    if isinstance(value, bool):
        return [{"question_key": key, "value": "yes" if value else "no"}]
    if isinstance(value, int):
        return [{"question_key": key, "value": str(value), "number": value}]
    if kind == Question.Kind.TEXT:
        return [{"question_key": key, "text": str(value)}]
    return [{"question_key": key, "value": str(value)[:200]}]


def answer_rows(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ResponseAnswer fields for one response's cleaned answers (also used by the bench's bulk insert)."""
    rows: list[dict[str, Any]] = []
    for key, value in answers.items():
        rows.extend(_rows_for(questions.get(key), key, value))
    return rows


def membership_status_of(person: Person) -> str:
    status = Membership.objects.filter(person=person).order_by("-joined_on", "-id").values_list("status", flat=True)
    return status.first() or NOT_A_MEMBER


def _start_of_day(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def submit_response(
    survey: Survey,
    raw_answers: Mapping[str, Any],
    *,
    channel: str,
    invitation: Invitation | None = None,
    discussion: Discussion | None = None,
    person: Person | None = None,
    actor: Any = None,
    now: datetime.datetime | None = None,
) -> Response:
    """Store one response from any channel, with its answer rows and (identified surveys) a timeline entry.

    Personal links: the invitation is claimed by a conditional UPDATE in the same transaction as the insert, so
    of two submits racing on one token exactly one stores anything; the other gets AlreadyResponded.
    Anonymous surveys: no person, no snapshot, the time rounded to the day (see models).
    """
    now = now or timezone.now()
    if channel not in Response.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    if not survey.is_open(now):
        raise SurveyClosed("This survey is not taking responses.")
    if (channel == Response.Channel.PERSONAL) != (invitation is not None):
        raise ValueError("A personal-link response needs its invitation, and only it")
    if (channel == Response.Channel.DISCUSSION) != (discussion is not None):
        raise ValueError("A discussion response needs its discussion, and only it")
    if invitation is not None:
        if invitation.survey_id != survey.pk:
            raise ValueError("The invitation is for another survey")
        person = invitation.person
    if discussion is not None and discussion.survey_id != survey.pk:
        raise ValueError("The discussion is for another survey")
    if person is not None and survey.anonymous and channel == Response.Channel.DISCUSSION:
        raise ValidationError({"person": "This survey is anonymous: answers cannot be linked to a person."})
    if person is not None and (person.merged_into_id or person.erased_at):
        raise ValidationError({"person": "That record was merged or erased; choose the current one."})
    questions = survey_questions(survey)
    cleaned = clean_answers(survey, raw_answers, questions)
    if not cleaned:
        raise ValidationError({"__all__": "Answer at least one question."})
    identified = person if not survey.anonymous else None
    with transaction.atomic():
        if invitation is not None:
            claimed = Invitation.objects.filter(pk=invitation.pk, responded=False).update(
                responded=True, responded_at=None if survey.anonymous else now
            )
            if not claimed:
                raise AlreadyResponded("This link has been used already: thank you, your answers are in.")
        response = Response.objects.create(
            survey=survey,
            person=identified,
            channel=channel,
            discussion=discussion,
            ward_code=identified.ward_code if identified else "",
            constituency_code=identified.constituency_code if identified else "",
            membership_status=membership_status_of(identified) if identified else "",
            answers=cleaned,
            submitted_at=_start_of_day(now) if survey.anonymous else now,
            entered_by=actor if getattr(actor, "pk", None) and channel == Response.Channel.DISCUSSION else None,
        )
        by_key = {q.key: q for q in questions}
        ResponseAnswer.objects.bulk_create(
            [ResponseAnswer(response=response, survey=survey, **row) for row in answer_rows(by_key, cleaned)]
        )
        if identified is not None:
            add_timeline_entry(
                identified,
                TimelineEntry.Kind.SURVEY,
                f"Answered the survey “{survey.title}”",
                data={"survey_id": survey.pk, "response_id": response.pk, "answers": cleaned},
                actor=actor,
                occurred_at=now,
            )
    return response


# ------------------------------------------------------------------------------------------ discussions


def create_discussion(
    survey: Survey,
    *,
    title: str,
    host: Any,
    actor: Any,
    held_at: datetime.datetime | None = None,
    place: str = "",
    notes: str = "",
    event: Any = None,
) -> Discussion:
    """A discussion whose host enters the room's answers. Given an `event` (held in the survey's unit or below),
    its title, time and venue are the defaults."""
    if event is not None:
        if not event.unit.is_within(survey.unit):
            raise ValidationError({"event": "Choose an event of the survey's unit or a unit below it."})
        title = title or event.title
        held_at = held_at or event.starts_at
        place = place or event.venue_name or ("Online" if event.is_online else "")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the discussion a title."})
    if host is None or not getattr(host, "pk", None):
        raise ValidationError({"host": "Choose who hosts the discussion (a Groundswell login)."})
    discussion = Discussion.objects.create(
        survey=survey,
        title=title[:200],
        host=host,
        held_at=held_at or timezone.now(),
        place=(place or "").strip()[:200],
        notes=notes or "",
        event=event,
    )
    record("created", actor=actor, obj=discussion, unit=survey.unit, detail={"survey": survey.pk})
    return discussion


# ------------------------------------------------------------------------------------------ free-text tags


def clean_tag(name: str) -> str:
    name = " ".join((name or "").split()).lower()
    if not name:
        raise ValidationError({"tag": "Write the tag."})
    if len(name) > MAX_TAG_LENGTH:
        raise ValidationError({"tag": f"A tag is at most {MAX_TAG_LENGTH} characters."})
    return name


def tag_answer(answer: ResponseAnswer, name: str, actor: Any) -> AnswerTag:
    tag, _ = AnswerTag.objects.get_or_create(
        answer=answer,
        name=clean_tag(name),
        defaults={"survey_id": answer.survey_id, "created_by": actor if getattr(actor, "pk", None) else None},
    )
    return tag


def untag_answer(answer: ResponseAnswer, name: str) -> None:
    AnswerTag.objects.filter(answer=answer, name=" ".join((name or "").split()).lower()).delete()


# ------------------------------------------------------------------------------------------ exports


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why you need this export (at least a few words)."})
    return reason


def export_responses_csv(survey: Survey, file: IO[str], *, actor: Any, reason: str, person_ids: Any = None) -> int:
    """One row per response: id, channel, when, discussion, cross-tab snapshot, one column per question.

    `person_ids`: a queryset of the people the exporter may view; their person_id is filled in, nobody else's
    (an organiser of one branch exporting a region's survey sees aggregates, not who said what). Audited.
    """
    reason = _require_reason(reason)
    questions = survey_questions(survey)
    keys = [q.key for q in questions]
    # Answers to questions since removed are kept in the record: their columns follow, in key order.
    retired = sorted(_answered_keys(survey) - set(keys))
    writer = csv.writer(file, lineterminator="\r\n")
    fixed = ["response_id", "channel", "submitted_at", "discussion", "person_id", "ward_code", "constituency_code"]
    writer.writerow([*fixed, "membership_status", *keys, *retired])
    visible: set[int] = set()
    if person_ids is not None and not survey.anonymous:
        visible = set(person_ids.filter(survey_responses__survey=survey).values_list("pk", flat=True))
    rows = (
        Response.objects.filter(survey=survey)
        .order_by("pk")
        .values_list(
            "pk", "channel", "submitted_at", "discussion__title", "person_id", "ward_code", "constituency_code",
            "membership_status", "answers",
        )
    )  # fmt: skip
    count = 0
    for pk, channel, at, discussion, person_id, ward, constituency, status, answers in rows.iterator(2000):
        answers = answers if isinstance(answers, dict) else {}
        cells = [
            pk,
            channel,
            at.isoformat(),
            discussion or "",
            person_id if person_id in visible else "",
            ward,
            constituency,
            status,
            *(answer_text(answers.get(k)) for k in [*keys, *retired]),
        ]
        writer.writerow([spreadsheet_safe(c) for c in cells])
        count += 1
    record(
        "exported",
        actor=actor,
        obj=survey,
        object_label=f"survey #{survey.pk} responses (CSV)",
        reason=reason,
        detail={"rows": count, "identified": len(visible)},
        unit=survey.unit,
    )
    return count


def export_invitation_links_csv(
    survey: Survey, file: IO[str], *, actor: Any, reason: str, people: QuerySet[Person], link_for: Any
) -> int:
    """The personal links of the invited people the exporter may view (for a mail merge elsewhere). Audited."""
    reason = _require_reason(reason)
    writer = csv.writer(file, lineterminator="\r\n")
    writer.writerow(["person_id", "given_name", "family_name", "email", "link", "responded"])
    invitations = (
        Invitation.objects.filter(survey=survey, person__in=people)
        .select_related("person")
        .prefetch_related("person__email_addresses")
        .order_by("pk")
    )
    count = 0
    for inv in invitations.iterator(chunk_size=1000):
        p = inv.person
        cells = [p.pk, p.given_name, p.family_name, p.primary_email, link_for(inv), "yes" if inv.responded else "no"]
        writer.writerow([spreadsheet_safe(c) for c in cells])
        count += 1
    record(
        "exported",
        actor=actor,
        obj=survey,
        object_label=f"survey #{survey.pk} personal links (CSV)",
        reason=reason,
        detail={"rows": count},
        unit=survey.unit,
    )
    return count
