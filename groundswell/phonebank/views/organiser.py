"""Organisers' pages: campaigns and their settings, the call list build, the script builder and its preview,
sessions, the live dashboard and the audited export. Thin views: rules in campaigns.py, reads in selectors.py.

Every page checks Perm.MANAGE_PHONEBANK at the campaign's unit (a role there or above), so an organiser of a
sibling unit gets 403, not a 404 that would hide the rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.questions import services as question_services
from groundswell.questions.models import Question
from groundswell.questions.support_codes import support_codes_for
from groundswell.web import attempt, error_list, int_or_none

from .. import campaigns, rules, selectors
from ..forms import CampaignForm, SessionForm
from ..models import CallCampaign, PhonebankSession, Purpose

PERM = access.Perm.MANAGE_PHONEBANK


def _campaign_for(request: HttpRequest, pk: int) -> CallCampaign:
    campaign = get_object_or_404(CallCampaign.objects.select_related("unit", "question_set"), pk=pk)
    if not selectors.can_manage(request.user, campaign):
        raise PermissionDenied("You do not run phonebanks for this campaign's unit.")
    return campaign


def _units(request: HttpRequest) -> Any:
    return access.units_for(request.user, PERM).order_by("path")


def _top_units(units: Any) -> list[Any]:
    chosen: list[Any] = []
    for unit in units:
        if not any(unit.path.startswith(u.path) for u in chosen):
            chosen.append(unit)
    return chosen


# ------------------------------------------------------------------------------------------ campaigns


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, PERM)
    rows = list(selectors.campaigns_for(request.user))
    counts = selectors.campaign_counts([c.pk for c in rows])
    return render(
        request,
        "phonebank/organiser/campaign_list.html",
        {"campaigns": [(c, counts[c.pk]) for c in rows]},
    )


def _campaign_form_page(request: HttpRequest, campaign: CallCampaign | None) -> HttpResponse:
    units = _units(request)
    options = selectors.filter_options([campaign.unit] if campaign else _top_units(units))
    form = CampaignForm(
        request.POST if request.method == "POST" else None, units=units, options=options, campaign=campaign
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = campaigns.save_campaign(
                campaign, unit=form.cleaned_data["unit"], actor=request.user, **form.values()
            )
        except ValidationError as exc:
            form.add_errors(exc)
        else:
            messages.success(request, "Campaign saved." if campaign else "Campaign created: now write its script.")
            return redirect("phonebank:campaign", pk=saved.pk)
    return render(
        request,
        "phonebank/organiser/campaign_form.html",
        {"form": form, "campaign": campaign, "purpose_notes": {str(k): v for k, v in campaigns.PURPOSE_NOTES.items()}},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, PERM)
    return _campaign_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_form_page(request, _campaign_for(request, pk))


@login_required
@require_GET
def filter_count(request: HttpRequest) -> HttpResponse:
    """The live count under the target filter (htmx swaps this fragment as the form changes)."""
    access.require(request.user, PERM)
    unit = _units(request).filter(pk=request.GET.get("unit") or 0).first()
    if unit is None:
        return render(request, "phonebank/organiser/_filter_count.html", {"error": "Choose one of your units."})
    purpose = request.GET.get("purpose") if request.GET.get("purpose") in Purpose.values else Purpose.PROMOTION
    try:
        target_filter = campaigns.clean_target_filter(
            {k: request.GET.getlist(k) for k in ("tags", "membership", "support", "wards")}
        )
    except ValidationError as exc:
        return render(request, "phonebank/organiser/_filter_count.html", {"error": " ".join(error_list(exc))})
    probe = CallCampaign(unit=unit, purpose=purpose, target_filter=target_filter)
    return render(
        request,
        "phonebank/organiser/_filter_count.html",
        {**selectors.filter_preview(probe), "promotion": purpose == Purpose.PROMOTION},
    )


@login_required
@ensure_csrf_cookie
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    build_id = request.GET.get("build", "")
    return render(
        request,
        "phonebank/organiser/campaign_detail.html",
        {
            "campaign": campaign,
            "purpose_note": campaigns.PURPOSE_NOTES.get(campaign.purpose, ""),
            "hours": rules.describe_window(campaign),
            "priority": campaigns.PRIORITIES.get((campaign.target_filter or {}).get("priority", "none")),
            "preview": selectors.filter_preview(campaign),
            "left": selectors.remaining(campaign, timezone.now()),
            "build": campaigns.build_progress(campaign, build_id) if build_id else None,
            "sessions": campaign.sessions.all(),
            "session_form": SessionForm(),
            "questions": campaign.question_set.questions.count() if campaign.question_set_id else 0,
            "statuses": CallCampaign.Status,
        },
    )


@login_required
@require_POST
def campaign_status(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    if attempt(request, lambda: campaigns.set_status(campaign, request.POST.get("status", ""), request.user)):
        messages.success(request, f"The campaign is now {campaign.get_status_display().lower()}.")
    return redirect("phonebank:campaign", pk=campaign.pk)


@login_required
@require_POST
def build_list(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    result = campaigns.start_build(campaign, request.user)
    if result.is_finished:
        # The immediate backend (tests, a single-process set-up) ran it already.
        if result.status == "SUCCESSFUL":
            report = result.return_value
            messages.success(
                request,
                f"Call list built: {report['added']} added, {report['not_contactable']} "
                f"not contactable by phone, {report['already_listed']} already listed.",
            )
        else:
            messages.error(request, "Building the call list failed; see the server log.")
        return redirect("phonebank:campaign", pk=campaign.pk)
    return redirect(reverse("phonebank:campaign", args=[campaign.pk]) + f"?build={result.id}")


@login_required
@require_GET
def build_status(request: HttpRequest, pk: int, result_id: str) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    build = campaigns.build_progress(campaign, result_id)
    response = render(request, "phonebank/organiser/_build_progress.html", {"campaign": campaign, "build": build})
    if build and build["finished"] and request.headers.get("HX-Request"):
        # The list's counts elsewhere on the page are now stale: reload it once (the finished bar does not poll).
        response["HX-Refresh"] = "true"
    return response


# ------------------------------------------------------------------------------------------ the script


def _script_context(campaign: CallCampaign) -> dict[str, Any]:
    codes = list(support_codes_for(campaign.unit))
    questions = list(campaign.question_set.questions.all()) if campaign.question_set_id else []
    rows = []
    for i, q in enumerate(questions):
        rows.append(
            {
                "q": q,
                "answers": [
                    {"value": v, "label": label, "target": (q.branches or {}).get(v, "")}
                    for v, label in selectors.answer_values(q, codes)
                ],
                "later": questions[i + 1 :],
            }
        )
    has_support = any(q.key == question_services.SUPPORT for q in questions)
    kinds = [(k, Question.Kind(k).label) for k in question_services.CUSTOM_KINDS]
    if not has_support:
        kinds.append((Question.Kind.SUPPORT, "Party support code (voter ID)"))
    return {
        "campaign": campaign,
        "rows": rows,
        "kinds": kinds,
        "condition_sources": [q for q in questions if q.kind in question_services.CONDITION_SOURCE_KINDS],
    }


@login_required
@require_http_methods(["GET", "POST"])
def script(request: HttpRequest, pk: int) -> HttpResponse:
    """The script: its introduction, questions in order with their branches, and a form to add one."""
    campaign = _campaign_for(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            question = campaigns.add_script_question(
                campaign,
                text=request.POST.get("text", ""),
                kind=request.POST.get("kind", ""),
                choices_text=request.POST.get("choices", ""),
                scale_min=int_or_none(request.POST.get("scale_min", "")),
                scale_max=int_or_none(request.POST.get("scale_max", "")),
                required=bool(request.POST.get("required")),
                condition_key=request.POST.get("condition_key", ""),
                condition_values=request.POST.get("condition_values", "").replace(",", "\n").splitlines(),
                actor=request.user,
            )
        except ValidationError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, f"Question “{question.text}” added.")
            return redirect("phonebank:script", pk=campaign.pk)
    campaign.refresh_from_db(fields=["question_set"])
    return render(
        request,
        "phonebank/organiser/script.html",
        {**_script_context(campaign), "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def script_introduction(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    text = request.POST.get("introduction", "")
    attempt(request, lambda: campaigns.set_introduction(campaign, text, request.user), "Introduction saved.")
    return redirect("phonebank:script", pk=campaign.pk)


def _script_question(request: HttpRequest, pk: int, question_pk: int) -> tuple[CallCampaign, Question]:
    campaign = _campaign_for(request, pk)
    question = get_object_or_404(Question, pk=question_pk, question_set_id=campaign.question_set_id or 0)
    return campaign, question


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    campaign, question = _script_question(request, pk, question_pk)
    attempt(
        request,
        lambda: campaigns.remove_script_question(campaign, question, request.user),
        "Question removed; answers already given to it are kept.",
    )
    return redirect("phonebank:script", pk=campaign.pk)


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    campaign, question = _script_question(request, pk, question_pk)
    direction = request.POST.get("direction", "")
    attempt(request, lambda: campaigns.move_script_question(campaign, question, direction, request.user))
    return redirect("phonebank:script", pk=campaign.pk)


@login_required
@require_POST
def question_branches(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    campaign, question = _script_question(request, pk, question_pk)
    branches = {k[len("branch_") :]: v for k, v in request.POST.items() if k.startswith("branch_")}
    attempt(
        request,
        lambda: campaigns.set_branches(campaign, question, branches, request.user),
        f"Branches for “{question.text}” saved.",
    )
    return redirect(reverse("phonebank:script", args=[campaign.pk]) + f"#q-{question.pk}")


@login_required
@require_GET
def script_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the script as a caller would: one question at a time, following conditions and branches."""
    campaign = _campaign_for(request, pk)
    questions = list(campaign.question_set.questions.all()) if campaign.question_set_id else []
    walk = selectors.preview_walk(questions, request.GET, list(support_codes_for(campaign.unit)))
    return render(
        request,
        "phonebank/organiser/script_preview.html",
        {"campaign": campaign, "walk": walk, "introduction": campaign.question_set.introduction if questions else ""},
    )


