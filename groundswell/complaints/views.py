"""Complaints pages: the form (members and the public), the parties' own page, handlers' cases, the reviewer's
access history, the backlog dashboard and the published statistics. Thin: rules in services, policy, selectors.

Every case page checks `policy` (which audits refusals) and records the view; a political office is refused
everywhere, including the pages with no case content.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from groundswell.accounts import access
from groundswell.accounts.models import User
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit, Person
from groundswell.web import attempt, error_dict, int_or_none

from . import policy, ratelimit, selectors, services
from .models import Case, Category, Conflict, Evidence, InterimSuspension, Outcome, PauseReason, Sanction, StageTarget


def _date(value: str, field: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: f"{value!r} is not a date (YYYY-MM-DD)."}) from None


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and policy.is_political(user):
        raise policy.refuse(request, user, None, "A political office has no access to complaints.")
    return render(
        request,
        "complaints/home.html",
        {"targets": StageTarget.objects.order_by("id"), "can_record_training": policy.can_record_training(user)},
    )


def lodge(request: HttpRequest) -> HttpResponse:
    """The complaint form. Signed-in members are the complainant; the public give a name and email; organisers with
    LOG_COMPLAINTS log one received by post, email or phone on someone's behalf."""
    user = request.user
    if user.is_authenticated and policy.is_political(user):
        raise policy.refuse(request, user, None, "A political office has no access to complaints.")
    can_log = user.is_authenticated and access.has_perm(user, access.Perm.LOG_COMPLAINTS)
    own_person = getattr(user, "person", None) if user.is_authenticated else None
    errors: dict[str, list[str]] = {}
    # Organisers logging letters and calls are not limited; everyone else is, per address and per email given.
    limited = ""
    if request.method == "POST" and not can_log:
        email = request.POST.get("complainant_email", "") if own_person is None else f"account:{user.pk}"
        limited = ratelimit.check(ratelimit.client_address(request), email)
        if limited:
            errors = {"__all__": [limited]}
    if request.method == "POST" and not limited:
        post = request.POST
        try:
            respondent = services.find_respondent(
                membership_number=post.get("respondent_number", ""),
                email=post.get("respondent_email", ""),
                person_id=int_or_none(post.get("respondent_id", "")) if can_log else None,
            )
            logging_for_someone = can_log and post.get("received_via", "web") != "web"
            complainant = None if logging_for_someone else own_person
            case = services.lodge_complaint(
                category=post.get("category", ""),
                summary=post.get("summary", ""),
                respondent=respondent,
                complainant=complainant,
                complainant_name=post.get("complainant_name", ""),
                complainant_email=post.get("complainant_email", ""),
                actor=user,
                received_via=post.get("received_via", "web") if can_log else "web",
                special_category=post.get("special_category") == "on",
                files=[(f.name, f.read(services.max_upload_bytes() + 1)) for f in request.FILES.getlist("evidence")],
                request=request,
            )
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            follow_url = ""
            if case.complainant_id is None:  # on the page, the address the complainant is using (the email's is fixed)
                follow_url = request.build_absolute_uri(
                    reverse("complaints:follow", args=[services.follow_token(case)])
                )
            return _private(
                render(
                    request,
                    "complaints/acknowledged.html",
                    {
                        "case": case,
                        "targets": StageTarget.objects.order_by("id"),
                        "timescales": services.timescales_text(),
                        "follow_url": follow_url,
                    },
                )
            )
    return render(
        request,
        "complaints/lodge.html",
        {
            "categories": Category.choices,
            "errors": errors,
            "form": request.POST,
            "own_person": own_person,
            "can_log": can_log,
            "channels": Case.Channel.choices,
        },
        status=429 if limited else 400 if errors else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in member's own cases (as complainant or respondent): status and dates. Anyone, a political office
    holder included, sees the cases they are a party to; the refusals elsewhere cover other people's."""
    person = getattr(request.user, "person", None)
    return render(request, "complaints/mine.html", {"cases": selectors.cases_of(person)})


@login_required
@require_POST
def mine_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk)
    person_id = request.user.person_id
    if not person_id or person_id not in (case.complainant_id, case.respondent_id):
        raise policy.refuse(request, request.user, case, "Not a party to this case.")
    attempt(request, lambda: services.lodge_appeal(case, grounds=request.POST.get("grounds", ""), actor=request.user,
                                                   request=request), "Your appeal has been lodged.")  # fmt: skip
    return redirect("complaints:mine")


