"""The organiser path: call campaigns (settings, target filter, priority order, building the call list, starting
and pausing calling), the script builder, phonebank sessions, and the audited results export.

The caller path (a volunteer on the phone: handing out calls, storing results, skipping) is services.py; this
module only sets a campaign up and reports on it, so the hot path never waits on anything here. Reads for both
are in selectors.py.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend, task
from django_tasks.exceptions import TaskResultDoesNotExist

from groundswell.accounts.models import User
from groundswell.audit.services import record
from groundswell.canvassing.models import Contact, DoorOutcome
from groundswell.people import selectors as people_selectors
from groundswell.people.exporting import spreadsheet_safe
from groundswell.people.models import Membership, OrganisationUnit, PhoneNumber, Suppression
from groundswell.questions import services as question_services
from groundswell.questions.models import Question, QuestionSet
from groundswell.questions.support_codes import our_codes, support_codes_for
from groundswell.register.models import Elector

from . import rules, selectors
from .models import CallCampaign, CallTarget, Outcome, PhonebankSession, Purpose

# ------------------------------------------------------------------------------------------ settings

# The conservative default from the UK rules notes (§5.2): no statutory hours for political calls exist, so
# organisers may narrow 09:00–21:00 but not widen it.
EARLIEST = datetime.time(9, 0)
LATEST = datetime.time(21, 0)

# Outcomes whose retry delay an organiser sets. The rest (completed, refused, wrong number…) are never retried.
RETRYABLE = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.CALL_BACK)
NEVER = "never"
REQUESTED = "requested"
MAX_RETRY_MINUTES = 14 * 24 * 60

PURPOSE_NOTES = {
    Purpose.PROMOTION: "Promoting the party or asking for votes or money is direct marketing: numbers on the "
    "Telephone Preference Service are left out, as are people who objected.",
    Purpose.MEMBER_CONTACT: "Service calls to members about their membership: not screened against the TPS, "
    "but do-not-call requests and withdrawn phone consent still apply. Anything persuasive makes it promotion.",
    Purpose.SURVEY: "Genuine opinion research only (no persuasion, no asks): not screened against the TPS. "
    "Voter-ID calls ('will you vote for us?') count as promotion; choose that for them.",
}

# Priority orders: how the list is sorted (lower `priority` is called first).
PRIORITIES = {
    "none": "In list order",
    "members_first": "Current members first",
    "lapsed_first": "Lapsed members first",
    "support": "By support code (our supporters first, then in the support codes' order)",
}


def clean_time_window(start: datetime.time, end: datetime.time, field: str) -> None:
    if not start < end:
        raise ValidationError({field: "The calling window must start before it ends (same day)."})
    if start < EARLIEST or end > LATEST:
        raise ValidationError({field: "Calls are made between 09:00 and 21:00 at most: narrow the window instead."})


def clean_window_by_day(value: object) -> dict[str, Any]:
    """Per-day overrides checked by the calling rules, then against the 09:00–21:00 limit; errors name the day."""
    try:
        days = rules.validate_window_by_day(value)
    except ValueError as exc:
        raise ValidationError({"window_by_day": str(exc)}) from None
    for day, window in days.items():
        if window is None:
            continue
        start, end = (datetime.time.fromisoformat(w) for w in window)
        try:
            clean_time_window(start, end, "window_by_day")
        except ValidationError as exc:
            raise ValidationError({"window_by_day": f"window_by_day[{day}]: {exc.messages[0]}"}) from None
    return days


def clean_retry_rules(values: Mapping[str, str]) -> dict[str, int | str | None]:
    """Form values ('240', 'never', 'requested') per retryable outcome → the campaign's retry_rules JSON."""
    cleaned: dict[str, int | str | None] = {o: None for o in Outcome.values}
    for outcome in RETRYABLE:
        raw = str(values.get(outcome, "") or "").strip().lower()
        field = f"retry_{outcome}"
        if raw in ("", NEVER):
            cleaned[outcome] = None
        elif raw == REQUESTED:
            if outcome != Outcome.CALL_BACK:
                raise ValidationError({field: "Only a call-back can wait for the time the person asked for."})
            cleaned[outcome] = REQUESTED
        else:
            try:
                minutes = int(raw)
            except ValueError:
                choices = "a number of minutes, 'never'" + (" or 'requested'" if outcome == Outcome.CALL_BACK else "")
                raise ValidationError({field: f"{raw!r} is not {choices}."}) from None
            if not 1 <= minutes <= MAX_RETRY_MINUTES:
                raise ValidationError({field: f"Retry after 1 to {MAX_RETRY_MINUTES} minutes (two weeks)."})
            cleaned[outcome] = minutes
    return cleaned


