"""Selection pages: the member's list and the transparency page (eligibility, timetable, panel, criteria, every
decision with its reason); the procedures secretary's pages; the panel's scoring; flags; the governing body's
statistics. Every page showing members' data is audited."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts.access import Perm, has_perm, units_for
from groundswell.events.services import lifecycle as event_lifecycle
from groundswell.people.models import Person
from groundswell.web import attempt, error_list

from . import eligibility, selectors, services, tasks
from .auditing import audit
from .models import Applicant, Challenge, Criterion, Hustings, JoinFlag, NominationMeeting, RuleSet, Selection

# Above this many members the list is drawn up by the task worker, not in the request (docs/benchmarks.md).
SNAPSHOT_IN_BACKGROUND_ABOVE = 2000


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person", None)


def _managed(request: HttpRequest, pk: int) -> Selection:
    selection = get_object_or_404(Selection.objects.select_related("unit"), pk=pk)
    if not services.can_manage(request.user, selection):
        raise PermissionDenied("You do not run this selection.")
    return selection


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: [f"Give the {field.replace('_', ' ')} as a date."]}) from None


def _when(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: ["Give a date and time."]}) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    mine = []
    for selection in selectors.selections_for_member(person, request.user):
        mine.append({"selection": selection, "entry": selectors.my_entry(selection, person)})
    return render(
        request,
        "selections/home.html",
        {
            "mine": mine,
            "managed": selectors.selections_to_manage(request.user),
            "can_create": units_for(request.user, Perm.MANAGE_SELECTIONS).exists(),
            "sees_statistics": has_perm(request.user, Perm.VIEW_SELECTION_STATISTICS),
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The transparency page: stages and dates, the panel, the criteria, every decision with its reason."""
    selection = get_object_or_404(Selection.objects.select_related("unit", "ballot"), pk=pk)
    person = _person(request)
    entry = selectors.my_entry(selection, person)
    manager = services.can_manage(request.user, selection)
    in_unit = person is not None and person.unit.is_within(selection.unit)
    on_panel = selection.panel.filter(user=request.user).exists()
    if not (manager or entry is not None or in_unit or on_panel):
        raise PermissionDenied("This page is for the members of the selection's unit.")
    full = manager or on_panel or (entry is not None and entry.eligible)
    snapshot = selectors.current_snapshot(selection)
    return render(
        request,
        "selections/detail.html",
        {
            "selection": selection,
            "entry": entry,
            "full": full,
            "manager": manager,
            "snapshot": snapshot,
            "versions": selection.snapshots.order_by("-version"),
            "timetable": selectors.timetable(selection),
            "decisions": selection.decisions.select_related("decided_by").order_by("-decided_at", "-pk")
            if full
            else [],
            "panel": selection.panel.all() if full else [],
            "criteria": selection.criteria.all(),
            "hustings": selectors.hustings_rows(selection) if full else [],
            "coming": selectors.is_coming(selection, person),
            "my_challenges": selection.challenges.filter(person=person) if person else [],
            "applied": selection.applicants.filter(person=person).first() if person else None,
            "result": selectors.ballot_result(selection),
            "on_panel": on_panel,
        },
    )


@login_required
@require_POST
def challenge(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection, pk=pk)
    attempt(
        request,
        lambda: services.lodge_challenge(request.user, selection, request.POST.get("statement", "")),
        "Your challenge is with the procedures secretary, who decides it with a reason.",
    )
    return redirect("selections:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        consent = post.get("diversity_consent") == "on"
        me = post.get("minority_ethnic", "")
        try:
            services.apply(
                request.user,
                selection,
                public_name=post.get("public_name", ""),
                union_member=post.get("union_member") == "on",
                union_name=post.get("union_name", ""),
                diversity_consent=consent,
                gender=post.get("gender", ""),
                minority_ethnic={"yes": True, "no": False}.get(me),
                anonymise_reasons=post.get("anonymise_reasons") == "on",
            )
        except ValidationError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, "Application received: your checks are shown below.")
            return redirect("selections:detail", pk=pk)
    return render(
        request,
        "selections/apply.html",
        {"selection": selection, "errors": errors, "post": request.POST, "genders": Applicant.Gender.choices},
    )


@login_required
@require_POST
def coming(request: HttpRequest, pk: int) -> HttpResponse:
    hustings = get_object_or_404(Hustings.objects.select_related("selection", "event"), pk=pk)
    services.say_coming(request.user, hustings)
    messages.success(request, "Thank you: you are down as coming to the hustings.")
    return redirect("selections:detail", pk=hustings.selection_id)


