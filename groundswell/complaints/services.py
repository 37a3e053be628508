"""Complaints: every change to a case. Each function checks its input first, then writes in one transaction (bad
input raises ValidationError naming the field, and nothing is written), records a CaseEvent and an audit entry.

Stage clocks count England and Wales working days (`groundswell.workingdays`). Entering a stage opens a
StagePeriod due `target` working days later; a pause (with a PauseReason) stops the clock, and resuming pushes the
due date back by the working days paused. `housekeeping` (the scheduler's periodic task) escalates missed
targets, reminds handlers of interim-suspension reviews and applies the retention rules.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from groundswell import uploads
from groundswell.accounts import access
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.messaging.models import EmailRecipient
from groundswell.messaging.sending import compile_template, render
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.people.models import EmailAddress, Membership, Person
from groundswell.workingdays import add_working_days, working_days_between

from . import defaults, policy, selections
from .models import (
    OPEN_STAGES,
    SANCTIONS_NEEDING_HEARING,
    Case,
    CaseEvent,
    Category,
    ClockPause,
    Conflict,
    Evidence,
    Handler,
    InterimSuspension,
    Notice,
    NoticeTemplate,
    Outcome,
    PauseReason,
    RetentionRule,
    Sanction,
    Stage,
    StagePeriod,
    StageTarget,
)

# Used when a stage has no StageTarget row (the migration seeds the rows from the same defaults).
DEFAULT_TARGETS = defaults.TARGETS
DEFAULT_RETENTION_YEARS = 6
MAX_SUSPENSION_REVIEW_DAYS = 92  # an interim suspension is reviewed at least every three months
REMIND_DAYS_BEFORE_REVIEW = 2
APPEAL_WINDOW_WORKING_DAYS = 15
# Signs the personal link a complainant without an account follows their case by (salted: a token signed for any
# other purpose never opens a case).
FOLLOW_SALT = "groundswell.complaints.follow"


def max_upload_bytes() -> int:
    """Largest evidence file a complaint takes: `COMPLAINTS_MAX_UPLOAD_BYTES` (10 MB unless set)."""
    return uploads.setting_bytes("COMPLAINTS_MAX_UPLOAD_BYTES")


def check_upload(name: str, data: bytes) -> uploads.Sniffed:
    return uploads.check_upload(name, data, max_bytes=max_upload_bytes())


def _today() -> datetime.date:
    return timezone.localdate()


def _clean(text: str | None) -> str:
    return (text or "").strip()


def targets() -> dict[str, int]:
    """Working-day target per open stage (rows override the defaults)."""
    found = dict(StageTarget.objects.values_list("stage", "working_days"))
    return {stage: found.get(stage, DEFAULT_TARGETS[stage]) for stage in DEFAULT_TARGETS}


def seed_defaults() -> None:
    """Add any missing target, retention rule or notice template from `defaults` (rows already there are kept)."""
    for stage, days in defaults.TARGETS.items():
        StageTarget.objects.get_or_create(stage=stage, defaults={"working_days": days, "source": defaults.SOURCE})
    for outcome, years, action in defaults.RETENTION:
        RetentionRule.objects.get_or_create(
            outcome=outcome, defaults={"years": years, "action": action, "source": defaults.RETENTION_SOURCE}
        )
    for kind, (subject, body) in defaults.NOTICES.items():
        NoticeTemplate.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})


def timescales_text() -> str:
    labels = dict(Stage.choices)
    return "; ".join(f"{labels[s]}: {n} working days" for s, n in targets().items())


def _event(case: Case, kind: str, summary: str, actor: Any, *, public: bool = False, **detail: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, stage=case.stage, summary=summary[:300], actor=_user(actor), public=public, detail=detail
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None


def _audit(case: Case, action: str, actor: Any, request: Any = None, **detail: Any) -> None:
    record(
        AuditEntry.Action.CHANGED, actor=_user(actor), request=request, obj=case, detail={"action": action, **detail}
    )


# ------------------------------------------------------------------------------------------ stage clocks


def _open_period(case: Case) -> StagePeriod | None:
    return case.periods.filter(ended_on__isnull=True).order_by("-id").first()


def _paused_days_so_far(period: StagePeriod, today: datetime.date) -> int:
    pause = period.pauses.filter(ended_on__isnull=True).first()
    return period.paused_days + (working_days_between(pause.started_on, today) if pause else 0)


def elapsed_working_days(period: StagePeriod, today: datetime.date | None = None) -> int:
    """Working days the clock has run in this period (pauses excluded)."""
    end = period.ended_on or today or _today()
    return max(0, working_days_between(period.started_on, end) - _paused_days_so_far(period, end))


def _enter_stage(case: Case, stage: str, actor: Any, today: datetime.date, summary: str = "") -> None:
    period = _open_period(case)
    if period is not None:
        if case.clock_paused:
            _end_pause(period, today)
        period.ended_on = today
        period.working_days = elapsed_working_days(period, today)
        period.save(update_fields=["ended_on", "working_days", "paused_days"])
    case.stage = stage
    case.overdue = False
    case.clock_paused = False
    if stage == Stage.CLOSED:
        case.stage_due_on = None
        case.closed_at = timezone.now()
        case.retain_until = _retention_date(case, today)
    else:
        target = targets()[stage]
        due = add_working_days(today, target)
        StagePeriod.objects.create(case=case, stage=stage, started_on=today, target_days=target, due_on=due)
        case.stage_due_on = due
        case.closed_at = None
        case.retain_until = None
    case.save()
    labels = dict(Stage.choices)
    _event(case, "stage", summary or f"Moved to {labels[stage]}", actor, public=True, due_on=case.stage_due_on)


def _end_pause(period: StagePeriod, today: datetime.date) -> None:
    pause = period.pauses.filter(ended_on__isnull=True).first()
    if pause is None:
        return
    pause.ended_on = today
    pause.save(update_fields=["ended_on"])
    period.paused_days += working_days_between(pause.started_on, today)
    period.due_on = add_working_days(period.started_on, period.target_days + period.paused_days)


def pause_clock(case: Case, *, reason: str, note: str, actor: Any, request: Any = None) -> ClockPause:
    """Stop the stage clock for a recorded reason (one of PauseReason); nothing else stops it."""
    policy.require_handle(actor, case, request)
    if reason not in PauseReason.values:
        raise ValidationError({"reason": "Choose why the clock stops (police, availability, evidence, legal advice)."})
    if not case.is_open:
        raise ValidationError({"reason": "A closed case has no clock to pause."})
    if case.clock_paused:
        raise ValidationError({"reason": "The clock is already paused."})
    with transaction.atomic():
        period = _open_period(case)
        pause = ClockPause.objects.create(
            period=period, reason=reason, note=_clean(note), started_on=_today(), recorded_by=_user(actor)
        )
        case.clock_paused = True
        case.save(update_fields=["clock_paused"])
        _event(case, "paused", f"Clock paused: {pause.get_reason_display()}", actor, public=True, reason=reason)
        _audit(case, "pause", actor, request, reason=reason)
    return pause


def resume_clock(case: Case, *, actor: Any, request: Any = None) -> StagePeriod:
    policy.require_handle(actor, case, request)
    if not case.clock_paused:
        raise ValidationError({"clock": "The clock is not paused."})
    with transaction.atomic():
        period = _open_period(case)
        _end_pause(period, _today())
        period.save(update_fields=["paused_days", "due_on"])
        case.clock_paused = False
        case.stage_due_on = period.due_on
        case.overdue = period.due_on < _today()
        case.save(update_fields=["clock_paused", "stage_due_on", "overdue"])
        _event(case, "resumed", f"Clock resumed; now due {period.due_on:%d %b %Y}", actor, public=True)
        _audit(case, "resume", actor, request)
    return period


# ------------------------------------------------------------------------------------------ intake


def find_respondent(*, membership_number: str = "", email: str = "", person_id: int | None = None) -> Person:
    """The member complained about, by membership number, email address or (staff) record id; ValidationError
    naming `respondent` when nobody, or more than one person, matches."""
    live = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    membership_number, email = _clean(membership_number), _clean(email).lower()
    if person_id:
        found = list(live.filter(pk=person_id))
        what = f"record #{person_id}"
    elif membership_number:
        found = list(live.filter(memberships__number__iexact=membership_number).distinct())
        what = f"membership number {membership_number!r}"
    elif email:
        found = list(live.filter(pk__in=EmailAddress.objects.filter(address__iexact=email).values("person_id")))
        what = f"email address {email!r}"
    else:
        raise ValidationError({"respondent": "Say who the complaint is about: their membership number or email."})
    if len(found) != 1:
        problem = "No member matches" if not found else "More than one person matches"
        raise ValidationError({"respondent": f"{problem} {what}; check it, or give their membership number."})
    if not Membership.objects.filter(person=found[0]).exists():
        raise ValidationError({"respondent": f"The person with {what} is not a member; complaints concern members."})
    return found[0]


def lodge_complaint(
    *,
    category: str,
    summary: str,
    respondent: Person,
    complainant: Person | None = None,
    complainant_name: str = "",
    complainant_email: str = "",
    actor: Any = None,
    received_via: str = Case.Channel.WEB,
    special_category: bool = False,
    files: Iterable[tuple[str, bytes]] = (),
    request: Any = None,
) -> Case:
    """Open a case at intake, store its evidence, and acknowledge it to the complainant with its reference and the
    published timescales. Members and the public lodge on the web form; staff with LOG_COMPLAINTS log a complaint
    received another way (`received_via`)."""
    errors: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = "Choose the kind of complaint."
    summary = _clean(summary)
    if len(summary) < 20:
        errors["summary"] = "Describe what happened (at least a sentence)."
    if complainant is None and not (_clean(complainant_name) and _clean(complainant_email)):
        errors["complainant_email"] = "Give your name and an email address so we can acknowledge the complaint."
    if received_via not in Case.Channel.values:
        errors["received_via"] = "Say how the complaint was received."
    if received_via != Case.Channel.WEB:
        if not access.has_perm(actor, access.Perm.LOG_COMPLAINTS, respondent.unit) or policy.is_political(actor):
            errors["received_via"] = "Only organisers of the respondent's unit log complaints received another way."
    if complainant is not None and complainant.pk == respondent.pk:
        errors["respondent"] = "A complaint cannot be about the complainant."
    checked = []
    for name, data in files:
        try:
            checked.append((name, data, check_upload(name, data)))
        except ValidationError as exc:
            errors.setdefault("evidence", " ".join(exc.messages))
    if errors:
        raise ValidationError(errors)
    today = _today()
    with transaction.atomic():
        case = Case.objects.create(
            reference=f"TMP-{secrets.token_hex(6)}",
            unit=respondent.unit,
            category=category,
            summary=summary,
            special_category=bool(special_category),
            complainant=complainant,
            complainant_name=_clean(complainant_name)[:200],
            complainant_email=_clean(complainant_email).lower()[:254],
            respondent=respondent,
            received_via=received_via,
            logged_by=_user(actor),
        )
        case.reference = f"C{today:%y}-{case.pk:06d}"
        case.save(update_fields=["reference"])
        _enter_stage(case, Stage.INTAKE, actor, today, summary="Complaint received")
        for name, data, sniffed in checked:
            _store_evidence(case, name, data, sniffed, actor)
        found = selections.pending_selections(respondent)
        if found:
            # Flag only: the secretary is told when a suspension is imposed (the complaint alone changes nothing).
            case.pending_selection = True
            case.save(update_fields=["pending_selection"])
            _event(case, "selection_flag", "Respondent takes part in a pending selection", actor)
        record(
            AuditEntry.Action.CREATED,
            actor=_user(actor),
            request=request,
            obj=case,
            detail={"channel": received_via, "evidence": len(checked), "pending_selection": bool(found)},
        )
        send_notice(case, NoticeTemplate.Kind.ACKNOWLEDGEMENT, Notice.Recipient.COMPLAINANT, actor)
    return case


def _store_evidence(case: Case, name: str, data: bytes, sniffed: uploads.Sniffed, actor: Any) -> Evidence:
    evidence = Evidence(
        case=case,
        original_name=name[:200],
        content_type=sniffed.content_type,
        size=sniffed.size,
        sha256=sniffed.sha256,
        uploaded_by=_user(actor),
    )
    # The stored name is random: the original name may carry personal data and is only shown to handlers.
    evidence.file.save(f"{secrets.token_hex(16)}.bin", ContentFile(data), save=False)
    evidence.save()
    _event(case, "evidence", f"Evidence added ({sniffed.content_type}, {sniffed.size} bytes)", actor)
    return evidence


def add_evidence(case: Case, *, name: str, data: bytes, actor: Any, request: Any = None) -> Evidence:
    """A handler adds evidence to a case (or the complainant, while the case is open, from their own page)."""
    is_complainant = getattr(actor, "person_id", None) and actor.person_id == case.complainant_id
    if not is_complainant:
        policy.require_handle(actor, case, request)
    elif not case.is_open:
        raise ValidationError({"evidence": "The case is closed; evidence can no longer be added."})
    sniffed = check_upload(name, data)
    with transaction.atomic():
        evidence = _store_evidence(case, name, data, sniffed, actor)
        _audit(case, "evidence_added", actor, request, evidence=evidence.pk)
    return evidence


# ------------------------------------------------------------------------------------------ the personal link


def follow_token(case: Case) -> str:
    """The unguessable token in a public complainant's personal link: the case number signed with SECRET_KEY (so
    nothing is stored, and a changed character fails the signature). The reference is signed too, as a check."""
    return signing.dumps({"case": case.pk, "ref": case.reference}, salt=FOLLOW_SALT, compress=True)


def follow_url(case: Case) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('complaints:follow', args=[follow_token(case)])}"


def case_from_token(token: str) -> Case | None:
    """The case a personal link opens, or None for a forged, altered or stale token (callers answer 404 whatever the
    reason, so the page gives no hint whether a case exists). Only cases whose complainant has no record on file
    (the public) open this way; members follow theirs on "My complaints". Anonymised cases no longer open."""
    try:
        data = signing.loads(token, salt=FOLLOW_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("case"), int):
        return None
    case = Case.objects.filter(pk=data["case"], complainant__isnull=True, anonymised_at__isnull=True).first()
    if case is None or case.reference != data.get("ref"):
        return None
    return case


def add_evidence_by_link(case: Case, *, name: str, data: bytes, request: Any = None) -> Evidence:
    """A public complainant adds evidence through their personal link (the caller has checked the token): the same
    upload checks as every other upload, and only while the case is open."""
    if not case.is_open:
        raise ValidationError({"evidence": "The case is closed; evidence can no longer be added."})
    sniffed = check_upload(name, data)
    with transaction.atomic():
        evidence = _store_evidence(case, name, data, sniffed, None)
        _audit(case, "evidence_added", None, request, evidence=evidence.pk, via="complainant link")
    return evidence


# ------------------------------------------------------------------------------------------ handlers


def set_training(user: Any, *, trained_on: datetime.date | None, refresher_due_on: datetime.date | None = None,
                 actor: Any = None, request: Any = None) -> Handler:  # fmt: skip
    """Record a handler's training and refresher dates. From a page (`actor` given) only the independent reviewer at
    the top unit may, for someone holding the handler role, never for themselves; the command line and the demo
    pass no actor. No date means untrained: the handler can no longer be assigned cases."""
    if actor is not None:
        policy.require_record_training(actor, request)
        if getattr(actor, "pk", None) == user.pk:
            raise ValidationError({"user": "Nobody records their own training; ask another reviewer."})
        if not access.has_perm(user, policy.HANDLE) and not Handler.objects.filter(user=user).exists():
            raise ValidationError({"user": f"{user} does not hold the complaints handler role."})
    if trained_on is not None and trained_on > _today():
        raise ValidationError({"trained_on": "The training date cannot be in the future; record it once done."})
    if trained_on is None and refresher_due_on is not None:
        raise ValidationError({"trained_on": "Give the training date as well as the refresher's."})
    if trained_on is not None and refresher_due_on is not None and refresher_due_on < trained_on:
        raise ValidationError({"refresher_due_on": "The refresher cannot be due before the training."})
    with transaction.atomic():
        handler, _ = Handler.objects.get_or_create(user=user)
        before = {"trained_on": handler.trained_on, "refresher_due_on": handler.refresher_due_on}
        handler.trained_on, handler.refresher_due_on = trained_on, refresher_due_on
        handler.save(update_fields=["trained_on", "refresher_due_on"])
        record(
            AuditEntry.Action.CHANGED,
            actor=_user(actor),
            request=request,
            obj=handler,
            detail={"training": True, "before": before, "trained_on": trained_on,
                    "refresher_due_on": refresher_due_on},
        )  # fmt: skip
    return handler


def declare_conflict(handler: Handler, *, kind: str, case: Case | None = None, person: Person | None = None,
                     unit: Any = None, note: str = "", actor: Any = None) -> Conflict:  # fmt: skip
    if kind not in Conflict.Kind.values:
        raise ValidationError({"kind": "Choose factional, personal or same unit."})
    if sum(x is not None for x in (case, person, unit)) != 1:
        raise ValidationError({"case": "Name exactly one of: a case, a person or a unit."})
    with transaction.atomic():
        conflict = Conflict.objects.create(handler=handler, kind=kind, case=case, person=person, unit=unit, note=note)
        record(AuditEntry.Action.CREATED, actor=_user(actor), obj=conflict, detail={"kind": kind})
        if case is not None and case.handler_id == handler.pk:
            # Declared after assignment: the case leaves them at once and goes back to the pool.
            case.handler = None
            case.save(update_fields=["handler"])
            _event(case, "unassigned", "Handler declared a conflict and was taken off the case", actor)
    return conflict


def _open_load() -> dict[int, int]:
    return dict(
        Case.objects.filter(stage__in=OPEN_STAGES, handler__isnull=False)
        .values("handler")
        .annotate(n=Count("id"))
        .values_list("handler", "n")
    )


def eligible_handlers(case: Case) -> list[Handler]:
    """Trained, active, unconflicted handlers holding HANDLE_COMPLAINTS at the case's unit, by workload then rota."""
    load = _open_load()
    pool = [
        h
        for h in Handler.objects.select_related("user").filter(active=True, user__is_active=True)
        if policy.is_trained(h)
        and not policy.is_political(h.user)
        and access.has_perm(h.user, policy.HANDLE, case.unit)
        and not policy.is_conflicted(h, case)
    ]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(pool, key=lambda h: (load.get(h.pk, 0), h.last_assigned_at or epoch, h.pk))