def clean_target_filter(raw: Mapping[str, Iterable[str]], priority: str = "none") -> dict[str, Any]:
    """The saved filter: tags, membership statuses, support codes and wards (each 'any of'), plus the order."""
    cleaned: dict[str, Any] = {}
    for key in ("tags", "membership", "support", "wards"):
        values = sorted({str(v).strip() for v in raw.get(key, ()) if str(v).strip()})
        if key == "membership":
            unknown = set(values) - set(Membership.Status.values)
            if unknown:
                raise ValidationError({"membership": f"Unknown membership status: {', '.join(sorted(unknown))}."})
        if values:
            cleaned[key] = values
    if priority not in PRIORITIES:
        raise ValidationError({"priority": f"Unknown priority order {priority!r}."})
    if priority != "none":
        cleaned["priority"] = priority
    return cleaned


EDITABLE = (
    "name",
    "brief",
    "purpose",
    "canvass_campaign",
    "window_start",
    "window_end",
    "window_by_day",
    "max_attempts",
    "retry_rules",
    "lease_minutes",
    "target_filter",
)


@transaction.atomic
def save_campaign(campaign: CallCampaign | None, *, unit: OrganisationUnit, actor: Any, **values: Any) -> CallCampaign:
    """Create (campaign None) or update a call campaign from cleaned values; audited."""
    creating = campaign is None
    if creating:
        campaign = CallCampaign(unit=unit, created_by=actor if getattr(actor, "pk", None) else None)
    else:
        campaign.unit = unit
    for name in EDITABLE:
        if name in values:
            setattr(campaign, name, values[name])
    clean_time_window(campaign.window_start, campaign.window_end, "window_end")
    campaign.window_by_day = clean_window_by_day(campaign.window_by_day)
    campaign.save()
    if campaign.question_set_id is None:
        ensure_script(campaign)
    record(
        "created" if creating else "changed",
        actor=actor,
        obj=campaign,
        object_label=f"call campaign #{campaign.pk}",
        detail={"fields": sorted(k for k in values if k in EDITABLE)},
        unit=campaign.unit,
    )
    return campaign


def set_status(campaign: CallCampaign, status: str, actor: Any) -> None:
    """Start calling, pause or finish (a campaign with no one on its list cannot start); audited."""
    if status == CallCampaign.Status.ACTIVE and not campaign.targets.exists():
        raise ValidationError({"status": "Build the call list before calling starts."})
    if status not in CallCampaign.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    campaign.status = status
    campaign.save(update_fields=["status"])
    record(
        "changed",
        actor=actor,
        obj=campaign,
        object_label=f"call campaign {campaign.name}",
        detail={"status": status},
        unit=campaign.unit,
    )


# ------------------------------------------------------------------------------------------ the call list


def _blocked_elector_q() -> Q:
    # Electors who left the register, or whom a canvasser reported moved or deceased (awaiting review or not).
    reported = Contact.objects.filter(elector=OuterRef("pk"), outcome__in=[DoorOutcome.MOVED, DoorOutcome.DECEASED])
    return Q(deleted_at__isnull=False) | Q(Exists(reported))


@dataclass
class BuildReport:
    """What a list build did: people the filter matched, added to the list, already on it, not to be phoned
    (no usable number, or the contact rules say no), and moved up the priority order."""

    matched: int = 0
    added: int = 0
    already_listed: int = 0
    not_contactable: int = 0
    prioritised: int = 0