# ------------------------------------------------------------------------------------------ sessions


@login_required
@require_POST
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = campaigns.create_session(campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(error_list(exc)))
        else:
            messages.success(request, "Session created: share its link with your callers.")
            return redirect("phonebank:session", pk=session.pk)
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("phonebank:campaign", pk=campaign.pk)


def _session_for(request: HttpRequest, pk: int) -> PhonebankSession:
    session = get_object_or_404(PhonebankSession.objects.select_related("campaign__unit"), pk=pk)
    if not selectors.can_manage(request.user, session.campaign):
        raise PermissionDenied("You do not run phonebanks for this session's unit.")
    return session


@login_required
@ensure_csrf_cookie
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request, pk)
    return render(
        request,
        "phonebank/organiser/session.html",
        {
            "session": session,
            "campaign": session.campaign,
            "join_url": request.build_absolute_uri(reverse("phonebank:join", args=[session.token])),
            "board": selectors.leaderboard(session, limit=20),
            "calls": selectors.session_calls(session),
            "callers": session.callers.count(),
        },
    )


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request, pk)
    campaigns.end_session(session, request.user)
    messages.success(request, "Session ended: its link no longer hands out calls.")
    return redirect("phonebank:session", pk=session.pk)


# ------------------------------------------------------------------------------------------ dashboard, export