def assign_handler(case: Case, handler_user: Any, *, actor: Any, request: Any = None) -> Case:
    """Give the case to `handler_user`; from intake it moves on to triage."""
    if policy.is_political(actor):
        raise policy.refuse(request, actor, case, "A political office has no access to complaints.")
    target = policy.handler_of(handler_user)
    if handler_user == actor and policy.is_conflicted(target, case):
        policy.refuse(request, actor, case, "Self-assignment while conflicted")
        raise ValidationError(
            {"handler": "You have declared a conflict with this case, so you cannot assign it to yourself."}
        )
    policy.require_allocate(actor, case, request)
    if target is None or not policy.is_trained(target):
        raise ValidationError({"handler": f"{handler_user} has no complaints-handling training on record."})
    if policy.is_conflicted(target, case):
        raise ValidationError({"handler": f"{handler_user} has declared a conflict with this case."})
    if not access.has_perm(handler_user, policy.HANDLE, case.unit) or policy.is_political(handler_user):
        raise ValidationError({"handler": f"{handler_user} does not handle complaints for this unit."})
    with transaction.atomic():
        case.handler = target
        case.save(update_fields=["handler"])
        target.last_assigned_at = timezone.now()
        target.save(update_fields=["last_assigned_at"])
        _event(case, "assigned", f"Assigned to handler #{target.pk}", actor)
        _audit(case, "assign", actor, request, handler=target.pk)
        if case.stage == Stage.INTAKE:
            _enter_stage(case, Stage.TRIAGE, actor, _today())
    return case