@login_required
@require_POST
def mine_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The complainant adds evidence to their own open case (the service checks they are its complainant)."""
    case = get_object_or_404(Case, pk=pk)
    if not request.user.person_id or request.user.person_id != case.complainant_id:
        raise policy.refuse(request, request.user, case, "Not the complainant of this case.")
    attempt(request, lambda: _evidence(request, case), "Thank you: your evidence has been added to the case.")
    return redirect("complaints:mine")


def _followed(request: HttpRequest, token: str) -> Case:
    """The case a personal link opens; 404 for anything else (forged, altered, anonymised: no hint which)."""
    user = request.user
    if user.is_authenticated and policy.is_political(user):
        raise policy.refuse(request, user, None, "A political office has no access to complaints.")
    case = services.case_from_token(token)
    if case is None:
        raise Http404("No such page.")
    return case


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: keep it out of other sites' logs and out of shared caches. "same-origin", not
    # "no-referrer": with no-referrer browsers send "Origin: null" on the evidence form and the CSRF check fails.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def follow(request: HttpRequest, token: str) -> HttpResponse:
    """A public complainant's own page, reached by the personal link in their acknowledgement. Every view is audited."""
    case = _followed(request, token)
    record(AuditEntry.Action.VIEWED, request=request, obj=case, detail={"via": "complainant link"})
    return _private(render(request, "complaints/follow.html", selectors.followed_case(case) | {"token": token}))


@require_POST
def follow_evidence(request: HttpRequest, token: str) -> HttpResponse:
    case = _followed(request, token)

    def add() -> Any:
        upload = request.FILES.get("evidence")
        if upload is None:
            raise ValidationError({"evidence": "Choose a file to upload."})
        data = upload.read(services.max_upload_bytes() + 1)
        return services.add_evidence_by_link(case, name=upload.name, data=data, request=request)

    attempt(request, add, "Thank you: your evidence has been added to the case.")
    return _private(redirect("complaints:follow", token=token))


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    policy.require_any(request.user, policy.HANDLE, request)
    cases = (
        policy.handled_cases(request.user, allocatable=True)
        .filter(anonymised_at__isnull=True)
        .select_related("unit")
        .order_by("stage_due_on", "opened_at")
    )
    stage = request.GET.get("stage", "")
    if stage:
        cases = cases.filter(stage=stage)
    else:
        cases = cases.exclude(stage="closed")
    rows = list(cases[:200])
    record(AuditEntry.Action.SEARCHED, request=request, object_type="complaints.case", query=f"stage={stage}")
    return render(
        request,
        "complaints/case_list.html",
        {"cases": rows, "stage": stage, "stages": Case._meta.get_field("stage").choices},
    )


def _case(pk: int) -> Case:
    return get_object_or_404(Case.objects.select_related("unit", "respondent", "complainant", "handler__user"), pk=pk)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(pk)
    if policy.is_political(request.user):
        raise policy.refuse(request, request.user, case, "A political office has no access to complaints.")
    if policy.can_handle(request.user, case):
        how = "handler"
    elif case.special_category and policy.can_allocate(request.user, case) and case.handler_id is None:
        how = "allocator"
    else:
        how = policy.require_view(request.user, case, request)
    record(AuditEntry.Action.VIEWED, request=request, obj=case, detail={"as": how})
    context: dict[str, Any] = {"case": case, "how": how, "periods": case.periods.order_by("id")}
    if how == "handler":
        context |= {
            "events": case.events.select_related("actor").order_by("at", "id"),
            "evidence": case.evidence.order_by("uploaded_at"),
            "suspensions": case.suspensions.order_by("-imposed_at"),
            "notices": case.notices.order_by("sent_at"),
            "handlers": services.eligible_handlers(case),
            "pause_reasons": PauseReason.choices,
            "outcomes": [(Outcome.UPHELD, Outcome.UPHELD.label), (Outcome.NOT_UPHELD, Outcome.NOT_UPHELD.label)],
            "sanctions": Sanction.choices,
            "conflict_kinds": Conflict.Kind.choices,
        }
    elif how == "reviewer":
        context["events"] = case.events.filter(public=True).order_by("at", "id")
    return render(request, "complaints/case_detail.html", context)


