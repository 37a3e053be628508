"""The pages respondents see: the public link, a personal link (no login), and the thank-you page.

Abuse: public submissions are rate-limited per client address (ratelimit.py, a clear 429 page); every form
carries a honeypot field hidden by CSS — people never fill it, form-filling bots do — and such a submission is
thanked and thrown away, so the bot learns nothing. A personal link takes one response (services.submit_response).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from groundswell.questions.models import Question

from .. import ratelimit, selectors, services
from ..models import Invitation, Response, Survey

HONEYPOT = "website"  # a name bots like to fill


def _scale_values(question: Question) -> list[int]:
    scale = question.scale or {"min": 0, "max": 10}
    return list(range(int(scale.get("min", 0)), int(scale.get("max", 10)) + 1))


def question_blocks(
    questions: list[Question], data: Any = None, errors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The questions grouped into their sections, each with what the form needs to draw it (and re-draw it with
    the respondent's answers and the error beside the question after a failed submit)."""
    errors = errors or {}
    blocks: list[dict[str, Any]] = []
    for q in questions:
        if not blocks or (q.section and q.section != blocks[-1]["title"]):
            blocks.append({"title": q.section, "questions": []})
        name = services.field_name(q)
        item: dict[str, Any] = {
            "q": q,
            "name": name,
            "error": errors.get(q.key, ""),
            "condition": json.dumps(q.condition) if (q.condition or {}).get("question") else "",
            "value": (data.get(name, "") if data is not None else ""),
            "values": (data.getlist(name) if data is not None else []),
        }
        if q.kind in (Question.Kind.SCALE, Question.Kind.LIKELIHOOD):
            item["scale"] = [str(n) for n in _scale_values(q)]
        if q.kind == Question.Kind.RANKING:
            positions = [str(n) for n in range(1, len(q.choices or []) + 1)]
            item["ranks"] = [
                {
                    "choice": c,
                    "field": f"{name}__{c['value']}",
                    "given": data.get(f"{name}__{c['value']}", "") if data is not None else "",
                    "positions": positions,
                }
                for c in q.choices or []
            ]
        blocks[-1]["questions"].append(item)
    return blocks


def form_errors(errors: dict[str, str] | None) -> list[str]:
    """Errors not about one question (who the answers are for, nothing answered), shown above the questions."""
    return [errors[k] for k in ("person", "__all__") if errors and errors.get(k)]


def _form_page(
    request: HttpRequest, survey: Survey, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    questions = selectors.survey_questions(survey)
    return render(
        request,
        "surveys/respond.html",
        {
            "survey": survey,
            "blocks": question_blocks(questions, request.POST if errors else None, errors),
            "errors": errors or {},
            "form_errors": form_errors(errors),
            "honeypot": HONEYPOT,
        },
        status=status,
    )


def _closed(request: HttpRequest, survey: Survey) -> HttpResponse:
    return render(request, "surveys/closed.html", {"survey": survey})


def _submit(request: HttpRequest, survey: Survey, **how: Any) -> HttpResponse:
    if request.POST.get(HONEYPOT):
        return redirect("surveys:thanks", slug=survey.slug)  # a bot: thanked, nothing stored
    raw = services.answers_from_form(selectors.survey_questions(survey), request.POST)
    try:
        services.submit_response(survey, raw, **how)
    except services.SurveyClosed:
        return _closed(request, survey)
    except services.AlreadyResponded:
        return render(request, "surveys/already.html", {"survey": survey}, status=409)
    except ValidationError as exc:
        errors = {k: " ".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return _form_page(request, survey, errors=errors or {"__all__": " ".join(exc.messages)}, status=400)
    return redirect("surveys:thanks", slug=survey.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def public_survey(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("question_set"), slug=slug, public=True)
    if not survey.is_open():
        return _closed(request, survey)
    if request.method == "POST":
        if not ratelimit.allow("public", ratelimit.client_address(request)):
            limit, window = ratelimit.limits()
            return render(
                request,
                "surveys/rate_limited.html",
                {"survey": survey, "limit": limit, "minutes": window // 60},
                status=429,
            )
        return _submit(request, survey, channel=Response.Channel.PUBLIC)
    return _form_page(request, survey)


@never_cache
@require_http_methods(["GET", "POST"])
def personal_survey(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("survey__question_set", "person"), token=token)
    survey = invitation.survey
    if invitation.responded:
        return render(request, "surveys/already.html", {"survey": survey})
    if not survey.is_open():
        return _closed(request, survey)
    if request.method == "POST":
        return _submit(request, survey, channel=Response.Channel.PERSONAL, invitation=invitation)
    return _form_page(request, survey)


def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    return render(request, "surveys/thanks.html", {"survey": survey})
