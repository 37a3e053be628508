"""Reads: who runs which surveys, the results (counts per question, charts, cross-tabs), free-text answers and
identified responses.

Results are one GROUP BY over ResponseAnswer's covering index (survey, question_key, value, number), from which
counts, sums of positions, and "respondents" (the rows in first position: every multiple-choice or ranking
answer has exactly one) are folded in Python — so a results page is the same few queries at 10 or 100,000
responses, and the database reads index entries only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from groundswell.accounts import access
from groundswell.geography.models import Ward
from groundswell.geography.selectors import constituency_names
from groundswell.people.models import Membership
from groundswell.questions.models import Question

from .models import NOT_A_MEMBER, AnswerTag, Discussion, Invitation, Response, ResponseAnswer, Survey

PERM = access.Perm.MANAGE_SURVEYS
CHART_WIDTH = 300  # SVG user units: bars scale with the page (viewBox), labels sit above them
BAR_HEIGHT = 12
ROW_HEIGHT = 34

DIMENSIONS = {
    "constituency": ("constituency_code", "Constituency"),
    "ward": ("ward_code", "Ward"),
    "membership": ("membership_status", "Membership status"),
}
CROSSTAB_KINDS = (
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
    Question.Kind.YES_NO,
    Question.Kind.SCALE,
    Question.Kind.RANKING,
)


def can_manage(user: Any, survey: Survey) -> bool:
    return access.has_perm(user, PERM, survey.unit)


def can_host(user: Any, discussion: Discussion) -> bool:
    """The discussion's host enters its responses; so may anyone who runs the survey."""
    return (discussion.host_id == getattr(user, "pk", None) and bool(getattr(user, "is_active", False))) or (
        can_manage(user, discussion.survey)
    )


def surveys_for(user: Any) -> QuerySet[Survey]:
    return access.scope(Survey.objects.all(), user, PERM).select_related("unit")