def _assign(request: HttpRequest, case: Case) -> Any:
    chosen = int_or_none(request.POST.get("handler", ""))
    if chosen is None:
        return services.assign_by_rota(case, actor=request.user, request=request)
    user = User.objects.filter(pk=chosen).first()
    if user is None:
        raise ValidationError({"handler": "Choose a handler from the list."})
    return services.assign_handler(case, user, actor=request.user, request=request)


def _suspension(request: HttpRequest, case: Case) -> InterimSuspension:
    return get_object_or_404(InterimSuspension, pk=int_or_none(request.POST.get("suspension", "")) or 0, case=case)


def _evidence(request: HttpRequest, case: Case) -> Any:
    upload = request.FILES.get("evidence")
    if upload is None:
        raise ValidationError({"evidence": "Choose a file to upload."})
    data = upload.read(services.max_upload_bytes() + 1)
    return services.add_evidence(case, name=upload.name, data=data, actor=request.user, request=request)


ACTIONS: dict[str, tuple[Callable[[HttpRequest, Case], Any], str]] = {
    "assign": (_assign, "Handler assigned."),
    "triage": (
        lambda r, c: services.triage(c, decision=r.POST.get("decision", ""), reason=r.POST.get("reason", ""),
                                     actor=r.user, request=r),
        "Triage decision recorded.",
    ),
    "pause": (
        lambda r, c: services.pause_clock(c, reason=r.POST.get("reason", ""), note=r.POST.get("note", ""), actor=r.user,
                                          request=r),
        "Clock paused.",
    ),
    "resume": (lambda r, c: services.resume_clock(c, actor=r.user, request=r), "Clock resumed."),
    "suspend": (
        lambda r, c: services.impose_interim_suspension(c, reason=r.POST.get("reason", ""),
                                                        review_on=_date(r.POST.get("review_on", ""), "review_on"),
                                                        actor=r.user, request=r),
        "Interim suspension recorded.",
    ),
    "review": (
        lambda r, c: services.review_suspension(_suspension(r, c), lift=r.POST.get("lift") == "yes",
                                                reason=r.POST.get("reason", ""),
                                                next_review_on=_date(r.POST.get("next_review_on", ""),
                                                                     "next_review_on"),
                                                actor=r.user, request=r),
        "Suspension reviewed.",
    ),
    "investigated": (
        lambda r, c: services.complete_investigation(c, hearing_required=r.POST.get("hearing_required") == "on",
                                                     note=r.POST.get("note", ""), actor=r.user, request=r),
        "Investigation completed.",
    ),
    "hearing": (
        lambda r, c: services.record_hearing(c, held_on=_date(r.POST.get("held_on", ""), "held_on"),
                                             note=r.POST.get("note", ""), actor=r.user, request=r),
        "Hearing recorded.",
    ),
    "decide": (
        lambda r, c: services.decide(c, outcome=r.POST.get("outcome", ""), reason=r.POST.get("reason", ""),
                                     sanction=r.POST.get("sanction", ""), actor=r.user, request=r),
        "Decision recorded and the parties told.",
    ),
    "appeal": (
        lambda r, c: services.lodge_appeal(c, grounds=r.POST.get("grounds", ""), actor=r.user, request=r),
        "Appeal lodged.",
    ),
    "note": (lambda r, c: services.add_note(c, text=r.POST.get("note", ""), actor=r.user, request=r), "Note added."),
    "evidence": (_evidence, "Evidence added."),
    "special": (
        lambda r, c: services.set_special_category(c, flagged=r.POST.get("flagged") == "on", actor=r.user, request=r),
        "Special-category flag updated.",
    ),
}  # fmt: skip


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _case(pk)
    if action not in ACTIONS:
        raise PermissionDenied("Unknown action.")
    run, success = ACTIONS[action]
    if policy.is_political(request.user):
        raise policy.refuse(request, request.user, case, "A political office has no access to complaints.")
    if action != "assign":
        policy.require_handle(request.user, case, request)
    attempt(request, lambda: run(request, case), success)
    return redirect("complaints:case", pk=case.pk)