def build_list(campaign: CallCampaign, actor: Any, progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Add everyone the filter matches and the contact rules allow to the campaign's list (idempotent: people
    already listed are left as they are, so re-running after an import only adds newcomers), then sort the open
    part of the list by the campaign's priority order. The one way a list is built: the page's button (through
    the background task `build_call_list`), the `phonebank build_targets` command, the demo and the tests.
    `progress(done, total)` is called after each chunk of people."""
    report = BuildReport()
    purpose = selectors.people_purpose(campaign)
    matched = selectors.people_for_filter(campaign)
    report.matched = matched.count()
    allowed = people_selectors.contactable(matched, "phone", purpose).values_list("pk", flat=True)
    allowed_ids = list(allowed)
    report.not_contactable = report.matched - len(allowed_ids)
    listed = set(CallTarget.objects.filter(campaign=campaign).values_list("person_id", flat=True))
    todo = [pk for pk in allowed_ids if pk not in listed]
    report.already_listed = len(allowed_ids) - len(todo)
    kinds = [Suppression.Kind.DO_NOT_CONTACT, Suppression.Kind.NO_PHONE]
    if purpose == people_selectors.PROMOTION:
        kinds.append(Suppression.Kind.TPS)
    blocked_elector = Elector.objects.filter(_blocked_elector_q()).values("pk")
    chunk = 2000
    for start in range(0, len(todo), chunk):
        ids = todo[start : start + chunk]
        numbers: dict[int, str] = {}
        usable = (
            PhoneNumber.objects.filter(person_id__in=ids)
            .exclude(number__in=Suppression.objects.filter(kind__in=kinds, phone__gt="").values("phone"))
            .order_by("person_id", "-primary", "id")
            .values_list("person_id", "number")
        )
        for person_id, number in usable:
            numbers.setdefault(person_id, number)
        electors: dict[int, int] = {}
        for elector_id, person_id in (
            Elector.objects.filter(person_id__in=ids, deleted_at__isnull=True)
            .exclude(pk__in=blocked_elector)
            .order_by("person_id", "id")
            .values_list("pk", "person_id")
        ):
            electors.setdefault(person_id, elector_id)
        # A person whose only elector record is gone (moved, deceased) is not called for a voter-ID campaign.
        rows = [
            CallTarget(campaign=campaign, person_id=pk, phone=numbers[pk], elector_id=electors.get(pk))
            for pk in ids
            if pk in numbers and not (campaign.target_filter.get("support") and pk not in electors)
        ]
        CallTarget.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        report.added += len(rows)
        report.not_contactable += len(ids) - len(rows)
        if progress:
            progress(min(start + chunk, len(todo)), len(todo))
    record(
        "changed",
        actor=actor,
        obj=campaign,
        object_label=f"call campaign {campaign.name}",
        # The list's own counts (the priority order is applied next).
        detail={"target_list": {k: v for k, v in asdict(report).items() if k != "prioritised"}},
        unit=campaign.unit,
    )
    report.prioritised = apply_priority(campaign)
    return report


def apply_priority(campaign: CallCampaign) -> int:
    """Sort the open part of the list by the campaign's priority order; returns how many contacts moved up."""
    order = (campaign.target_filter or {}).get("priority", "none")
    targets = CallTarget.objects.filter(campaign=campaign, state=CallTarget.State.OPEN)
    targets.update(priority=100)
    if order in ("members_first", "lapsed_first"):
        statuses = (
            [Membership.Status.ACTIVE, Membership.Status.ARREARS]
            if order == "members_first"
            else [Membership.Status.LAPSED]
        )
        members = Membership.objects.filter(person_id=OuterRef("person_id"), status__in=statuses)
        return targets.filter(Exists(members)).update(priority=50)
    if order == "support":
        codes = list(support_codes_for(campaign.unit))
        ours = our_codes(campaign.unit)
        moved = 0
        # Ours first, then the rest in the codes' own order; unknown support stays at the back (100).
        ranked = [c for c in codes if c in ours] + [c for c in codes if c not in ours]
        for rank, code in enumerate(ranked):
            support = Elector.objects.filter(pk=OuterRef("elector_id")).values("current_support")[:1]
            moved += (
                targets.filter(elector__isnull=False)
                .annotate(s=Subquery(support))
                .filter(s=code)
                .update(priority=10 + rank)
            )
        return moved
    return 0