def assign_by_rota(case: Case, *, actor: Any, request: Any = None) -> Case:
    """The trained handler with the fewest open cases (longest since their last assignment on a tie)."""
    policy.require_allocate(actor, case, request)
    pool = eligible_handlers(case)
    if not pool:
        raise ValidationError({"handler": "No trained, unconflicted handler covers this case's unit."})
    return assign_handler(case, pool[0].user, actor=actor, request=request)


# ------------------------------------------------------------------------------------------ decisions


def triage(case: Case, *, decision: str, reason: str, actor: Any, request: Any = None) -> Case:
    """Decide at triage: no case to answer, informal resolution (both close the case) or investigate."""
    policy.require_handle(actor, case, request)
    reason = _clean(reason)
    if case.stage != Stage.TRIAGE:
        raise ValidationError({"decision": f"The case is at {case.get_stage_display()}, not triage."})
    if decision not in ("no_case", "informal", "investigate"):
        raise ValidationError({"decision": "Choose no case to answer, informal resolution or investigate."})
    if not reason:
        raise ValidationError({"reason": "Give the reason for the triage decision."})
    with transaction.atomic():
        _audit(case, "triage", actor, request, decision=decision)
        if decision == "investigate":
            _event(case, "triage", "Triage: to be investigated", actor, reason=reason)
            _enter_stage(case, Stage.INVESTIGATION, actor, _today())
            send_notice(case, NoticeTemplate.Kind.RESPONDENT_RIGHTS, Notice.Recipient.RESPONDENT, actor)
        else:
            case.outcome = Outcome.NO_CASE if decision == "no_case" else Outcome.INFORMAL
            case.decision_reason = reason
            case.save(update_fields=["outcome", "decision_reason"])
            _event(case, "triage", f"Triage: {case.get_outcome_display()}", actor, public=True, reason=reason)
            _close(case, actor)
        send_notice(case, NoticeTemplate.Kind.STAGE, Notice.Recipient.COMPLAINANT, actor)
    return case