@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    case = _case(pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, case=case)
    policy.require_handle(request.user, case, request)
    record(AuditEntry.Action.VIEWED, request=request, obj=case, detail={"evidence": evidence.pk, "download": True})
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, as_attachment=True,
                            filename=evidence.original_name)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def access_history(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(pk)
    if policy.is_political(request.user) or not policy.can_review(request.user, case):
        raise policy.refuse(request, request.user, case, "Only the independent reviewer sees a case's access history.")
    record(AuditEntry.Action.VIEWED, request=request, obj=case, detail={"access_history": True})
    return render(request, "complaints/access_history.html", {"case": case, "entries": selectors.access_history(case)})


@login_required
def backlog(request: HttpRequest) -> HttpResponse:
    policy.require_any(request.user, access.Perm.VIEW_COMPLAINTS_BACKLOG, request)
    data = selectors.backlog(request.user)
    record(AuditEntry.Action.SEARCHED, request=request, object_type="complaints.case", query="backlog dashboard")
    return render(request, "complaints/backlog.html", {"b": data})


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Published to members (the leader's office too: no case is identifiable): anonymised counts, small numbers
    suppressed."""
    return render(request, "complaints/statistics.html", {"s": selectors.published_statistics()})


@login_required
def conflicts(request: HttpRequest) -> HttpResponse:
    """A handler's own declared conflicts, and the form to declare one."""
    policy.require_any(request.user, policy.HANDLE, request)
    handler = policy.handler_of(request.user)
    if handler is None:
        raise PermissionDenied("You are not in the handler pool.")
    if request.method == "POST":

        def declare() -> Conflict:
            target: dict[str, Any] = {}
            if ref := request.POST.get("case_reference", "").strip():
                target["case"] = Case.objects.filter(reference__iexact=ref).first()
                if target["case"] is None:
                    raise ValidationError({"case_reference": f"No case has the reference {ref!r}."})
            if person_id := int_or_none(request.POST.get("person_id", "")):
                target["person"] = Person.objects.filter(pk=person_id).first()
                if target["person"] is None:
                    raise ValidationError({"person_id": f"No person has the record number {person_id}."})
            if code := request.POST.get("unit_code", "").strip():
                target["unit"] = OrganisationUnit.objects.filter(code__iexact=code).first()
                if target["unit"] is None:
                    raise ValidationError({"unit_code": f"No unit has the code {code!r}."})
            kind, note = request.POST.get("kind", ""), request.POST.get("note", "")
            return services.declare_conflict(handler, kind=kind, note=note, actor=request.user, **target)

        attempt(request, declare, "Conflict declared; those cases are now hidden from you.")
        return redirect("complaints:conflicts")
    return render(
        request,
        "complaints/conflicts.html",
        {
            "handler": handler,
            "conflicts": handler.conflicts.select_related("case", "unit").order_by("-declared_at"),
            "kinds": Conflict.Kind.choices,
            "trained": policy.is_trained(handler),
        },  # fmt: skip
    )


@login_required
def training(request: HttpRequest) -> HttpResponse:
    """The independent reviewer at the top unit records handlers' training and refresher dates (the service audits
    each change and refuses anyone else)."""
    policy.require_record_training(request.user, request)
    if request.method == "POST":

        def save() -> Any:
            target = User.objects.filter(pk=int_or_none(request.POST.get("user", "")) or 0).first()
            if target is None:
                raise ValidationError({"user": "Choose a handler from the list."})
            return services.set_training(
                target,
                trained_on=_date(request.POST.get("trained_on", ""), "trained_on"),
                refresher_due_on=_date(request.POST.get("refresher_due_on", ""), "refresher_due_on"),
                actor=request.user,
                request=request,
            )

        attempt(request, save, "Training dates recorded.")
        return redirect("complaints:training")
    return render(request, "complaints/training.html", {"rows": selectors.training_register()})
