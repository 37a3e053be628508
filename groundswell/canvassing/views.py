"""Organiser pages: campaigns, the target builder, cutting walks, keyboard entry, dashboards, custom questions,
the review list and elector pages. Thin views."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts import access
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.geography.models import Constituency
from groundswell.questions import services as question_services
from groundswell.questions.models import Question
from groundswell.questions.support_codes import support_codes_for
from groundswell.register.matching import link_elector
from groundswell.register.models import Elector
from groundswell.web import int_or_none

from . import selectors, services, targets
from .models import CanvassCampaign, Contact, Target, Walk
from .walks.services import cut_walks


def _campaign_for(request: HttpRequest, pk: int) -> CanvassCampaign:
    campaign = get_object_or_404(CanvassCampaign.objects.select_related("unit", "constituency"), pk=pk)
    if not selectors.can_manage(request.user, campaign):
        raise PermissionDenied("You do not organise this campaign.")
    return campaign


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(selectors.campaigns_for(request.user))
    return render(
        request,
        "canvassing/campaign_list.html",
        {
            "campaigns": campaigns,
            "can_create": access.has_perm(request.user, access.Perm.MANAGE_CANVASS),
            "my_walks": selectors.assigned_walks(request.user),
        },
    )


def _parse_date(value: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a date") from None


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Perm.MANAGE_CANVASS)
    units = access.units_for(request.user, access.Perm.MANAGE_CANVASS).order_by("path")
    errors: list[str] = []
    if request.method == "POST":
        unit = units.filter(pk=request.POST.get("unit") or 0).first()
        constituency = Constituency.objects.filter(pk=request.POST.get("constituency") or 0).first()
        if unit is None:
            errors.append("Choose one of your units.")
        if constituency is None and unit is not None and unit.constituency_id:
            constituency = unit.constituency
        if constituency is None:
            errors.append("Choose a constituency.")
        name = request.POST.get("name", "").strip()
        if not name:
            errors.append("Give the campaign a name.")
        if not errors:
            try:
                campaign = services.create_campaign(
                    unit=unit,
                    constituency=constituency,
                    name=name,
                    starts_on=_parse_date(request.POST.get("starts_on", "")),
                    ends_on=_parse_date(request.POST.get("ends_on", "")),
                    actor=request.user,
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, "Campaign created.")
                return redirect("canvassing:campaign", pk=campaign.pk)
    return render(
        request,
        "canvassing/campaign_form.html",
        {"units": units, "constituencies": selectors.campaign_constituencies(), "errors": errors},
    )


def _filters_from(request: HttpRequest) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    raw: dict[str, Any] = {}
    for key in ("polling_districts", "voted_at", "did_not_vote_at"):
        if data.getlist(key):
            raw[key] = data.getlist(key)
    if data.getlist("support"):
        # "-" in the form means "no support recorded" (stored as "").
        raw["support"] = ["" if v == "-" else v for v in data.getlist("support")]
    for key in ("streets", "contacted_before", "markers", "exclude_markers"):
        if data.get(key):
            raw[key] = data[key]
    if data.get("never_contacted"):
        raw["never_contacted"] = True
    if data.get("postal_voter") in ("yes", "no"):
        raw["postal_voter"] = data["postal_voter"] == "yes"
    return targets.clean_filters(raw)


def _target_rows(campaign: CanvassCampaign) -> list[dict[str, Any]]:
    rows = []
    for t in campaign.targets.order_by("-created_at"):
        electors = targets.target_electors(t)
        rows.append({"target": t, "electors": electors.count(), "households": targets.households_of(electors).count()})
    return rows


@login_required
@ensure_csrf_cookie
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    record(AuditEntry.Action.VIEWED, request=request, obj=campaign, unit=campaign.unit)
    return render(
        request,
        "canvassing/campaign_detail.html",
        {
            "campaign": campaign,
            "running": services.is_running(campaign),
            "options": targets.filter_options(campaign),
            "codes": support_codes_for(campaign.unit).values(),
            "targets": _target_rows(campaign),
            "walks": campaign.walks.prefetch_related("assignments__user").order_by("name"),
            "review": Contact.objects.filter(campaign=campaign, needs_review=True)
            .select_related("elector")
            .order_by("-occurred_at")[:50],
        },
    )


@login_required
def target_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count under the target builder (htmx swaps this fragment as the form changes)."""
    campaign = _campaign_for(request, pk)
    try:
        electors = targets.filter_electors(campaign, _filters_from(request))
        context = {"electors": electors.count(), "households": targets.households_of(electors).count()}
    except ValidationError as exc:
        context = {"error": " ".join(exc.messages)}
    return render(request, "canvassing/_target_count.html", context)