def complete_investigation(case: Case, *, hearing_required: bool, note: str, actor: Any, request: Any = None) -> Case:
    policy.require_handle(actor, case, request)
    if case.stage != Stage.INVESTIGATION:
        raise ValidationError({"stage": f"The case is at {case.get_stage_display()}, not investigation."})
    with transaction.atomic():
        case.hearing_required = bool(hearing_required)
        case.save(update_fields=["hearing_required"])
        _event(case, "investigated", "Investigation complete", actor, note=_clean(note))
        _audit(case, "investigation_complete", actor, request, hearing_required=case.hearing_required)
        _enter_stage(case, Stage.HEARING if hearing_required else Stage.DECISION, actor, _today())
        send_notice(case, NoticeTemplate.Kind.STAGE, Notice.Recipient.COMPLAINANT, actor)
        send_notice(case, NoticeTemplate.Kind.STAGE, Notice.Recipient.RESPONDENT, actor)
    return case


def record_hearing(case: Case, *, held_on: datetime.date | None, note: str, actor: Any, request: Any = None) -> Case:
    policy.require_handle(actor, case, request)
    if case.stage != Stage.HEARING:
        raise ValidationError({"held_on": f"The case is at {case.get_stage_display()}, not a hearing."})
    if held_on is None or held_on > _today():
        raise ValidationError({"held_on": "Give the date the panel sat (today or earlier)."})
    with transaction.atomic():
        case.hearing_held_on = held_on
        case.save(update_fields=["hearing_held_on"])
        _event(case, "hearing", f"Panel hearing held on {held_on:%d %b %Y}", actor, public=True, note=_clean(note))
        _audit(case, "hearing", actor, request)
        _enter_stage(case, Stage.DECISION, actor, _today())
    return case


