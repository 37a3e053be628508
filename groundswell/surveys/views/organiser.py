"""Organisers' and hosts' pages: the survey builder, invitations, discussions, results, free text, exports.

Thin views: rules in services.py, reads in selectors.py. Every organiser page checks Perm.MANAGE_SURVEYS at
the survey's unit (403 for a sibling unit's organiser); a discussion's page also lets its named host in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.people.models import Membership, Person
from groundswell.questions import services as question_services
from groundswell.questions.models import Question
from groundswell.web import attempt, error_list, int_or_none

from .. import selectors, services
from ..forms import DiscussionForm, InviteForm, SurveyForm
from ..messaging import email_invitations, invitees_to_email
from ..models import NOT_A_MEMBER, Discussion, Invitation, Response, ResponseAnswer, Survey
from .public import form_errors, question_blocks

PERM = access.Perm.MANAGE_SURVEYS


def _survey_for(request: HttpRequest, pk: int) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("unit", "question_set"), pk=pk)
    if not selectors.can_manage(request.user, survey):
        raise PermissionDenied("You do not run surveys for this survey's unit.")
    return survey


def _units(request: HttpRequest) -> Any:
    return access.units_for(request.user, PERM).order_by("path")


def personal_link(request: HttpRequest, invitation: Invitation) -> str:
    return request.build_absolute_uri(reverse("surveys:personal", args=[invitation.token]))


# ------------------------------------------------------------------------------------------ surveys


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, PERM)
    surveys = list(selectors.surveys_for(request.user))
    counts = selectors.response_counts([s.pk for s in surveys])
    return render(request, "surveys/survey_list.html", {"surveys": [(s, counts[s.pk]) for s in surveys]})


def _settings_page(request: HttpRequest, survey: Survey | None) -> HttpResponse:
    form = SurveyForm(request.POST if request.method == "POST" else None, units=_units(request), survey=survey)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if survey is None:
                saved = services.create_survey(actor=request.user, **data)
            else:
                saved = services.update_survey(survey, actor=request.user, **data)
        except ValidationError as exc:
            form._add_errors(exc)
        else:
            messages.success(request, "Survey saved." if survey else "Survey created: now add its questions.")
            return redirect("surveys:detail", pk=saved.pk)
    return render(
        request, "surveys/survey_form.html", {"form": form, "survey": survey}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, PERM)
    return _settings_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_page(request, _survey_for(request, pk))


def _builder_context(survey: Survey) -> dict[str, Any]:
    questions = selectors.survey_questions(survey)
    return {
        "survey": survey,
        "questions": questions,
        "kinds": [(k, Question.Kind(k).label) for k in question_services.SURVEY_KINDS],
        "condition_sources": [q for q in questions if q.kind in question_services.CONDITION_SOURCE_KINDS],
        "last_section": questions[-1].section if questions else "",
        "statuses": Survey.Status,
        "discussions": survey.discussions.select_related("host"),
        "discussion_form": DiscussionForm(survey=survey),
        "invitations": selectors.invitation_summary(survey),
        "responses": Response.objects.filter(survey=survey).count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The builder: settings summary, questions in order (by section) and a form to add one; links and discussions."""
    survey = _survey_for(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            question = services.add_survey_question(
                survey,
                text=request.POST.get("text", ""),
                kind=request.POST.get("kind", ""),
                choices_text=request.POST.get("choices", ""),
                scale_min=int_or_none(request.POST.get("scale_min", "")),
                scale_max=int_or_none(request.POST.get("scale_max", "")),
                required=bool(request.POST.get("required")),
                condition_key=request.POST.get("condition_key", ""),
                condition_values=request.POST.get("condition_values", "").replace(",", "\n").splitlines(),
                section=request.POST.get("section", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, f"Question “{question.text}” added.")
            return redirect(reverse("surveys:detail", args=[survey.pk]) + "#add-question")
    public_url = request.build_absolute_uri(reverse("surveys:public", args=[survey.slug]))
    return render(
        request,
        "surveys/survey_detail.html",
        {**_builder_context(survey), "errors": errors, "public_url": public_url},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    status = request.POST.get("status", "")
    if attempt(request, lambda: services.set_status(survey, status, request.user)):
        messages.success(request, f"The survey is now {survey.get_status_display().lower()}.")
    return redirect("surveys:detail", pk=survey.pk)


def _survey_question(request: HttpRequest, pk: int, question_pk: int) -> tuple[Survey, Question]:
    survey = _survey_for(request, pk)
    return survey, get_object_or_404(Question, pk=question_pk, question_set_id=survey.question_set_id)


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey, question = _survey_question(request, pk, question_pk)
    attempt(
        request,
        lambda: services.remove_survey_question(survey, question, request.user),
        "Question removed; answers already given to it are kept.",
    )
    return redirect("surveys:detail", pk=survey.pk)


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey, question = _survey_question(request, pk, question_pk)
    direction = request.POST.get("direction", "")
    attempt(request, lambda: services.move_survey_question(survey, question, direction, request.user))
    return redirect("surveys:detail", pk=survey.pk)


# ------------------------------------------------------------------------------------------ invitations


def _invite_queryset(request: HttpRequest, survey: Survey, form: InviteForm) -> Any:
    people = access.people_for(request.user, access.Perm.VIEW_PEOPLE)
    ids = services.parse_person_ids(form.cleaned_data.get("ids") or "")
    if ids:
        found = people.filter(pk__in=ids)
        missing = sorted(set(ids) - set(found.values_list("pk", flat=True)))
        if missing:
            shown = ", ".join(str(i) for i in missing[:10])
            raise ValidationError({"ids": f"No person you can see has the id(s) {shown}."})
        return found
    unit = form.cleaned_data.get("unit") or survey.unit
    people = people.filter(access.within_units([unit]))
    if form.cleaned_data.get("tag"):
        people = people.filter(taggings__tag=form.cleaned_data["tag"])
    status = form.cleaned_data.get("membership")
    if status == NOT_A_MEMBER:
        people = people.exclude(Exists(Membership.objects.filter(person=OuterRef("pk"))))
    elif status:
        people = people.filter(memberships__status=status)
    return people.distinct()


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose people to invite; list the personal links of those the organiser may view (audited)."""
    survey = _survey_for(request, pk)
    units = _units(request).filter(access.within_units([survey.unit], "path"))
    form = InviteForm(request.POST if request.method == "POST" else None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            created, existing = services.invite_people(survey, _invite_queryset(request, survey, form), request.user)
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(request, f"{created} invited; {existing} already had a link.")
            return redirect("surveys:invitations", pk=survey.pk)
    rows, visible = selectors.visible_invitations(survey, request.user)
    if rows:
        # The page shows names beside working links: who saw which is in the audit log.
        record("viewed", request=request, obj=survey, object_label=f"survey #{survey.pk} personal links")
    return render(
        request,
        "surveys/invitations.html",
        {
            "survey": survey,
            "form": form,
            "rows": [(inv, personal_link(request, inv)) for inv in rows],
            "visible": visible,
            "summary": selectors.invitation_summary(survey),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitations_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    return _export_page(
        request,
        survey,
        filename=f"survey-{survey.pk}-links.csv",
        what="the personal links",
        write=lambda response, reason: services.export_invitation_links_csv(
            survey,
            response,
            actor=request.user,
            reason=reason,
            people=access.people_for(request.user, access.Perm.VIEW_PEOPLE),
            link_for=lambda inv: personal_link(request, inv),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitations_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email each invitee still to answer their own link, through messaging (consent and suppression apply)."""
    survey = _survey_for(request, pk)
    access.require(request.user, access.Perm.MANAGE_MESSAGING, survey.unit)
    errors: dict[str, str] = {}
    subject = request.POST.get("subject", f"Have your say: {survey.title}")
    body = request.POST.get(
        "body_text",
        "Dear {{ given_name }},\n\nWe want to hear from you: " + survey.title + "\n\n"
        "Your own link (no login needed; it works once): {{ survey_link }}\n\nThank you.",
    )
    if request.method == "POST":
        try:
            send = email_invitations(
                survey,
                subject=subject,
                body_text=body,
                actor=request.user,
                link_for=lambda i: personal_link(request, i),
            )
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            messages.success(request, "The links are being emailed.")
            return redirect("messaging:send", "email", send.pk)
    return render(
        request,
        "surveys/invitations_email.html",
        {
            "survey": survey,
            "subject": subject,
            "body": body,
            "errors": errors,
            "general": errors.get("__all__", ""),
            "emailable": invitees_to_email(survey).count(),
            "waiting": survey.invitations.filter(responded=False).count(),
        },
        status=400 if errors else 200,
    )


# ------------------------------------------------------------------------------------------ results


def _channel(request: HttpRequest) -> str:
    channel = request.GET.get("channel", "")
    return channel if channel in Response.Channel.values else ""


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts and a chart per question; an optional cross-tab by ward, constituency or membership status."""
    survey = _survey_for(request, pk)
    channel = _channel(request)
    crosstab = None
    candidates = selectors.crosstab_questions(survey)
    by_key = {q.key: q for q in candidates}
    chosen, dimension = request.GET.get("question", ""), request.GET.get("by", "")
    if chosen in by_key and dimension in selectors.DIMENSIONS:
        crosstab = selectors.crosstab(survey, by_key[chosen], dimension, channel)
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "r": selectors.results(survey, channel),
            "channel": channel,
            "channels": Response.Channel.choices,
            "crosstab": crosstab,
            "crosstab_questions": candidates,
            "dimensions": [(k, v[1]) for k, v in selectors.DIMENSIONS.items()],
            "chosen": chosen,
            "dimension": dimension,
        },
    )


@login_required
def text_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Free-text answers with search and tags. Shown without who wrote them (the text itself may say)."""
    survey = _survey_for(request, pk)
    questions = selectors.text_questions(survey)
    key = request.GET.get("question", "")
    key = key if key in {q.key for q in questions} else ""
    search, tag = request.GET.get("q", "")[:100], request.GET.get("tag", "")[:50]
    page = selectors.text_answers(
        survey,
        question_keys=[key] if key else [q.key for q in questions],
        search=search,
        tag=tag,
        page=int_or_none(request.GET.get("page", "")) or 1,
    )
    labels = {q.key: q.text for q in questions}
    for answer in page:
        answer.question_text = labels.get(answer.question_key, answer.question_key)
    # What people wrote is personal data (it may name them or others): a bulk view, audited with what was shown.
    record(
        "searched",
        request=request,
        obj=survey,
        object_label=f"survey #{survey.pk} written answers",
        query=urlencode({k: v for k, v in (("question", key), ("q", search), ("tag", tag)) if v}) or "(all)",
        detail={"page": page.number, "total": page.paginator.count, "answer_ids": [a.pk for a in page]},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "surveys/text_answers.html",
        {
            "survey": survey,
            "questions": questions,
            "page": page,
            "key": key,
            "search": search,
            "tag": tag,
            "tags": selectors.tag_counts(survey),
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
def answer_tag(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Add (or with remove=1, take off) a tag on one free-text answer. htmx swaps the answer's tag list."""
    survey = _survey_for(request, pk)
    answer = get_object_or_404(ResponseAnswer, pk=answer_pk, survey=survey)
    error = ""
    if request.POST.get("remove"):
        services.untag_answer(answer, request.POST.get("tag", ""))
    else:
        try:
            services.tag_answer(answer, request.POST.get("tag", ""), request.user)
        except ValidationError as exc:
            error = " ".join(error_list(exc))
    if request.htmx:
        return render(
            request,
            "surveys/_answer_tags.html",
            {"survey": survey, "a": answer, "error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    return redirect("surveys:text", pk=survey.pk)


def _export_page(
    request: HttpRequest, survey: Survey, *, filename: str, what: str, write: Callable[[Any, str], int]
) -> HttpResponse:
    error = ""
    if request.method == "POST":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        try:
            write(response, request.POST.get("reason", ""))
        except ValidationError as exc:
            error = " ".join(error_list(exc))
        else:
            return response
    return render(
        request,
        "surveys/export.html",
        {"survey": survey, "what": what, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every response as CSV, after the organiser says why (the reason goes in the audit log)."""
    survey = _survey_for(request, pk)
    return _export_page(
        request,
        survey,
        filename=f"survey-{survey.pk}-responses.csv",
        what="every response",
        write=lambda response, reason: services.export_responses_csv(
            survey,
            response,
            actor=request.user,
            reason=reason,
            person_ids=access.people_for(request.user, access.Perm.VIEW_PEOPLE),
        ),
    )


@login_required
def identified(request: HttpRequest, pk: int) -> HttpResponse:
    """Who answered what, for the people the user may view. Audited (it ties opinions to names)."""
    survey = _survey_for(request, pk)
    access.require(request.user, access.Perm.VIEW_PEOPLE)
    rows, count = selectors.identified_responses(survey, request.user)
    record("viewed", request=request, obj=survey, object_label=f"survey #{survey.pk} identified responses")
    questions = selectors.survey_questions(survey)
    return render(
        request,
        "surveys/identified.html",
        {
            "survey": survey,
            "questions": questions,
            "rows": [(r, [selectors.answer_text(r.answers.get(q.key)) for q in questions]) for r in rows],
            "count": count,
        },
    )


# ------------------------------------------------------------------------------------------ discussions


@login_required
@require_POST
def discussion_create(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    form = DiscussionForm(request.POST, survey=survey)
    if form.is_valid():
        data = dict(form.cleaned_data)
        host = data.pop("host_email") or request.user
        try:
            discussion = services.create_discussion(survey, host=host, actor=request.user, **data)
        except ValidationError as exc:
            messages.error(request, " ".join(error_list(exc)))
        else:
            messages.success(request, "Discussion added: its host enters the room's answers on its page.")
            return redirect("surveys:discussion", pk=discussion.pk)
    else:
        messages.error(request, " ".join(f"{form.fields[k].label or k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("surveys:detail", pk=survey.pk)


@login_required
@require_http_methods(["GET", "POST"])
def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    """The host's page: one form per participant; each submission is one response in the survey's results."""
    item = get_object_or_404(Discussion.objects.select_related("survey__unit", "survey__question_set", "host"), pk=pk)
    if not selectors.can_host(request.user, item):
        raise PermissionDenied("Only the discussion's host or the survey's organisers enter its responses.")
    survey = item.survey
    questions = selectors.survey_questions(survey)
    errors: dict[str, str] = {}
    if request.method == "POST":
        raw = services.answers_from_form(questions, request.POST)
        person = None
        person_id = (request.POST.get("person_id") or "").strip()
        try:
            if person_id and not survey.anonymous:
                person = _person_for_host(request, person_id)
            services.submit_response(
                survey, raw, channel=Response.Channel.DISCUSSION, discussion=item, person=person, actor=request.user
            )
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, "Saved. Next participant's answers:")
            return redirect("surveys:discussion", pk=item.pk)
    return render(
        request,
        "surveys/discussion.html",
        {
            "discussion": item,
            "survey": survey,
            "blocks": question_blocks(questions, request.POST if errors else None, errors),
            "errors": errors,
            "form_errors": form_errors(errors),
            "entered": item.responses.count(),
            "manages": selectors.can_manage(request.user, survey),
        },
        status=400 if errors else 200,
    )


def _person_for_host(request: HttpRequest, person_id: str) -> Person:
    if not services.is_whole_number(person_id):
        raise ValidationError({"person": "The person id is a whole number."})
    person = Person.objects.filter(pk=int(person_id)).select_related("unit").first()
    if person is None or not access.can_access_person(request.user, access.Perm.VIEW_PEOPLE, person):
        raise ValidationError({"person": f"No person you can see has the id {person_id}."})
    return person


def _field_errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}