# ------------------------------------------------------------------------------------------ the secretary


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user, Perm.MANAGE_SELECTIONS)
    if not units.exists():
        raise PermissionDenied("You cannot run selections.")
    errors: list[str] = []
    rule_sets = RuleSet.objects.order_by("name")
    if request.method == "POST":
        post = request.POST
        try:
            timetable = {}
            for stage in Selection.Stage.values:
                starts, ends = post.get(f"{stage}_starts", ""), post.get(f"{stage}_ends", "")
                if starts or ends:
                    timetable[stage] = (_day(starts, f"{stage}_starts"), _day(ends or starts, f"{stage}_ends"))
            selection = services.create_selection(
                request.user,
                unit=units.get(pk=post.get("unit") or 0),
                kind=post.get("kind", ""),
                title=post.get("title", ""),
                freeze_date=_day(post.get("freeze_date", ""), "freeze_date"),
                rules=rule_sets.get(pk=post.get("rules") or 0),
                timetable=timetable,
                criteria=post.get("criteria", "").splitlines(),
            )
        except ValidationError as exc:
            errors = error_list(exc)
        except (units.model.DoesNotExist, RuleSet.DoesNotExist):
            errors = ["Choose a unit and a set of rules."]
        else:
            return redirect("selections:manage", pk=selection.pk)
    return render(
        request,
        "selections/create.html",
        {
            "units": units,
            "rule_sets": rule_sets,
            "kinds": Selection.Kind.choices,
            "stages": Selection.Stage.choices,
            "errors": errors,
            "post": request.POST,
        },
    )


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    applicants = list(selection.applicants.all())
    # Applicants' checks and members' challenges are personal data shown in bulk.
    audit("manage_viewed", request=request, obj=selection, detail={"applicants": len(applicants)})
    nominated = selectors.nomination_counts(selection)
    for a in applicants:
        a.nomination_count = nominated.get(a.pk, 0)
    longlist = [a for a in applicants if a.status in ("longlisted", "shortlisted", "not_shortlisted")]
    shortlist = [a for a in applicants if a.status == "shortlisted"]
    return render(
        request,
        "selections/manage.html",
        {
            "selection": selection,
            "snapshot": selectors.current_snapshot(selection),
            "challenges": selectors.open_challenges(selection),
            "applicants": applicants,
            "longlist": longlist,
            "balance_long": selectors.balance_summary(longlist),
            "balance_short": selectors.balance_summary(shortlist),
            "problems_long": services.balance_problems(selection, longlist),
            "problems_short": services.balance_problems(selection, shortlist),
            "meetings": selection.nomination_meetings.select_related("nominee"),
            "panel": selection.panel.prefetch_related("conflicts__applicant"),
            "totals": selectors.panel_totals(selection),
            "hustings": selectors.hustings_rows(selection),
            "open_flags": selection.flags.filter(decision=JoinFlag.Decision.OPEN).count(),
            "flag_count": selection.flags.count(),
            "body_kinds": NominationMeeting.BodyKind.choices,
            "categories": NominationMeeting.Category.choices,
            "branches": selection.unit.subtree().filter(kind="branch"),
        },
    )


@login_required
@require_POST
def snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    post = request.POST

    def take() -> None:
        freeze = _day(post["freeze_date"], "freeze_date") if post.get("freeze_date") else None
        reason = services.check_snapshot_request(
            request.user, selection, freeze_date=freeze, reason=post.get("reason", "")
        )
        members = len(eligibility.memberships_in(selection))
        if members > SNAPSHOT_IN_BACKGROUND_ABOVE:
            tasks.take_snapshot_task.enqueue(
                selection.pk, request.user.pk, freeze.isoformat() if freeze else "", reason
            )
            messages.success(
                request, f"The list of {members:,} members is being drawn up: it appears here in a few minutes."
            )
            return
        made = services.take_snapshot(request.user, selection, freeze_date=freeze, reason=reason)
        messages.success(request, f"Eligible list version {made.version}: {made.eligible_count} eligible.")

    attempt(request, take)
    return redirect("selections:manage", pk=pk)