def decide(case: Case, *, outcome: str, reason: str, sanction: str = "", actor: Any, request: Any = None) -> Case:
    """The decision and any sanction. A reason is required; suspension and expulsion need a panel hearing."""
    policy.require_handle(actor, case, request)
    reason = _clean(reason)
    sanction = sanction or ""
    if case.stage not in (Stage.DECISION, Stage.APPEAL):
        raise ValidationError({"outcome": f"The case is at {case.get_stage_display()}, not awaiting a decision."})
    if outcome not in (Outcome.UPHELD, Outcome.NOT_UPHELD):
        raise ValidationError({"outcome": "Choose upheld or not upheld."})
    if not reason:
        raise ValidationError({"reason": "Give the reasons for the decision; the parties are entitled to them."})
    if sanction not in Sanction.values:
        raise ValidationError({"sanction": "Choose a sanction from the list."})
    if sanction and outcome != Outcome.UPHELD:
        raise ValidationError({"sanction": "A sanction follows only an upheld complaint."})
    if sanction in SANCTIONS_NEEDING_HEARING and case.hearing_held_on is None:
        raise ValidationError(
            {"sanction": f"{Sanction(sanction).label} can only be imposed by a panel after a hearing; none was held."}
        )
    with transaction.atomic():
        appeal = case.stage == Stage.APPEAL
        case.outcome, case.sanction, case.decision_reason = outcome, sanction, reason
        case.save(update_fields=["outcome", "sanction", "decision_reason"])
        label = "Appeal decided" if appeal else "Decision"
        _event(case, "decision", f"{label}: {case.get_outcome_display()}", actor, public=True, sanction=sanction)
        _audit(case, "appeal_decision" if appeal else "decision", actor, request, outcome=outcome, sanction=sanction)
        if outcome != Outcome.UPHELD:
            for suspension in case.suspensions.filter(lifted_at__isnull=True):
                _lift(suspension, "Complaint not upheld", actor)
        _close(case, actor)
        for recipient in (Notice.Recipient.COMPLAINANT, Notice.Recipient.RESPONDENT):
            send_notice(case, NoticeTemplate.Kind.OUTCOME, recipient, actor)
    return case