@login_required
@require_POST
def target_save(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    if not request.POST.get("name", "").strip():
        messages.error(request, "Give the target a name.")
        return redirect("canvassing:campaign", pk=campaign.pk)
    try:
        target = targets.save_target(campaign, request.POST["name"], _filters_from(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        record(AuditEntry.Action.CREATED, request=request, obj=target, unit=campaign.unit, detail=target.filters)
        messages.success(request, f"Target “{target.name}” saved.")
    return redirect("canvassing:campaign", pk=campaign.pk)


@login_required
@require_POST
def target_cut(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    target = get_object_or_404(Target, pk=target_pk, campaign=campaign)
    try:
        size = max(10, min(300, int(request.POST.get("target_size") or 60)))
    except ValueError:
        size = 60
    households = targets.target_households(target)
    try:
        # Bounds scale with the chosen size so a small size (a short evening walk) is not refused.
        walks = cut_walks(
            campaign,
            households,
            target_size=size,
            min_size=max(1, size * 2 // 3),
            max_size=size * 4 // 3,
            target=target,
            actor=request.user,
        )
    except ValueError as exc:  # the engine's WalkError (e.g. doors already on another walk)
        messages.error(request, str(exc))
        return redirect("canvassing:campaign", pk=campaign.pk)
    record(
        AuditEntry.Action.CREATED,
        request=request,
        obj=target,
        unit=campaign.unit,
        detail={"cut_walks": [w.pk for w in walks]},
    )
    messages.success(request, f"Cut {len(walks)} walk(s).")
    return redirect("canvassing:campaign", pk=campaign.pk)


@login_required
def campaign_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    pd = request.GET.get("pd", "").strip()
    try:
        months = max(1, min(60, int(request.GET.get("months") or 6)))
    except ValueError:
        months = 6
    data = selectors.dashboard(campaign, polling_district=pd, months=months)
    record("viewed", request=request, obj=campaign, unit=campaign.unit, detail={"page": "dashboard", "pd": pd})
    return render(request, "canvassing/dashboard.html", {"campaign": campaign, "d": data, "pd": pd})


@login_required
@ensure_csrf_cookie
def paper_entry(request: HttpRequest, walk_pk: int) -> HttpResponse:
    """Keyboard entry of a paper canvass sheet for one walk (organisers, or the walk's own canvasser)."""
    walk = get_object_or_404(Walk.objects.select_related("campaign__unit"), pk=walk_pk)
    selectors.require_walk(request.user, walk)
    electors = [
        {"id": e.pk, "pd": e.polling_district, "n": e.number, "s": e.suffix, "name": e.full_name}
        for e in selectors.walk_electors(walk)
    ]
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=walk,
        unit=walk.campaign.unit,
        detail={"what": "paper entry page", "electors": len(electors)},
    )
    codes = [sc.code for sc in support_codes_for(walk.campaign.unit).values()]
    return render(
        request,
        "canvassing/paper_entry.html",
        {
            "walk": walk,
            "boot": {"walk": walk.pk, "pd": walk.polling_district, "electors": electors, "codes": codes},
        },
    )


# ---------------------------------------------------------------- custom survey questions


@login_required
@require_http_methods(["GET", "POST"])
def campaign_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's questions in order, and a form to add a custom one."""
    campaign = _campaign_for(request, pk)
    qset = campaign.question_set
    errors: list[str] = []
    if request.method == "POST":
        if qset is None:
            raise PermissionDenied("This campaign has no question set.")
        try:
            question = question_services.add_custom_question(
                qset,
                request.POST.get("text", ""),
                request.POST.get("kind", ""),
                choices=question_services.parse_choice_lines(request.POST.get("choices", "")),
                scale_min=int_or_none(request.POST.get("scale_min", "")),
                scale_max=int_or_none(request.POST.get("scale_max", "")),
                required=bool(request.POST.get("required")),
                condition_key=request.POST.get("condition_key", ""),
                condition_values=request.POST.get("condition_values", "").replace(",", "\n").splitlines(),
                support_codes=support_codes_for(campaign.unit),
                reserved_keys=selectors.stored_answer_keys(campaign),
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            record(
                AuditEntry.Action.CREATED,
                request=request,
                obj=question,
                unit=campaign.unit,
                detail={"campaign": campaign.pk, "key": question.key, "kind": question.kind},
            )
            messages.success(request, f"Question “{question.text}” added.")
            return redirect("canvassing:questions", pk=campaign.pk)
    questions = list(qset.questions.order_by("order", "id")) if qset is not None else []
    return render(
        request,
        "canvassing/questions.html",
        {
            "campaign": campaign,
            "questions": [(q, question_services.is_default_question(q)) for q in questions],
            "kinds": [(k, Question.Kind(k).label) for k in question_services.CUSTOM_KINDS],
            "condition_sources": [q for q in questions if q.kind in question_services.CONDITION_SOURCE_KINDS],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _campaign_question(request: HttpRequest, pk: int, question_pk: int) -> tuple[CanvassCampaign, Question]:
    campaign = _campaign_for(request, pk)
    question = get_object_or_404(Question, pk=question_pk, question_set_id=campaign.question_set_id or 0)
    return campaign, question


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    campaign, question = _campaign_question(request, pk, question_pk)
    key, question_id = question.key, question.pk
    try:
        question_services.remove_question(question)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        record(
            AuditEntry.Action.CHANGED,
            request=request,
            object_type="questions.question",
            object_id=question_id,
            object_label=f"question #{question_id}",
            unit=campaign.unit,
            detail={"campaign": campaign.pk, "key": key, "removed": True},
        )
        messages.success(request, "Question removed; answers already given to it are kept.")
    return redirect("canvassing:questions", pk=campaign.pk)


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    campaign, question = _campaign_question(request, pk, question_pk)
    direction = request.POST.get("direction", "")
    try:
        question_services.move_question(question, direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        record(
            AuditEntry.Action.CHANGED,
            request=request,
            obj=question,
            unit=campaign.unit,
            detail={"campaign": campaign.pk, "key": question.key, "moved": direction},
        )
    return redirect("canvassing:questions", pk=campaign.pk)


# ---------------------------------------------------------------- review: moved, deceased, wrong address


@login_required
@ensure_csrf_cookie
def campaign_review(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    contacts = list(selectors.review_contacts(campaign))
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        obj=campaign,
        unit=campaign.unit,
        detail={"page": "review", "contacts": len(contacts)},
    )
    return render(
        request,
        "canvassing/review.html",
        {
            "campaign": campaign,
            "contacts": contacts,
            # Every elector here is in the campaign's constituency, so one check covers the whole list.
            "can_open_electors": bool(contacts) and selectors.can_manage_elector(request.user, contacts[0].elector),
        },
    )


@login_required
@require_POST
def review_resolve(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    campaign = _campaign_for(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, campaign=campaign)
    if not contact.needs_review:
        messages.info(request, "That report was already resolved.")
        return redirect("canvassing:review", pk=campaign.pk)
    services.resolve_review(contact)
    record(
        AuditEntry.Action.CHANGED,
        request=request,
        obj=contact,
        unit=campaign.unit,
        detail={"campaign": campaign.pk, "review_resolved": contact.outcome, "elector": contact.elector_id},
    )
    messages.success(request, f"{contact.elector.elector_number}: marked as resolved.")
    return redirect("canvassing:review", pk=campaign.pk)


# ---------------------------------------------------------------- electors: register details, history, linking


def _elector_for(request: HttpRequest, pk: int) -> tuple[Elector, Any]:
    elector = get_object_or_404(Elector.objects.select_related("constituency", "household", "person__unit"), pk=pk)
    unit = selectors.elector_unit(request.user, elector)
    if unit is None:
        raise PermissionDenied("You do not organise canvassing in this elector's constituency.")
    return elector, unit


@login_required
@ensure_csrf_cookie
def elector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    elector, unit = _elector_for(request, pk)
    record(AuditEntry.Action.VIEWED, request=request, obj=elector, unit=unit)
    q = request.GET.get("q", "").strip()[:200]
    found = selectors.linkable_people(request.user, q)
    if q:
        record(
            AuditEntry.Action.SEARCHED,
            request=request,
            object_type="people.person",
            query=q,
            unit=unit,
            detail={"purpose": "link elector", "elector": elector.pk, "shown": len(found)},
        )
    person = elector.person
    codes = support_codes_for(unit)
    return render(
        request,
        "canvassing/elector.html",
        {
            "elector": elector,
            "turnout": elector.turnout.order_by("-election"),
            "contacts": selectors.elector_contacts(elector),
            "support": codes.get(elector.current_support),
            "person": person,
            "person_visible": person is not None
            and access.can_access_person(request.user, access.Perm.VIEW_PEOPLE, person),
            "can_search_people": access.has_perm(request.user, access.Perm.VIEW_PEOPLE),
            "q": q,
            "found": found,
        },
    )


@login_required
@require_POST
def elector_link(request: HttpRequest, pk: int) -> HttpResponse:
    elector, _unit = _elector_for(request, pk)
    person = selectors.linkable_person(request.user, request.POST.get("person"))
    if person is None:
        messages.error(request, "Choose a person from the search results.")
        return redirect("canvassing:elector", pk=elector.pk)
    link_elector(elector, person, actor=request.user)  # audited there ("linked")
    messages.success(request, "Elector linked to the person by hand; automatic matching will leave it alone.")
    return redirect("canvassing:elector", pk=elector.pk)


@login_required
@require_POST
def elector_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    elector, _unit = _elector_for(request, pk)
    if elector.person_id is None:
        messages.info(request, "This elector is not linked to anyone.")
        return redirect("canvassing:elector", pk=elector.pk)
    link_elector(elector, None, actor=request.user)  # audited there ("unlinked")
    messages.success(request, "Elector unlinked; automatic matching will not link it again.")
    return redirect("canvassing:elector", pk=elector.pk)