@login_required
@require_POST
def decide_challenge(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Challenge.objects.select_related("selection__unit"), pk=pk)
    _managed(request, item.selection_id)
    attempt(
        request,
        lambda: services.decide_challenge(
            request.user, item, uphold=request.POST.get("uphold") == "yes", reason=request.POST.get("reason", "")
        ),
        "Challenge decided; the member sees the reason.",
    )
    return redirect("selections:manage", pk=item.selection_id)


@login_required
@require_POST
def decide_applicant(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_object_or_404(Applicant.objects.select_related("selection__unit"), pk=pk)
    _managed(request, applicant.selection_id)
    post = request.POST
    yes = post.get("outcome") == "yes"

    def action() -> None:
        decide = services.decide_shortlist if post.get("list") == "shortlist" else services.decide_longlist
        key = "shortlisted" if post.get("list") == "shortlist" else "longlisted"
        decide(request.user, applicant, reason=post.get("reason", ""), **{key: yes})

    attempt(request, action, f"Decision on {applicant.public_name} recorded and published with its reason.")
    return redirect("selections:manage", pk=applicant.selection_id)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    selection = _managed(request, pk)
    if which not in ("longlist", "shortlist"):
        raise PermissionDenied("Unknown list.")
    attempt(request, lambda: services.publish_list(request.user, selection, which), f"The {which} is published.")
    return redirect("selections:manage", pk=pk)


@login_required
@require_POST
def nomination(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    post = request.POST

    def record() -> None:
        nominee = selection.applicants.filter(pk=post.get("nominee") or 0).first()
        if nominee is None:
            raise ValidationError({"nominee": ["Choose the nominee."]})
        votes: dict[str, int] = {}
        for line in post.get("votes", "").splitlines():
            if not line.strip():
                continue
            name, _, count = line.rpartition(":")
            if not name.strip() or not count.strip().isdigit():
                raise ValidationError({"votes": [f"Write each line as 'Name: votes' ({line.strip()!r} is not)."]})
            votes[name.strip()] = int(count)
        branch = selection.unit.subtree().filter(pk=post.get("branch") or 0).first()
        services.record_nomination(
            request.user,
            selection,
            body_kind=post.get("body_kind", ""),
            body_name=post.get("body_name", "") or (branch.name if branch else ""),
            held_on=_day(post.get("held_on", ""), "held_on"),
            attendee_numbers=post.get("attendees", "").replace(",", "\n").splitlines(),
            votes=votes,
            nominee=nominee,
            category=post.get("category", "open"),
            branch=branch,
        )

    attempt(request, record, "Nomination recorded and published.")
    return redirect("selections:manage", pk=pk)


@login_required
@require_POST
def add_panel(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)

    def add() -> None:
        user = get_user_model().objects.filter(email__iexact=request.POST.get("email", "").strip()).first()
        if user is None:
            raise ValidationError({"email": ["No login has that email address."]})
        services.add_panel_member(
            request.user, selection, user, name=request.POST.get("name", ""), role=request.POST.get("role", "")
        )

    attempt(request, add, "Panel member added.")
    return redirect("selections:manage", pk=pk)


@login_required
@require_POST
def hustings(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    post = request.POST

    def make() -> None:
        starts = _when(post.get("starts_at", ""), "starts_at")
        services.create_hustings(
            request.user,
            selection,
            starts_at=starts,
            ends_at=starts + event_lifecycle.DEFAULT_LENGTH,
            venue_name=post.get("venue_name", ""),
            address=post.get("address", ""),
            postcode=post.get("postcode", ""),
        )

    attempt(request, make, "Hustings created; eligible members are being invited.")
    return redirect("selections:manage", pk=pk)


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Hustings.objects.select_related("selection__unit"), pk=pk)
    _managed(request, item.selection_id)
    sent: list[int] = []
    if attempt(request, lambda: sent.append(services.invite_to_hustings(request.user, item, reminder=True))):
        messages.success(request, f"Reminder queued to {sent[0]} eligible members who have not replied.")
    return redirect("selections:manage", pk=item.selection_id)


@login_required
@require_POST
def open_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    post = request.POST

    def make() -> None:
        officer = get_user_model().objects.filter(email__iexact=post.get("returning_officer", "").strip()).first()
        if officer is None:
            raise ValidationError({"returning_officer": ["No login has that email address."]})
        services.open_ballot(
            request.user,
            selection,
            opens_at=_when(post.get("opens_at", ""), "opens_at"),
            closes_at=_when(post.get("closes_at", ""), "closes_at"),
            returning_officer=officer,
        )

    attempt(
        request, make, "Ballot set up from the eligible list and the shortlist. Send the codes from the ballot page."
    )
    return redirect("selections:manage", pk=pk)


@login_required
def roll(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligible list with each member's reason (personal data: audited as a bulk view)."""
    selection = _managed(request, pk)
    snapshot = selectors.current_snapshot(selection)
    query = request.GET.get("q", "").strip()
    entries = selectors.entries_for_roll(snapshot, query)[:500] if snapshot else []
    audit(
        "roll_viewed", request=request, obj=selection, query=query, detail={"version": getattr(snapshot, "version", 0)}
    )
    return render(
        request, "selections/roll.html", {"selection": selection, "snapshot": snapshot, "entries": entries, "q": query}
    )


# ------------------------------------------------------------------------------------------ flags and statistics


@login_required
def flags(request: HttpRequest, pk: int) -> HttpResponse:
    selection = _managed(request, pk)
    listed = list(selectors.flags_for(request.user, selection))
    audit("flags_listed", request=request, obj=selection, detail={"count": len(listed)})
    return render(request, "selections/flags.html", {"selection": selection, "flags": listed})


@login_required
@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(JoinFlag.objects.select_related("selection__unit", "reviewed_by", "snapshot"), pk=pk)
    _managed(request, item.selection_id)
    if request.method == "POST":
        attempt(
            request,
            lambda: services.review_flag(
                request.user, item, decision=request.POST.get("decision", ""), reason=request.POST.get("reason", "")
            ),
            "Review recorded with your name and reason.",
        )
        return redirect("selections:flag", pk=pk)
    audit("flag_viewed", request=request, obj=item, unit=item.selection.unit)
    decisions = [c for c in JoinFlag.Decision.choices if c[0] != JoinFlag.Decision.OPEN]
    return render(
        request,
        "selections/flag.html",
        {"flag": item, "members": item.memberships.select_related("person"), "decisions": decisions},
    )


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Perm.VIEW_SELECTION_STATISTICS):
        raise PermissionDenied("The bulk-join statistics are for the governing body and procedures secretaries.")
    rows = selectors.flag_statistics(request.user)
    audit("statistics_viewed", request=request, object_type="selections.joinflag", detail={"selections": len(rows)})
    totals: dict[str, int] = {}
    for row in rows:
        for label, n in row["signals"]:
            totals[label] = totals.get(label, 0) + n
    top = max(totals.values(), default=0) or 1
    bars = [{"label": k, "n": n, "pct": round(100 * n / top)} for k, n in sorted(totals.items(), key=lambda kv: -kv[1])]
    return render(request, "selections/statistics.html", {"rows": rows, "bars": bars})


# ------------------------------------------------------------------------------------------ the panel


@login_required
@require_http_methods(["GET", "POST"])
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection.objects.select_related("unit"), pk=pk)
    member = selection.panel.filter(user=request.user).first()
    if member is None:
        raise PermissionDenied("Only the selection's panel scores applicants.")
    if request.method == "POST":
        post = request.POST
        applicant = get_object_or_404(Applicant, pk=post.get("applicant") or 0, selection=selection)
        if post.get("action") == "conflict":
            attempt(
                request,
                lambda: services.declare_conflict(request.user, member, applicant, post.get("nature", "")),
                "Conflict declared: you will not score this applicant.",
            )
        else:
            criterion = get_object_or_404(Criterion, pk=post.get("criterion") or 0, selection=selection)
            try:
                value = int(post.get("score", ""))
                services.score(request.user, applicant, criterion, value, post.get("note", ""))
            except ValueError:
                messages.error(request, "Give the score as a whole number.")
            except ValidationError as exc:
                messages.error(request, " ".join(error_list(exc)))
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Score saved.")
        return redirect("selections:panel", pk=pk)
    conflicted = set(member.conflicts.values_list("applicant_id", flat=True))
    mine = {(s.applicant_id, s.criterion_id): s.score for s in member.scores.all()}
    rows = [
        {
            "applicant": a,
            "conflicted": a.pk in conflicted,
            "scores": [{"criterion": c, "score": mine.get((a.pk, c.pk), "")} for c in selection.criteria.all()],
        }
        for a in selection.applicants.filter(eligible=True)
    ]
    return render(request, "selections/panel.html", {"selection": selection, "member": member, "rows": rows})