def response_counts(survey_ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(survey_ids, 0)
    rows = Response.objects.filter(survey_id__in=survey_ids).values("survey_id").annotate(n=Count("*")).order_by()
    counts.update({r["survey_id"]: r["n"] for r in rows})
    return counts


def survey_questions(survey: Survey) -> list[Question]:
    """The survey's questions in order."""
    return list(survey.question_set.questions.all())


def answer_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


# ------------------------------------------------------------------------------------------ charts


@dataclass
class Bar:
    label: str
    count: int
    share: int  # whole per cent of the question's respondents
    note: str = ""
    y: int = 0
    width: float = 0.0


@dataclass
class QuestionResult:
    question: Question
    respondents: int
    bars: list[Bar] = field(default_factory=list)
    mean: float | None = None
    text_answers: int = 0
    chart_height: int = 0
    summary: str = ""


def _layout(bars: list[Bar]) -> int:
    top = max((b.count for b in bars), default=0) or 1
    for i, bar in enumerate(bars):
        bar.y = i * ROW_HEIGHT
        bar.width = round(CHART_WIDTH * 0.78 * bar.count / top, 1)
    return len(bars) * ROW_HEIGHT


def _pct(n: int, total: int) -> int:
    return round(100 * n / total) if total else 0


def _choice_labels(question: Question) -> list[tuple[str, str]]:
    if question.kind == Question.Kind.YES_NO:
        return [("yes", "Yes"), ("no", "No")]
    if question.kind in (Question.Kind.SCALE, Question.Kind.LIKELIHOOD):
        scale = question.scale or {"min": 0, "max": 10}
        return [(str(n), str(n)) for n in range(int(scale.get("min", 0)), int(scale.get("max", 10)) + 1)]
    return [(str(c["value"]), str(c.get("label", c["value"]))) for c in question.choices or []]


def _filtered_answers(survey: Survey, channel: str = "") -> QuerySet[ResponseAnswer]:
    qs = ResponseAnswer.objects.filter(survey=survey)
    if channel:
        qs = qs.filter(response__channel=channel)
    return qs


def results(survey: Survey, channel: str = "") -> dict[str, Any]:
    """Every question's counts (bars for the charts), respondents, means; totals by channel."""
    questions = survey_questions(survey)
    grouped: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    # Grouped by position too, so the database only counts along its index (no per-row CASE or SUM); the few
    # (value, position) groups are folded here: count, respondents (rows at position 1), sum of positions.
    rows = _filtered_answers(survey, channel).values_list("question_key", "value", "number").annotate(n=Count("*"))
    for key, value, number, n in rows.order_by():
        c = grouped[key].setdefault(value, {"n": 0, "firsts": 0, "total": 0})
        c["n"] += n
        c["firsts"] += n if number == 1 else 0
        c["total"] += (number or 0) * n
    by_channel = {
        r["channel"]: r["n"]
        for r in Response.objects.filter(survey=survey).values("channel").annotate(n=Count("*")).order_by()
    }
    total = sum(n for c, n in by_channel.items() if not channel or c == channel)
    return {
        "total": total,
        "by_channel": [(label, by_channel.get(value, 0)) for value, label in Response.Channel.choices],
        "questions": [_question_result(q, grouped.get(q.key, {})) for q in questions],
    }


def _question_result(question: Question, counts: dict[str, dict[str, int]]) -> QuestionResult:
    kind = question.kind
    if kind == Question.Kind.TEXT:
        n = sum(c["n"] for c in counts.values())
        return QuestionResult(question, n, text_answers=n, summary=f"{n} written answers")
    if kind in (Question.Kind.MULTIPLE, Question.Kind.RANKING):
        respondents = sum(c["firsts"] for c in counts.values())
    else:
        respondents = sum(c["n"] for c in counts.values())
    result = QuestionResult(question, respondents)
    labels = _choice_labels(question)
    known = {v for v, _ in labels}
    # Values no longer among the choices (kept from before an edit) still count, listed after the rest.
    labels += [(v, v) for v in sorted(counts) if v not in known]
    if kind == Question.Kind.RANKING:
        ranked = []
        for value, label in labels:
            c = counts.get(value, {"n": 0, "firsts": 0, "total": 0})
            mean = c["total"] / c["n"] if c["n"] else None
            note = f"first choice of {c['firsts']}; average place {mean:.1f}" if mean else "not ranked"
            ranked.append(
                (mean if mean is not None else 1e9, Bar(label, c["firsts"], _pct(c["firsts"], respondents), note))
            )
        result.bars = [b for _, b in sorted(ranked, key=lambda t: t[0])]
    else:
        result.bars = [
            Bar(label, counts.get(v, {}).get("n", 0), _pct(counts.get(v, {}).get("n", 0), respondents))
            for v, label in labels
        ]
    if kind in (Question.Kind.SCALE, Question.Kind.LIKELIHOOD) and respondents:
        result.mean = round(sum(c["total"] for c in counts.values()) / respondents, 2)
    result.chart_height = _layout(result.bars)
    top = max(result.bars, key=lambda b: b.count, default=None)
    result.summary = f"{respondents} answered" + (
        f"; most chose {top.label} ({top.share}%)" if top and top.count else ""
    )
    return result


# ------------------------------------------------------------------------------------------ cross-tabs


def crosstab_questions(survey: Survey) -> list[Question]:
    return [q for q in survey_questions(survey) if q.kind in CROSSTAB_KINDS]


def _dimension_labels(dimension: str, values: set[str]) -> dict[str, str]:
    if dimension == "ward":
        names = dict(Ward.objects.filter(code__in=values).values_list("code", "name"))
    elif dimension == "constituency":
        names = constituency_names(values)  # codes stored without their set: the current set's names first
    else:
        names = {str(k): str(v) for k, v in Membership.Status.choices} | {NOT_A_MEMBER: "Not a member"}
    return {v: names.get(v, v) if v else "Not known (public link or not linked to a person)" for v in values}


def crosstab(survey: Survey, question: Question, dimension: str, channel: str = "") -> dict[str, Any]:
    """Answers to `question` split by ward, constituency or membership status (the snapshot at the response).

    Cells are counts and the share of that row's respondents; a ranking is split by first choice.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    column, title = DIMENSIONS[dimension]
    qs = _filtered_answers(survey, channel).filter(question_key=question.key)
    if question.kind == Question.Kind.RANKING:
        qs = qs.filter(number=1)
    cells: dict[str, dict[str, int]] = defaultdict(dict)
    respondents: dict[str, int] = defaultdict(int)
    for group, value, number, n in (
        qs.values_list(f"response__{column}", "value", "number").annotate(n=Count("*")).order_by()
    ):
        cells[group][value] = cells[group].get(value, 0) + n
        if question.kind != Question.Kind.MULTIPLE or number == 1:
            respondents[group] += n
    labels = _dimension_labels(dimension, set(cells))
    columns = _choice_labels(question)
    rows = []
    for group in sorted(cells, key=lambda g: (g == "", labels[g])):
        n = respondents[group]
        rows.append(
            {
                "label": labels[group],
                "respondents": n,
                "cells": [{"n": cells[group].get(v, 0), "pct": _pct(cells[group].get(v, 0), n)} for v, _ in columns],
            }
        )
    return {"title": title, "question": question, "columns": [label for _, label in columns], "rows": rows}


# ------------------------------------------------------------------------------------------ free text


def text_questions(survey: Survey) -> list[Question]:
    return [q for q in survey_questions(survey) if q.kind == Question.Kind.TEXT]


def text_answers(survey: Survey, *, question_keys: list[str], search: str = "", tag: str = "", page: int = 1) -> Page:
    """Written answers to `question_keys`, newest first, 50 a page. By key, so the count and the page read the
    (survey, question_key, …) index range of the text questions, not every answer row of the survey."""
    qs = ResponseAnswer.objects.filter(survey=survey, question_key__in=question_keys).exclude(text="")
    if search:
        qs = qs.filter(text__icontains=search.strip())
    if tag:
        qs = qs.filter(tags__name=tag)
    qs = qs.select_related("response").prefetch_related("tags").order_by("-id")
    return Paginator(qs, 50).get_page(page)


def tag_counts(survey: Survey) -> list[tuple[str, int]]:
    rows = AnswerTag.objects.filter(survey=survey).values("name").annotate(n=Count("*")).order_by("-n", "name")
    return [(r["name"], r["n"]) for r in rows[:50]]


# ------------------------------------------------------------------------------------------ people


def identified_responses(survey: Survey, user: Any, limit: int = 200) -> tuple[list[Response], int]:
    """Responses linked to people the user may view (VIEW_PEOPLE over the person), newest first."""
    if survey.anonymous:
        return [], 0
    qs = Response.objects.filter(survey=survey, person__in=access.people_for(user, access.Perm.VIEW_PEOPLE))
    return list(qs.select_related("person", "discussion").order_by("-submitted_at", "-id")[:limit]), qs.count()


def invitation_summary(survey: Survey) -> dict[str, int]:
    counts = Invitation.objects.filter(survey=survey).aggregate(
        invited=Count("*"), responded=Count("pk", filter=Q(responded=True))
    )
    return {"invited": counts["invited"] or 0, "responded": counts["responded"] or 0}


def visible_invitations(survey: Survey, user: Any, limit: int = 200) -> tuple[list[Invitation], int]:
    qs = Invitation.objects.filter(survey=survey, person__in=access.people_for(user, access.Perm.VIEW_PEOPLE))
    return list(qs.select_related("person").order_by("pk")[:limit]), qs.count()


def event_surveys(event: Any, user: Any) -> list[dict[str, Any]]:
    """For an event's page: the surveys of the discussions held at it — the public link (for those who could not
    come) while the survey is open, and the entry form for whoever may host the discussion."""
    items = []
    for discussion in event.discussions.select_related("survey__unit"):
        survey = discussion.survey
        items.append(
            {
                "title": survey.title,
                "public_url": reverse("surveys:public", args=[survey.slug])
                if survey.public and survey.is_open()
                else "",
                "host_url": reverse("surveys:discussion", args=[discussion.pk]) if can_host(user, discussion) else "",
            }
        )
    return items