def lodge_appeal(case: Case, *, grounds: str, actor: Any, request: Any = None) -> Case:
    """Either party (or a handler on their behalf) appeals a decision within the appeal window."""
    is_party = getattr(actor, "person_id", None) in (case.complainant_id, case.respondent_id) and actor.person_id
    if not is_party:
        policy.require_handle(actor, case, request)
    if case.stage != Stage.CLOSED or case.outcome not in (Outcome.UPHELD, Outcome.NOT_UPHELD) or case.anonymised_at:
        raise ValidationError({"grounds": "Only a decided case can be appealed."})
    if not _clean(grounds):
        raise ValidationError({"grounds": "Give the grounds of appeal."})
    if case.closed_at and _today() > add_working_days(timezone.localdate(case.closed_at), APPEAL_WINDOW_WORKING_DAYS):
        raise ValidationError({"grounds": f"Appeals are lodged within {APPEAL_WINDOW_WORKING_DAYS} working days."})
    with transaction.atomic():
        _event(case, "appeal", "Appeal lodged", actor, public=True)
        _audit(case, "appeal", actor, request)
        _enter_stage(case, Stage.APPEAL, actor, _today())
    return case


def _close(case: Case, actor: Any) -> None:
    _enter_stage(case, Stage.CLOSED, actor, _today(), summary="Case closed")


def _retention_date(case: Case, today: datetime.date) -> datetime.date:
    rule = RetentionRule.objects.filter(outcome=case.outcome).first()
    years = rule.years if rule else DEFAULT_RETENTION_YEARS
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def add_note(case: Case, *, text: str, actor: Any, request: Any = None) -> CaseEvent:
    policy.require_handle(actor, case, request)
    if not _clean(text):
        raise ValidationError({"note": "Write the note."})
    with transaction.atomic():
        event = _event(case, "note", _clean(text)[:300], actor)
        _audit(case, "note", actor, request)
    return event


def set_special_category(case: Case, *, flagged: bool, actor: Any, request: Any = None) -> Case:
    policy.require_handle(actor, case, request)
    with transaction.atomic():
        case.special_category = bool(flagged)
        case.save(update_fields=["special_category"])
        _event(case, "special_category", "Special-category flag " + ("set" if flagged else "cleared"), actor)
        _audit(case, "special_category", actor, request, flagged=case.special_category)
    return case


# ------------------------------------------------------------------------------------------ interim suspension


def impose_interim_suspension(case: Case, *, reason: str, review_on: datetime.date | None, actor: Any,
                              request: Any = None) -> InterimSuspension:  # fmt: skip
    """Suspend the respondent while the case runs: only with a recorded reason and a review date. If the
    respondent takes part in a pending selection the case is flagged and the procedures secretary told (no
    content)."""
    policy.require_handle(actor, case, request)
    reason, today = _clean(reason), _today()
    if not case.is_open:
        raise ValidationError({"reason": "The case is closed."})
    if not reason:
        raise ValidationError({"reason": "An interim suspension needs a recorded reason."})
    if review_on is None or review_on <= today:
        raise ValidationError({"review_on": "Set a review date after today."})
    if review_on > today + datetime.timedelta(days=MAX_SUSPENSION_REVIEW_DAYS):
        raise ValidationError({"review_on": f"Review within {MAX_SUSPENSION_REVIEW_DAYS} days."})
    if case.suspensions.filter(lifted_at__isnull=True).exists():
        raise ValidationError({"reason": "An interim suspension is already in force; review it instead."})
    with transaction.atomic():
        suspension = InterimSuspension.objects.create(
            case=case, reason=reason, review_on=review_on, imposed_by=_user(actor)
        )
        _event(case, "suspension", f"Interim suspension; review by {review_on:%d %b %Y}", actor, public=True)
        _audit(case, "interim_suspension", actor, request, review_on=review_on)
        send_notice(case, NoticeTemplate.Kind.SUSPENSION, Notice.Recipient.RESPONDENT, actor)
        found = selections.pending_selections(case.respondent)
        if found:
            case.pending_selection = True
            case.save(update_fields=["pending_selection"])
            _event(case, "selection_flag", "Suspended respondent takes part in a pending selection", actor)
            for selection in found:
                _tell_procedures_secretaries(case, selection, actor)
    return suspension