@task()
def build_call_list(campaign_id: int, actor_id: int | None = None, listed_before: int = 0, expected: int = 0) -> dict:
    """The background job behind 'Build the call list' (see `build_list`).

    `listed_before` and `expected` are recorded with the job so any app server can show its progress from the
    list's own size, without the worker reporting anywhere else.
    """
    campaign = CallCampaign.objects.select_related("unit").get(pk=campaign_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return asdict(build_list(campaign, actor))


def start_build(campaign: CallCampaign, actor: Any) -> Any:
    """Queue the list build; returns the task result (already finished under the immediate backend)."""
    listed = campaign.targets.count()
    preview = selectors.filter_preview(campaign)
    return build_call_list.enqueue(
        campaign.pk, getattr(actor, "pk", None), listed_before=listed, expected=max(listed, preview["contactable"])
    )


def build_progress(campaign: CallCampaign, result_id: str) -> dict[str, Any] | None:
    """Status of a list build for the progress bar, or None if unknown (or another campaign's build)."""
    backend = default_task_backend
    if not backend.supports_get_result:
        return None
    try:
        result = backend.get_result(result_id)
    except (TaskResultDoesNotExist, ValueError, ValidationError):
        return None
    args = list(result.args)
    if not args or int(args[0]) != campaign.pk:
        return None
    before = int(result.kwargs.get("listed_before", 0))
    expected = int(result.kwargs.get("expected", 0))
    status = result.status
    report = result.return_value if status == TaskResultStatus.SUCCESSFUL else None
    done = max(0, campaign.targets.count() - before)
    total = max(expected - before, done, 1)
    finished = status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    return {
        "id": result_id,
        "status": str(status).lower(),
        "finished": finished,
        "failed": status == TaskResultStatus.FAILED,
        "done": done,
        "total": total,
        "percent": 100 if status == TaskResultStatus.SUCCESSFUL else min(99, round(100 * done / total)),
        "report": report,
    }


# ------------------------------------------------------------------------------------------ the script


def ensure_script(campaign: CallCampaign) -> QuestionSet:
    """The campaign's own script (a call question set), made empty the first time."""
    if campaign.question_set_id:
        return campaign.question_set
    qs = QuestionSet.objects.create(
        unit=campaign.unit, name=f"{campaign.name}: script", purpose=QuestionSet.Purpose.CALL
    )
    campaign.question_set = qs
    campaign.save(update_fields=["question_set"])
    return qs


def set_introduction(campaign: CallCampaign, text: str, actor: Any) -> None:
    qs = ensure_script(campaign)
    text = (text or "").strip()
    if len(text) > 5000:
        raise ValidationError({"introduction": "The introduction is longer than 5,000 characters."})
    qs.introduction = text
    qs.save(update_fields=["introduction"])
    record("changed", actor=actor, obj=qs, unit=campaign.unit, detail={"campaign": campaign.pk, "introduction": True})


SUPPORT_KIND = Question.Kind.SUPPORT


def add_script_question(
    campaign: CallCampaign,
    *,
    text: str,
    kind: str,
    choices_text: str = "",
    scale_min: int | None = None,
    scale_max: int | None = None,
    required: bool = False,
    condition_key: str = "",
    condition_values: Iterable[str] = (),
    actor: Any = None,
) -> Question:
    """Append a question. The party support question (kind 'support', key 'support') is the one built-in kind a
    script may carry: its answer counts like a doorstep answer for voter ID."""
    qs = ensure_script(campaign)
    codes = list(support_codes_for(campaign.unit))
    if kind == SUPPORT_KIND:
        if qs.questions.filter(key=question_services.SUPPORT).exists():
            raise ValidationError("The script already asks the support question.")
        question = question_services.add_question(
            qs,
            question_services.SUPPORT,
            (text or "").strip() or "Who will you vote for?",
            SUPPORT_KIND,
            required=required,
        )
    else:
        question = question_services.add_custom_question(
            qs,
            text,
            kind,
            choices=question_services.parse_choice_lines(choices_text),
            scale_min=scale_min,
            scale_max=scale_max,
            required=required,
            condition_key=condition_key,
            condition_values=condition_values,
            support_codes=codes,
            reserved_keys=selectors.stored_answer_keys(campaign),
        )
    record(
        "created",
        actor=actor,
        obj=question,
        unit=campaign.unit,
        detail={"campaign": campaign.pk, "key": question.key, "kind": question.kind},
    )
    return question


def remove_script_question(campaign: CallCampaign, question: Question, actor: Any) -> None:
    key, pk = question.key, question.pk
    if question.key == question_services.SUPPORT:
        # A script's support question is optional (unlike the canvass default), so it may go.
        with transaction.atomic():
            users = sorted(
                q.key for q in question.question_set.questions.exclude(pk=pk) if key in question_services.depends_on(q)
            )
            if users:
                raise ValidationError(f"Remove {', '.join(users)} first: it depends on '{key}'")
            question.delete()
    else:
        question_services.remove_question(question)
    record(
        "changed",
        actor=actor,
        object_type="questions.question",
        object_id=pk,
        object_label=f"question #{pk}",
        unit=campaign.unit,
        detail={"campaign": campaign.pk, "key": key, "removed": True},
    )


def move_script_question(campaign: CallCampaign, question: Question, direction: str, actor: Any) -> None:
    if question.key == question_services.SUPPORT:
        raise ValidationError("The support question keeps its place; move the others around it.")
    question_services.move_question(question, direction)
    record("changed", actor=actor, obj=question, unit=campaign.unit, detail={"moved": direction})


def set_branches(campaign: CallCampaign, question: Question, branches: Mapping[str, str], actor: Any) -> None:
    """Set where each answer leads ('' = the next question, a later question's key, or 'end')."""
    allowed = {v for v, _ in selectors.answer_values(question, support_codes_for(campaign.unit))}
    cleaned: dict[str, str] = {}
    for value, target in branches.items():
        target = (target or "").strip()
        if not target:
            continue
        if value not in allowed:
            raise ValidationError(f"{question.key}: '{value}' is not an answer to this question")
        cleaned[value] = target
    with transaction.atomic():
        question.branches = cleaned
        question.save(update_fields=["branches"])
        # Checked with the change in place; an error rolls it back.
        question_services.validate_branches(question.question_set)
    record("changed", actor=actor, obj=question, unit=campaign.unit, detail={"branches": cleaned})


# ------------------------------------------------------------------------------------------ sessions


def create_session(
    campaign: CallCampaign,
    *,
    title: str,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    brief: str = "",
    actor: Any = None,
) -> PhonebankSession:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the session a title."})
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The session must end after it starts."})
    session = PhonebankSession.objects.create(
        campaign=campaign,
        title=title[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        brief=(brief or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record("created", actor=actor, obj=session, unit=campaign.unit, detail={"campaign": campaign.pk})
    return session


def end_session(session: PhonebankSession, actor: Any) -> None:
    """Close the link: callers get 'this session has ended' on their next request (within seconds)."""
    session.active = False
    if session.ends_at is None or session.ends_at > timezone.now():
        session.ends_at = timezone.now()
    session.save(update_fields=["active", "ends_at"])
    record("changed", actor=actor, obj=session, unit=session.campaign.unit, detail={"ended": True})


# ------------------------------------------------------------------------------------------ export


def export_results_csv(campaign: CallCampaign, file: IO[str], *, actor: Any, reason: str) -> int:
    """One row per call attempt (time, caller, person, outcome, applied, notes, one column per question); audited with
    the reason. Returns the row count."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why you need this export (at least a few words)."})
    keys, header = selectors.export_columns(campaign)
    writer = csv.writer(file, lineterminator="\r\n")
    # `applied` is "no" for a result sent for a contact the caller did not hold: kept, but not acted on.
    writer.writerow(["attempted_at", "caller", "person_id", "name", "phone", "outcome", "applied", "notes", *header])
    count = 0
    for row in selectors.export_rows(campaign):
        answers = row["answers"] if isinstance(row["answers"], dict) else {}
        cells = [
            row["submitted_at"],
            row["caller"],
            row["person_id"],
            row["name"],
            row["phone"],
            row["outcome"],
            "yes" if row["applied"] else "no",
            row["notes"],
            *(selectors.answer_text(answers.get(k)) for k in keys),
        ]
        writer.writerow([spreadsheet_safe(c) for c in cells])
        count += 1
    record(
        "exported",
        actor=actor,
        obj=campaign,
        object_label=f"call campaign #{campaign.pk} results (CSV)",
        reason=reason,
        detail={"rows": count, "columns": 8 + len(keys)},
        unit=campaign.unit,
    )
    return count
