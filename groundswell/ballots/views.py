"""Ballot pages: the member's list, voting with a code, the bulletin, the result; the officers' pages."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts.access import Perm, units_for
from groundswell.people.models import Membership, Person
from groundswell.web import attempt, error_list

from . import paper, selectors, services, triggers
from .models import Ballot, TriggerBallot


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person", None) if request.user.is_authenticated else None


def _officer_or_manager(request: HttpRequest, ballot: Ballot) -> None:
    if not (services.can_manage(request.user, ballot) or ballot.returning_officer_id == request.user.pk):
        raise PermissionDenied("You do not run this ballot.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    mine = [
        {"ballot": b, "voted": selectors.has_voted(b, person), "open": b.is_open(), "closed": b.is_closed()}
        for b in selectors.ballots_for_member(person)
    ]
    return render(
        request,
        "ballots/home.html",
        {
            "mine": mine,
            "managed": selectors.ballots_to_manage(request.user),
            "can_create": units_for(request.user, Perm.MANAGE_BALLOTS).exists(),
        },
    )


def _ranks_from(request: HttpRequest, ballot: Ballot) -> dict[str, str]:
    return {c.name: request.POST.get(f"rank-{c.pk}", "") for c in ballot.candidates.all()}


@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Vote with the one-time code from the message; no login needed (the code is the credential)."""
    ballot = get_object_or_404(Ballot, pk=pk)
    error, ranks = "", {}
    if request.method == "POST":
        ranks = _ranks_from(request, ballot)
        try:
            preferences = services.preferences_from_ranks(ballot, ranks)
            receipt = services.cast_vote(ballot, request.POST.get("code", ""), preferences, request=request)
        except services.VoteRefused as exc:
            error = str(exc)
            if exc.reason in {"empty", "bad_rank", "repeated", "skipped"}:  # refused before the service
                services.record_refusal(ballot, exc, request=request)
        else:
            return render(
                request, "ballots/receipt.html", {"ballot": ballot, "receipt": receipt, "preferences": preferences}
            )
    candidates = [{"c": c, "rank": ranks.get(c.name, "")} for c in ballot.candidates.all()]
    return render(
        request,
        "ballots/vote.html",
        {"ballot": ballot, "candidates": candidates, "error": error, "code": request.POST.get("code", "")},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lost_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A member who lost their voting code asks for a new one, sent to their own address on file."""
    ballot = get_object_or_404(Ballot, pk=pk)
    if request.method == "POST":
        sent: list[str] = []
        if attempt(request, lambda: sent.append(services.reissue_own_code(request.user, ballot))):
            where = "email" if sent[0] == "email" else "text message"
            messages.success(request, f"A new code is on its way by {where}. Your old code no longer works.")
            return redirect("ballots:vote", pk=pk)
        return redirect("ballots:lost_code", pk=pk)
    return render(request, "ballots/lost_code.html", {"ballot": ballot})


# No CSRF token: the request carries its own credential (the one-time code) and no session authority.
@csrf_exempt
@require_POST
def cast_json(request: HttpRequest, pk: int) -> JsonResponse:
    """POST {"code": "…", "preferences": ["first", "second", …]} → {"receipt": "…"}; refusals 400/409."""
    ballot = get_object_or_404(Ballot, pk=pk)
    try:
        body = json.loads(request.body or b"{}")
        code, preferences = str(body.get("code", "")), body.get("preferences")
        if not isinstance(preferences, list) or not all(isinstance(p, str) for p in preferences):
            raise ValueError
    except (ValueError, AttributeError):
        return JsonResponse({"error": 'Send JSON: {"code": "…", "preferences": ["…", …]}.'}, status=400)
    try:
        receipt = services.cast_vote(ballot, code, preferences, request=request)
    except services.VoteRefused as exc:
        return JsonResponse({"error": str(exc), "reason": exc.reason}, status=409 if exc.reason == "code_used" else 400)
    return JsonResponse({"receipt": receipt})


def bulletin(request: HttpRequest, pk: int) -> HttpResponse:
    """Public after close: every receipt with its preferences, so voters check theirs and anyone can recount."""
    ballot = get_object_or_404(Ballot, pk=pk)
    if request.GET.get("format") == "csv" and ballot.is_closed():
        response = HttpResponse(selectors.bulletin_csv(ballot), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-bulletin.csv"'
        return response
    wanted = services.normalise_code(request.GET.get("receipt", ""))
    rows = list(selectors.bulletin(ballot))
    found = next((r for r in rows if services.normalise_code(r.receipt) == wanted), None) if wanted else None
    return render(
        request,
        "ballots/bulletin.html",
        {"ballot": ballot, "rows": rows, "wanted": request.GET.get("receipt", ""), "found": found},
    )


def result(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    published = selectors.published_result(ballot)
    # A ballot made by another process links back to it by name (e.g. "selections:42" → the selection's page).
    process, _, ref = ballot.source.partition(":")
    back = reverse(f"{process}:detail", args=[int(ref)]) if process == "selections" and ref.isdigit() else ""
    return render(
        request,
        "ballots/result.html",
        {"ballot": ballot, "result": published, "chart": _chart(published), "back": back},
    )


def _chart(result: dict | None) -> list[dict]:
    """Round-by-round bars: each candidate's share of the largest tally, with the quota marked."""
    if not result or not result["rounds"]:
        return []
    top = max(max(r["tallies"].values() or [0]) for r in result["rounds"]) or 1
    top = max(top, result["quota"])
    return [
        {
            "round": r,
            "bars": [
                {
                    "name": n,
                    "votes": v,
                    "pct": round(100 * v / top, 1),
                    "elected": n in r["elected"],
                    "out": n == r["eliminated"],
                }
                for n, v in r["tallies"].items()
            ],
            "quota_pct": round(100 * result["quota"] / top, 1),
        }
        for r in result["rounds"]
    ]


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot.objects.select_related("unit", "returning_officer"), pk=pk)
    _officer_or_manager(request, ballot)
    return render(
        request,
        "ballots/manage.html",
        {
            "ballot": ballot,
            "turnout": selectors.turnout(ballot),
            "is_officer": ballot.returning_officer_id == request.user.pk,
            "can_manage": services.can_manage(request.user, ballot),
            "chart": _chart(ballot.result),
            "papers": paper.reconcile(ballot),
            "candidates": list(ballot.candidates.all()),
        },
    )