def _tell_procedures_secretaries(case: Case, selection: selections.PendingSelection, actor: Any) -> None:
    people = Person.objects.filter(pk__in=selection.procedures_secretary_ids)
    for person in people:
        extra = {"selection": selection.label, "selection_role": selection.role}
        send_notice(case, NoticeTemplate.Kind.SELECTION_FLAG, Notice.Recipient.PROCEDURES_SECRETARY, actor,
                    person=person, extra=extra)  # fmt: skip


def review_suspension(suspension: InterimSuspension, *, lift: bool, reason: str, next_review_on: datetime.date | None,
                      actor: Any, request: Any = None) -> InterimSuspension:  # fmt: skip
    """Review an interim suspension: lift it (with a reason) or keep it to a new review date."""
    case = suspension.case
    policy.require_handle(actor, case, request)
    reason = _clean(reason)
    if suspension.lifted_at:
        raise ValidationError({"lift": "This suspension was already lifted."})
    if not reason:
        raise ValidationError({"reason": "Record the reason for the review's outcome."})
    if not lift and (next_review_on is None or next_review_on <= _today()):
        raise ValidationError({"next_review_on": "Set the next review date (after today) to keep the suspension."})
    with transaction.atomic():
        if lift:
            _lift(suspension, reason, actor)
        else:
            suspension.review_on, suspension.reminded_on = next_review_on, None
            suspension.save(update_fields=["review_on", "reminded_on"])
            _event(case, "suspension_reviewed", f"Suspension kept; next review {next_review_on:%d %b %Y}", actor,
                   public=True, reason=reason)  # fmt: skip
        _audit(case, "suspension_review", actor, request, lifted=lift)
    return suspension


def _lift(suspension: InterimSuspension, reason: str, actor: Any) -> None:
    suspension.lifted_at, suspension.lift_reason = timezone.now(), reason
    suspension.save(update_fields=["lifted_at", "lift_reason"])
    _event(suspension.case, "suspension_lifted", "Interim suspension lifted", actor, public=True, reason=reason)


# ------------------------------------------------------------------------------------------ notices


def _recipient_person(case: Case, recipient: str) -> Person | None:
    return case.complainant if recipient == Notice.Recipient.COMPLAINANT else case.respondent


def send_notice(case: Case, kind: str, recipient: str, actor: Any, *, person: Person | None = None,
                extra: dict | None = None) -> Notice | None:  # fmt: skip
    """Render the notice template and send it through messaging (service purpose: no marketing consent needed),
    kept on the case. A public complainant with no record is written to at the address they gave."""
    template = NoticeTemplate.objects.filter(kind=kind).first()
    if template is None:
        return None
    person = person or _recipient_person(case, recipient)
    if person is None and not (recipient == Notice.Recipient.COMPLAINANT and case.complainant_email):
        return None
    data = {
        "reference": case.reference,
        "stage": case.get_stage_display(),
        "due_on": f"{case.stage_due_on:%d %B %Y}" if case.stage_due_on else "",
        "timescales": timescales_text(),
        "outcome": case.get_outcome_display() if case.outcome else "",
        "sanction": case.get_sanction_display() if case.sanction else "",
        "reason": case.decision_reason,
        "given_name": person.given_name if person else case.complainant_name,
        **(extra or {}),
    }
    subject = render(compile_template(template.subject), data).strip()
    body = render(compile_template(template.body), data)
    send, delivered = None, False
    if person is not None:
        send = create_email_send(
            unit=person.unit,
            subject=subject,
            body_text=body,
            people=Person.objects.filter(pk=person.pk),
            actor=_user(actor),
            source=f"complaint {case.reference} {kind}",
            purpose="service",
        )
        delivered = EmailRecipient.objects.filter(send=send).exists()
        transaction.on_commit(lambda: queue_send(send))
    else:
        # A complainant without a record follows the case by their personal link, in every email to them (not kept in
        # the notice on the case, so handlers reading the record do not see it).
        emailed = f"{body}\n\nFollow your case (keep this link private; it is personal to you):\n{follow_url(case)}\n"
        transaction.on_commit(lambda: send_mail(subject, emailed, None, [case.complainant_email], fail_silently=True))
        delivered = True
    notice = Notice.objects.create(
        case=case, kind=kind, recipient=recipient, subject=subject, body=body, email_send=send, delivered=delivered
    )
    _event(case, "notice", f"Notice to {notice.get_recipient_display().lower()}: {template.get_kind_display()}", actor)
    return notice