def _dashboard_figures(campaign: CallCampaign) -> dict[str, Any]:
    # Several organisers watching one campaign share a figure set for a few seconds (per app process), so the
    # grouped counts run about once per refresh period however many screens are open.

    return cache.get_or_set(f"phonebank:dashboard:{campaign.pk}", lambda: selectors.dashboard(campaign), 5)


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    # The page lists callers by name in its quality flags: recorded once per page load, not per refresh.
    record("viewed", request=request, obj=campaign, object_label=f"call campaign #{campaign.pk} dashboard")
    return render(
        request, "phonebank/organiser/dashboard.html", {"campaign": campaign, "d": _dashboard_figures(campaign)}
    )


@login_required
@require_GET
def dashboard_live(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    return render(
        request, "phonebank/organiser/_dashboard_body.html", {"campaign": campaign, "d": _dashboard_figures(campaign)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The results as CSV, after the organiser says why (the reason goes in the audit log)."""
    campaign = _campaign_for(request, pk)
    error = ""
    if request.method == "POST":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="call-campaign-{campaign.pk}-results.csv"'
        try:
            campaigns.export_results_csv(campaign, response, actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            error = " ".join(error_list(exc))
        else:
            return response
    return render(
        request,
        "phonebank/organiser/export.html",
        {"campaign": campaign, "calls": campaign.attempts.count(), "error": error},
        status=400 if error else 200,
    )