def _paper_preferences(request: HttpRequest, ballot: Ballot) -> list[str]:
    """The rank boxes of a paper as entered (the same checks as online: no repeats, no gaps)."""
    try:
        return services.preferences_from_ranks(ballot, _ranks_from(request, ballot))
    except services.VoteRefused as exc:
        raise ValidationError(f"Paper {request.POST.get('paper_number', '').strip()}: {exc}") from None


@login_required
@require_POST
def enter_paper(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    number = request.POST.get("paper_number", "")
    attempt(
        request,
        lambda: paper.enter_paper(request.user, ballot, number, _paper_preferences(request, ballot)),
        f"Paper {number.strip()} entered. The other teller enters it too.",
    )
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def issue_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a member (by membership number) as voting on paper, so they cannot also vote online."""
    ballot = get_object_or_404(Ballot, pk=pk)
    number = request.POST.get("membership_number", "").strip()

    def issue() -> None:
        person = Person.objects.filter(memberships__number=number).first()
        if person is None:
            raise ValidationError(f"No member has membership number {number!r}.")
        paper.issue_paper(request.user, ballot, person)

    attempt(request, issue, f"Member {number} marked as voting on paper.")
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def accept_papers(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    done: list[int] = []
    if attempt(request, lambda: done.append(paper.accept_agreed(request.user, ballot))):
        messages.success(request, f"{done[0]} agreed papers added to the count.")
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def resolve_paper(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    number = request.POST.get("paper_number", "")
    attempt(
        request,
        lambda: paper.resolve_mismatch(
            request.user, ballot, number, _paper_preferences(request, ballot), request.POST.get("reason", "")
        ),
        f"Paper {number} decided and added to the count.",
    )
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def send_codes(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    sent: dict = {}
    if attempt(request, lambda: sent.update(services.issue_codes(request.user, ballot))):
        messages.success(
            request, f"Codes sent: {sent['email']} by email, {sent['sms']} by text; {sent['unreachable']} unreachable."
        )
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def run_count(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    attempt(request, lambda: services.run_count(request.user, ballot), "Counted. Check the rounds, then certify.")
    return redirect("ballots:manage", pk=pk)


@login_required
@require_POST
def certify(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_object_or_404(Ballot, pk=pk)
    attempt(request, lambda: services.certify(request.user, ballot), "Certified: the result is published.")
    return redirect("ballots:manage", pk=pk)


def _when(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: ["Give a date and time."]}) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user, Perm.MANAGE_BALLOTS)
    if not units.exists():
        raise PermissionDenied("You cannot set up ballots.")
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        try:
            unit = units.get(pk=post.get("unit") or 0)
            officer = get_user_model().objects.filter(email__iexact=post.get("returning_officer", "").strip()).first()
            if officer is None:
                raise ValidationError({"returning_officer": ["No login has that email address."]})
            voters = Person.objects.filter(
                unit__path__startswith=unit.path, memberships__status=Membership.Status.ACTIVE
            ).distinct()
            ballot = services.create_ballot(
                request.user,
                unit=unit,
                title=post.get("title", "").strip(),
                method=post.get("method", ""),
                seats=int(post.get("seats") or 1),
                candidates=[line for line in post.get("candidates", "").splitlines() if line.strip()],
                opens_at=_when(post.get("opens_at", ""), "opens_at"),
                closes_at=_when(post.get("closes_at", ""), "closes_at"),
                returning_officer=officer,
                voters=voters,
            )
        except ValidationError as exc:
            errors = error_list(exc)
        except (ValueError, units.model.DoesNotExist):
            errors = ["Choose a unit and a whole number of seats."]
        else:
            return redirect("ballots:manage", pk=ballot.pk)
    return render(
        request,
        "ballots/create.html",
        {"units": units, "errors": errors, "post": request.POST, "methods": Ballot.Method.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def trigger_list(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user, Perm.MANAGE_BALLOTS)
    if not units.exists():
        raise PermissionDenied("You cannot run trigger ballots.")
    errors: list[str] = []
    if request.method == "POST":
        try:
            trigger = triggers.create_trigger(
                request.user,
                unit=units.get(pk=request.POST.get("unit") or 0),
                sitting_member=request.POST.get("sitting_member", ""),
                branches_eligible=int(request.POST.get("branches_eligible") or 0),
                affiliates_eligible=int(request.POST.get("affiliates_eligible") or 0),
            )
        except ValidationError as exc:
            errors = error_list(exc)
        except (ValueError, units.model.DoesNotExist):
            errors = ["Choose a unit and give whole numbers of branches and affiliates."]
        else:
            return redirect("ballots:trigger", pk=trigger.pk)
    listed = TriggerBallot.objects.filter(unit__in=units).select_related("unit", "rule").order_by("-created_at")
    return render(request, "ballots/triggers.html", {"units": units, "triggers": listed, "errors": errors})


@login_required
@require_http_methods(["GET", "POST"])
def trigger_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = get_object_or_404(TriggerBallot.objects.select_related("unit", "rule"), pk=pk)
    if not units_for(request.user, Perm.MANAGE_BALLOTS).filter(pk=trigger.unit_id).exists():
        raise PermissionDenied("You do not run this trigger ballot.")
    if request.method == "POST":
        post = request.POST

        def save() -> None:
            try:
                votes_for, votes_against = int(post.get("votes_for") or 0), int(post.get("votes_against") or 0)
            except ValueError:
                raise ValidationError("Votes must be whole numbers.") from None
            triggers.record_result(
                request.user,
                trigger,
                kind=post.get("kind", ""),
                name=post.get("name", "").strip(),
                votes_for=votes_for,
                votes_against=votes_against,
            )

        attempt(request, save, "Result recorded.")
        return redirect("ballots:trigger", pk=pk)
    return render(
        request,
        "ballots/trigger.html",
        {"trigger": trigger, "results": trigger.results.order_by("kind", "name"), "outcome": triggers.outcome(trigger)},
    )