# ------------------------------------------------------------------------------------------ periodic work


def escalate_missed_targets(today: datetime.date | None = None) -> int:
    """Flag every running stage past its due date, once per stage period, and tell the reviewers and handler."""
    today = today or _today()
    due = StagePeriod.objects.filter(
        ended_on__isnull=True, due_on__lt=today, escalated_at__isnull=True, case__clock_paused=False
    ).select_related("case", "case__handler__user")
    count = 0
    for period in due.iterator(chunk_size=500):
        case = period.case
        with transaction.atomic():
            period.escalated_at = timezone.now()
            period.save(update_fields=["escalated_at"])
            Case.objects.filter(pk=case.pk).update(overdue=True)
            summary = f"Target missed: {case.get_stage_display()} was due {period.due_on:%d %b %Y}; escalated"
            _event(case, "escalated", summary, None, due_on=period.due_on)
            _audit(case, "escalated", None, stage=period.stage)
            if case.handler_id and case.handler.user.email:
                transaction.on_commit(
                    lambda c=case, p=period: send_mail(
                        f"Complaint {c.reference}: {c.get_stage_display()} target missed",
                        f"The {c.get_stage_display()} stage was due on {p.due_on:%d %B %Y}. Please act or pause "
                        "the clock with a recorded reason.",
                        None,
                        [c.handler.user.email],
                        fail_silently=True,
                    )
                )
        count += 1
    return count


def remind_suspension_reviews(today: datetime.date | None = None) -> int:
    """Remind the handler (once per review date) of interim suspensions due for review within two days."""
    today = today or _today()
    soon = today + datetime.timedelta(days=REMIND_DAYS_BEFORE_REVIEW)
    due = InterimSuspension.objects.filter(lifted_at__isnull=True, review_on__lte=soon).filter(
        Q(reminded_on__isnull=True)
    )
    count = 0
    for suspension in due.select_related("case", "case__handler__user"):
        case = suspension.case
        with transaction.atomic():
            suspension.reminded_on = today
            suspension.save(update_fields=["reminded_on"])
            _event(case, "suspension_reminder", f"Suspension review due {suspension.review_on:%d %b %Y}", None)
            if case.handler_id and case.handler.user.email:
                transaction.on_commit(
                    lambda c=case, s=suspension: send_mail(
                        f"Complaint {c.reference}: interim suspension review due",
                        f"The interim suspension is due for review on {s.review_on:%d %B %Y}.",
                        None,
                        [c.handler.user.email],
                        fail_silently=True,
                    )
                )
        count += 1
    return count


def apply_retention(today: datetime.date | None = None) -> dict[str, int]:
    """Closed cases past their retention date: anonymised (counts kept for the statistics) or deleted, per rule."""
    today = today or _today()
    rules = {r.outcome: r.action for r in RetentionRule.objects.all()}
    expired = Case.objects.filter(stage=Stage.CLOSED, retain_until__lt=today, anonymised_at__isnull=True)
    done = {"anonymised": 0, "deleted": 0}
    for case in expired.iterator(chunk_size=500):
        with transaction.atomic():
            for evidence in case.evidence.all():
                evidence.file.delete(save=False)
            if rules.get(case.outcome, RetentionRule.Action.ANONYMISE) == RetentionRule.Action.DELETE:
                record(AuditEntry.Action.ERASED, obj=case, detail={"retention": "deleted"})
                case.delete()
                done["deleted"] += 1
                continue
            anonymise_case(case)
            record(AuditEntry.Action.ERASED, obj=case, detail={"retention": "anonymised"})
            done["anonymised"] += 1
    return done


def anonymise_case(case: Case) -> None:
    """Keep what the statistics count (unit, category, stages and dates, outcome); drop everyone and every word."""
    case.evidence.all().delete()
    case.notices.all().delete()
    case.conflicts.all().delete()
    case.events.update(summary="[anonymised]", detail={}, actor=None)
    case.suspensions.update(reason="[anonymised]", lift_reason="", imposed_by=None)
    ClockPause.objects.filter(period__case=case).update(note="", recorded_by=None)
    case.summary = "[anonymised]"
    case.complainant = case.respondent = case.logged_by = None
    case.complainant_name = case.complainant_email = case.decision_reason = ""
    case.anonymised_at = timezone.now()
    case.save()


def housekeeping(today: datetime.date | None = None) -> dict[str, Any]:
    """The periodic job: escalations, suspension-review reminders, retention."""
    return {
        "escalated": escalate_missed_targets(today),
        "reminders": remind_suspension_reviews(today),
        "retention": apply_retention(today),
    }
