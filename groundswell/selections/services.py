"""Writes for selections: the timetable, the eligibility snapshot and its challenges, applicants, the panel,
longlist and shortlist decisions, nomination meetings, bulk-join flag reviews, hustings and the ballot.

Every write checks the actor runs selections at the selection's unit (panel members score as named on the
panel), is audited, and every decision carries its reason onto the public record (`Decision`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from groundswell.accounts.access import Perm, has_perm, require
from groundswell.ballots import services as ballots
from groundswell.events.models import Event
from groundswell.events.services import lifecycle as event_lifecycle
from groundswell.events.services import meetups as event_meetups
from groundswell.messaging.models import EmailRecipient
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.offline_sync import clean_text
from groundswell.people.models import OrganisationUnit, Person

from . import eligibility, flags
from .auditing import audit
from .models import (
    Applicant,
    Challenge,
    Conflict,
    Criterion,
    Decision,
    Hustings,
    JoinFlag,
    NominationMeeting,
    PanelMember,
    RuleSet,
    Score,
    Selection,
    Snapshot,
    SnapshotEntry,
    TimetableStage,
)


class NominationRefused(ValidationError):
    """A nomination not accepted (inquorate, attendee not eligible, a second nomination): audited as denied."""


def can_manage(user: Any, selection: Selection) -> bool:
    return has_perm(user, Perm.MANAGE_SELECTIONS, selection.unit)


def _require_manage(actor: Any, selection: Selection) -> None:
    require(actor, Perm.MANAGE_SELECTIONS, selection.unit)


def _text(value: str | None, field: str) -> str:
    """Typed text, trimmed; refused naming the field when it cannot be stored (PostgreSQL refuses NUL)."""
    value = (value or "").strip()
    problem = clean_text(value)
    if problem:
        raise ValidationError({field: [f"The text {problem}: remove it and try again."]})
    return value


def _reason(reason: str) -> str:
    reason = _text(reason, "reason")
    if len(reason) < 5:
        raise ValidationError({"reason": ["Give the reason in words: it is published with the decision."]})
    return reason


def _publish(selection: Selection, stage: str, subject: str, outcome: str, reason: str, actor: Any, **kw) -> Decision:
    return Decision.objects.create(
        selection=selection, stage=stage, subject=subject, outcome=outcome, reason=reason, decided_by=actor, **kw
    )


# ------------------------------------------------------------------------------------------ set up


def create_selection(
    actor: Any,
    *,
    unit: OrganisationUnit,
    kind: str,
    title: str,
    freeze_date: date,
    rules: RuleSet,
    timetable: Mapping[str, tuple[date, date]] = {},
    criteria: Sequence[str] = (),
    **overrides: Any,
) -> Selection:
    """A selection with its rules copied from `rules` (adjusted by `overrides`), its timetable and criteria."""
    require(actor, Perm.MANAGE_SELECTIONS, unit)
    errors: dict[str, list[str]] = {}
    if kind not in Selection.Kind.values:
        errors["kind"] = ["Choose parliamentary, council or internal office."]
    title = _text(title, "title")
    criteria = [_text(t, "criteria") for t in criteria]
    if not title:
        errors["title"] = ["Give the selection a title."]
    for stage, (starts, ends) in timetable.items():
        if stage not in Selection.Stage.values:
            errors["timetable"] = [f"Unknown stage {stage!r}."]
        elif ends < starts:
            errors[f"timetable_{stage}"] = [f"{Selection.Stage(stage).label} ends before it starts."]
    if errors:
        raise ValidationError(errors)
    copied = {
        f: getattr(rules, f)
        for f in (
            "voter_min_months",
            "applicant_min_months",
            "require_good_standing",
            "applicant_requires_union",
            "nomination_quorum",
            "one_nomination_per_body_per_category",
            "only_nominated_shortlisted",
            "min_women_percent",
            "min_minority_ethnic",
        )
    }
    with transaction.atomic():
        selection = Selection.objects.create(
            unit=unit,
            kind=kind,
            title=title,
            freeze_date=freeze_date,
            procedures_secretary=actor,
            rules_name=rules.name,
            rules_source=rules.source,
            created_by=actor,
            **{**copied, **overrides},
        )
        TimetableStage.objects.bulk_create(
            TimetableStage(selection=selection, stage=s, starts_on=a, ends_on=b) for s, (a, b) in timetable.items()
        )
        Criterion.objects.bulk_create(Criterion(selection=selection, text=t.strip()) for t in criteria if t.strip())
        audit("selection_created", actor=actor, obj=selection, unit=unit, detail={"rules": rules.name})
    return selection


def set_stage(actor: Any, selection: Selection, stage: str, reason: str = "") -> None:
    """Move the selection to its next stage (published on the page as a decision)."""
    _require_manage(actor, selection)
    if stage not in Selection.Stage.values:
        raise ValidationError({"stage": ["Unknown stage."]})
    with transaction.atomic():
        selection.stage = stage
        selection.save(update_fields=["stage"])
        label = Selection.Stage(stage).label
        _publish(
            selection, stage, "Stage", f"Now at: {label}", reason or f"The timetable reached {label.lower()}.", actor
        )
        audit("stage_set", actor=actor, obj=selection, detail={"stage": stage})


# ------------------------------------------------------------------------------------------ eligibility


def current_snapshot(selection: Selection) -> Snapshot | None:
    return selection.snapshots.order_by("-version").first()


def _store_snapshot(
    selection: Selection, freeze: date, verdicts: Iterable[eligibility.Verdict], reason: str, actor: Any
) -> Snapshot:
    verdicts = list(verdicts)
    rules = selection.rules()
    eligible = [v.membership_number for v in verdicts if v.eligible]
    version = (selection.snapshots.aggregate(n=Max("version"))["n"] or 0) + 1
    snapshot = Snapshot.objects.create(
        selection=selection,
        version=version,
        freeze_date=freeze,
        rules=rules,
        digest=eligibility.digest(freeze, rules, eligible),
        eligible_count=len(eligible),
        checked_count=len(verdicts),
        reason=reason,
        taken_by=actor,
    )
    SnapshotEntry.objects.bulk_create(
        (
            SnapshotEntry(
                snapshot=snapshot,
                person_id=v.person_id,
                membership_number=v.membership_number,
                eligible=v.eligible,
                reason=v.reason[:300],
                overridden=v.overridden,
            )
            for v in verdicts
        ),
        batch_size=2000,
    )
    return snapshot


def _with_upheld_challenges(
    selection: Selection, freeze: date, verdicts: list[eligibility.Verdict]
) -> list[eligibility.Verdict]:
    """An upheld challenge outlives a fresh version at the same freeze date (a reset date starts afresh)."""
    upheld = {
        c.person_id: c.new_snapshot.entries.get(person_id=c.person_id)
        for c in selection.challenges.filter(status=Challenge.Status.UPHELD, new_snapshot__freeze_date=freeze)
        .select_related("new_snapshot")
        .order_by("decided_at")
    }
    return [
        eligibility.Verdict(
            v.person_id, v.membership_number, upheld[v.person_id].eligible, upheld[v.person_id].reason, True
        )
        if v.person_id in upheld
        else v
        for v in verdicts
    ]


def check_snapshot_request(actor: Any, selection: Selection, *, freeze_date: date | None, reason: str) -> str:
    """The checks before a snapshot (who may, and a reason for a reset or a new version): the reason to record."""
    _require_manage(actor, selection)
    freeze = freeze_date or selection.freeze_date
    if freeze != selection.freeze_date or selection.snapshots.exists():
        return _reason(reason)
    return _text(reason, "reason")


def take_snapshot(actor: Any, selection: Selection, *, freeze_date: date | None = None, reason: str = "") -> Snapshot:
    """The eligible list at the freeze date, as a new immutable version, and the bulk-join flags it raises.

    A different freeze date is a reset (as at Falkirk, 19 May 2013 → 12 March 2012): it needs a reason, is
    published, and keeps every earlier version.
    """
    reason = check_snapshot_request(actor, selection, freeze_date=freeze_date, reason=reason)
    freeze = freeze_date or selection.freeze_date
    reset = freeze != selection.freeze_date
    with transaction.atomic():
        Selection.objects.select_for_update().filter(pk=selection.pk).first()  # one version number at a time
        if reset:
            old = selection.freeze_date
            selection.freeze_date = freeze
            selection.save(update_fields=["freeze_date"])
            _publish(
                selection,
                Selection.Stage.FREEZE,
                "Freeze date",
                f"Reset from {old:%-d %B %Y} to {freeze:%-d %B %Y}",
                reason,
                actor,
            )
        verdicts = _with_upheld_challenges(selection, freeze, eligibility.voter_verdicts(selection, freeze))
        snapshot = _store_snapshot(
            selection, freeze, verdicts, reason or f"Eligible list at the freeze date, {freeze:%-d %B %Y}", actor
        )
        raised = flags.raise_flags(selection, snapshot)
        _publish(
            selection,
            Selection.Stage.FREEZE,
            f"Eligible list, version {snapshot.version}",
            f"{snapshot.eligible_count} of {snapshot.checked_count} members eligible; SHA-256 {snapshot.digest}",
            snapshot.reason,
            actor,
        )
        audit(
            "snapshot_taken",
            actor=actor,
            obj=snapshot,
            unit=selection.unit,
            detail={"version": snapshot.version, "digest": snapshot.digest, "flags": len(raised), "reset": reset},
        )
    return snapshot


def entry_for(selection: Selection, person: Person | None) -> SnapshotEntry | None:
    snapshot = current_snapshot(selection)
    if snapshot is None or person is None:
        return None
    return snapshot.entries.filter(person=person).first()


def lodge_challenge(user: Any, selection: Selection, statement: str) -> Challenge:
    """A member disputes their own place on (or off) the current eligible list."""
    person = getattr(user, "person", None)
    snapshot = current_snapshot(selection)
    if person is None or snapshot is None:
        raise ValidationError("There is no eligible list to challenge yet.")
    if not snapshot.entries.filter(person=person).exists():
        raise PermissionDenied("You are not a member of this selection's unit.")
    statement = _text(statement, "statement")
    if len(statement) < 10:
        raise ValidationError({"statement": ["Say why you think the list is wrong about you (e.g. when you joined)."]})
    if selection.challenges.filter(person=person, status=Challenge.Status.OPEN).exists():
        raise ValidationError("You already have a challenge waiting for a decision.")
    with transaction.atomic():
        challenge = Challenge.objects.create(selection=selection, person=person, against=snapshot, statement=statement)
        audit("challenge_lodged", actor=user, obj=challenge, unit=selection.unit)
    return challenge


def decide_challenge(actor: Any, challenge: Challenge, *, uphold: bool, reason: str) -> Challenge:
    """The procedures secretary decides with a reason. Upheld: a new list version with the member's entry
    reversed (the earlier versions stay)."""
    selection = challenge.selection
    _require_manage(actor, selection)
    reason = _reason(reason)
    if challenge.status != Challenge.Status.OPEN:
        raise ValidationError("This challenge has been decided.")
    with transaction.atomic():
        challenge.status = Challenge.Status.UPHELD if uphold else Challenge.Status.REJECTED
        challenge.decided_by, challenge.decided_at, challenge.reason = actor, timezone.now(), reason
        if uphold:
            base = current_snapshot(selection)
            verdicts = []
            for e in base.entries.all():
                if e.person_id == challenge.person_id:
                    verdict = eligibility.Verdict(
                        e.person_id,
                        e.membership_number,
                        not e.eligible,
                        f"Challenge #{challenge.pk} upheld: {reason}",
                        True,
                    )
                else:
                    verdict = eligibility.Verdict(e.person_id, e.membership_number, e.eligible, e.reason, e.overridden)
                verdicts.append(verdict)
            challenge.new_snapshot = _store_snapshot(
                selection, base.freeze_date, verdicts, f"Challenge #{challenge.pk} upheld", actor
            )
        challenge.save()
        outcome = (
            f"Upheld: eligible list version {challenge.new_snapshot.version} (SHA-256 {challenge.new_snapshot.digest})"
            if uphold
            else "Rejected: the list stands"
        )
        _publish(
            selection, Selection.Stage.FREEZE, f"Challenge #{challenge.pk} to the eligible list", outcome, reason, actor
        )
        audit("challenge_decided", actor=actor, obj=challenge, unit=selection.unit, detail={"upheld": uphold})
    return challenge


# ------------------------------------------------------------------------------------------ applicants and panel


def apply(
    user: Any,
    selection: Selection,
    *,
    public_name: str,
    union_member: bool = False,
    union_name: str = "",
    diversity_consent: bool = False,
    gender: str = "",
    minority_ethnic: bool | None = None,
    anonymise_reasons: bool = False,
) -> Applicant:
    """A member applies to stand; the stand checks run now and are kept with the application."""
    person = getattr(user, "person", None)
    if person is None:
        raise PermissionDenied("Your login is not linked to a member's record.")
    if not person.unit.is_within(selection.unit):
        raise PermissionDenied("You are not a member of this selection's unit.")
    if selection.stage not in (Selection.Stage.FREEZE, Selection.Stage.APPLICATIONS):
        raise ValidationError("Applications have closed for this selection.")
    public_name = _text(public_name, "public_name")
    union_name = _text(union_name, "union_name")
    if not public_name:
        raise ValidationError({"public_name": ["Give the name to print on the ballot paper."]})
    if gender and gender not in Applicant.Gender.values:
        raise ValidationError({"gender": ["Choose one of the listed answers, or leave it blank."]})
    if selection.applicants.filter(person=person).exists():
        raise ValidationError("You have already applied.")
    checks = eligibility.applicant_checks(selection, person, timezone.localdate(), union_member)
    eligible = all(ok for ok, _ in checks.values())
    with transaction.atomic():
        applicant = Applicant.objects.create(
            selection=selection,
            person=person,
            public_name=public_name,
            union_member=union_member,
            union_name=union_name,
            diversity_consent=diversity_consent,
            # Self-declared data is held only with consent (UK GDPR art. 9: special category).
            gender=gender if diversity_consent else "",
            minority_ethnic=minority_ethnic if diversity_consent else None,
            anonymise_reasons=anonymise_reasons,
            checks=checks,
            eligible=eligible,
            status=Applicant.Status.APPLIED if eligible else Applicant.Status.INELIGIBLE,
        )
        if not eligible:
            why = "; ".join(text for ok, text in checks.values() if not ok)
            _publish(
                selection, Selection.Stage.APPLICATIONS, published_name(applicant), "Not eligible to stand", why, None,
                applicant=applicant,
            )  # fmt: skip
        audit("applied", actor=user, obj=applicant, unit=selection.unit, detail={"eligible": eligible})
    return applicant


def published_name(applicant: Applicant) -> str:
    """The applicant's name on the public record, or a letter if they asked for anonymity."""
    if not applicant.anonymise_reasons:
        return applicant.public_name
    ids = list(applicant.selection.applicants.order_by("pk").values_list("pk", flat=True))
    index = ids.index(applicant.pk)
    return f"Applicant {chr(ord('A') + index % 26)}{index // 26 or ''}"


def add_panel_member(actor: Any, selection: Selection, user: Any, *, name: str, role: str = "") -> PanelMember:
    _require_manage(actor, selection)
    name, role = _text(name, "name"), _text(role, "role")
    with transaction.atomic():
        member, _ = PanelMember.objects.get_or_create(
            selection=selection, user=user, defaults={"name": name or str(user), "role": role}
        )
        audit("panel_member_added", actor=actor, obj=selection, detail={"panel_member": member.pk})
    return member


def declare_conflict(actor: Any, panel_member: PanelMember, applicant: Applicant, nature: str) -> Conflict:
    """The panel member themself (or the secretary) declares a conflict; published with the panel."""
    selection = panel_member.selection
    if actor.pk != panel_member.user_id:
        _require_manage(actor, selection)
    if applicant.selection_id != selection.pk:
        raise ValidationError("That applicant is in another selection.")
    nature = _text(nature, "nature")
    if not nature:
        raise ValidationError({"nature": ["Say what the conflict is (e.g. 'works for the applicant')."]})
    with transaction.atomic():
        conflict, _ = Conflict.objects.get_or_create(
            panel_member=panel_member, applicant=applicant, defaults={"nature": nature}
        )
        audit("conflict_declared", actor=actor, obj=conflict, unit=selection.unit)
    return conflict


def score(actor: Any, applicant: Applicant, criterion: Criterion, value: int, note: str = "") -> Score:
    """A panel member scores an applicant against a published criterion; refused when conflicted."""
    selection = applicant.selection
    member = selection.panel.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if member is None:
        raise PermissionDenied("Only the selection's panel scores applicants.")
    if criterion.selection_id != selection.pk:
        raise ValidationError("That criterion belongs to another selection.")
    if member.conflicts.filter(applicant=applicant).exists():
        audit("score_refused", actor=actor, obj=applicant, unit=selection.unit, reason="conflict")
        raise PermissionDenied(f"You declared a conflict with {applicant.public_name}, so you cannot score them.")
    if not 0 <= value <= criterion.max_score:
        raise ValidationError({"score": [f"Score from 0 to {criterion.max_score}."]})
    with transaction.atomic():
        row, _ = Score.objects.update_or_create(
            panel_member=member, applicant=applicant, criterion=criterion, defaults={"score": value, "note": note}
        )
        audit("scored", actor=actor, obj=applicant, unit=selection.unit, detail={"criterion": criterion.pk})
    return row


# ------------------------------------------------------------------------------------------ longlist, shortlist


def balance_problems(selection: Selection, applicants: Sequence[Applicant]) -> list[str]:
    """The balance rules of the selection checked on a list, from self-declared data held with consent."""
    problems = []
    total = len(applicants)
    if selection.min_women_percent is not None and total:
        women = sum(1 for a in applicants if a.diversity_consent and a.gender == Applicant.Gender.WOMAN)
        if women * 100 < selection.min_women_percent * total:
            problems.append(
                f"At least {selection.min_women_percent}% women needed: {women} of {total} declared themselves women."
            )
    if selection.min_minority_ethnic:
        bame = sum(1 for a in applicants if a.diversity_consent and a.minority_ethnic)
        if bame < selection.min_minority_ethnic:
            problems.append(
                f"At least {selection.min_minority_ethnic} minority-ethnic candidate(s) needed: {bame} declared."
            )
    return problems


def decide_longlist(actor: Any, applicant: Applicant, *, longlisted: bool, reason: str) -> Applicant:
    selection = applicant.selection
    _require_manage(actor, selection)
    reason = _reason(reason)
    if longlisted and not applicant.eligible:
        raise ValidationError(f"{applicant.public_name} is not eligible to stand, so cannot be longlisted.")
    with transaction.atomic():
        applicant.status = Applicant.Status.LONGLISTED if longlisted else Applicant.Status.NOT_LONGLISTED
        applicant.save(update_fields=["status"])
        _publish(
            selection, Selection.Stage.LONGLISTING, published_name(applicant), applicant.get_status_display(), reason,
            actor, applicant=applicant,
        )  # fmt: skip
        audit("longlist_decided", actor=actor, obj=applicant, unit=selection.unit, detail={"longlisted": longlisted})
    return applicant


def publish_list(actor: Any, selection: Selection, which: str) -> list[Applicant]:
    """Publish the longlist or shortlist: every applicant decided, and the balance rules met."""
    _require_manage(actor, selection)
    listed_status = Applicant.Status.LONGLISTED if which == "longlist" else Applicant.Status.SHORTLISTED
    pending = (
        [Applicant.Status.APPLIED] if which == "longlist" else [Applicant.Status.LONGLISTED]
    )  # shortlisting decides among the longlist
    waiting = selection.applicants.filter(status__in=pending)
    if waiting.exists():
        names = ", ".join(a.public_name for a in waiting[:5])
        raise ValidationError(f"Decide every applicant first, with a reason (still waiting: {names}).")
    listed = list(selection.applicants.filter(status=listed_status))
    if len(listed) < 1:
        raise ValidationError(f"The {which} is empty.")
    problems = balance_problems(selection, listed)
    if problems:
        raise ValidationError(f"The {which} does not meet the balance rules: " + " ".join(problems))
    stage = Selection.Stage.LONGLISTING if which == "longlist" else Selection.Stage.SHORTLISTING
    next_stage = Selection.Stage.NOMINATIONS if which == "longlist" else Selection.Stage.HUSTINGS
    with transaction.atomic():
        _publish(
            selection, stage, f"The {which}", f"Published: {', '.join(published_name(a) for a in listed)}",
            "Every applicant decided with a reason; the balance rules are met.", actor,
        )  # fmt: skip
        selection.stage = next_stage
        selection.save(update_fields=["stage"])
        audit(f"{which}_published", actor=actor, obj=selection, detail={"count": len(listed)})
    return listed


def decide_shortlist(actor: Any, applicant: Applicant, *, shortlisted: bool, reason: str) -> Applicant:
    selection = applicant.selection
    _require_manage(actor, selection)
    reason = _reason(reason)
    if applicant.status not in (
        Applicant.Status.LONGLISTED,
        Applicant.Status.SHORTLISTED,
        Applicant.Status.NOT_SHORTLISTED,
    ):
        raise ValidationError(f"{applicant.public_name} is not on the longlist.")
    if shortlisted and selection.only_nominated_shortlisted and not applicant.nominations.exists():
        raise ValidationError(
            f"{applicant.public_name} has no nomination from a branch or affiliate: only nominated candidates are "
            "shortlisted in this selection."
        )
    with transaction.atomic():
        applicant.status = Applicant.Status.SHORTLISTED if shortlisted else Applicant.Status.NOT_SHORTLISTED
        applicant.save(update_fields=["status"])
        _publish(
            selection, Selection.Stage.SHORTLISTING, published_name(applicant), applicant.get_status_display(), reason,
            actor, applicant=applicant,
        )  # fmt: skip
        audit("shortlist_decided", actor=actor, obj=applicant, unit=selection.unit, detail={"shortlisted": shortlisted})
    return applicant


# ------------------------------------------------------------------------------------------ nominations


def record_nomination(
    actor: Any,
    selection: Selection,
    *,
    body_kind: str,
    body_name: str,
    held_on: date,
    attendee_numbers: Iterable[str],
    votes: Mapping[str, int],
    nominee: Applicant,
    category: str = NominationMeeting.Category.OPEN,
    branch: OrganisationUnit | None = None,
) -> NominationMeeting:
    """A nomination meeting: attendance from the eligible list, quorum, votes and the nominee.

    Refused (and audited) with a plain message when inquorate, when an attendee is not on the eligible list,
    when the nominee is not longlisted, or when the body already nominated in that category (if the rules say so).
    """
    _require_manage(actor, selection)

    def refuse(message: str, code: str) -> None:
        audit("nomination_refused", actor=actor, obj=selection, reason=code, detail={"body": body_name, "why": message})
        raise NominationRefused(message)

    body_name = _text(body_name, "body_name")
    if body_kind not in NominationMeeting.BodyKind.values or not body_name:
        raise ValidationError({"body_name": ["Name the branch or affiliate and say which it is."]})
    if category not in NominationMeeting.Category.values:
        raise ValidationError({"category": ["Choose open, woman or minority-ethnic."]})
    if branch is not None and not branch.is_within(selection.unit):
        raise ValidationError({"branch": [f"{branch.name} is not part of {selection.unit.name}."]})
    snapshot = current_snapshot(selection)
    if snapshot is None:
        refuse("Take the eligible list before recording nominations: attendance is checked against it.", "no_list")
    numbers = sorted({n for n in (_text(n, "attendees") for n in attendee_numbers) if n})
    entries = {e.membership_number: e for e in snapshot.entries.filter(membership_number__in=numbers)}
    unknown = [n for n in numbers if n not in entries or not entries[n].eligible]
    if unknown:
        refuse(
            f"Not on the eligible list (version {snapshot.version}): {', '.join(unknown)}. Only eligible members "
            "count towards the quorum and vote.",
            "attendee_not_eligible",
        )
    if len(numbers) < selection.nomination_quorum:
        refuse(
            f"Inquorate: {len(numbers)} eligible members attended {body_name}'s meeting; the quorum is "
            f"{selection.nomination_quorum}. The nomination is refused; the meeting may be held again.",
            "inquorate",
        )
    if nominee.selection_id != selection.pk or nominee.status not in (
        Applicant.Status.LONGLISTED,
        Applicant.Status.SHORTLISTED,
        Applicant.Status.NOT_SHORTLISTED,
    ):
        refuse(f"{nominee.public_name} is not on the longlist, so cannot be nominated.", "not_longlisted")
    clean_votes: dict[str, int] = {}
    for name, count in votes.items():
        if not isinstance(count, int) or count < 0:
            raise ValidationError({"votes": [f"Votes for {name} must be a whole number."]})
        clean_votes[str(name)] = count
    if sum(clean_votes.values()) > len(numbers):
        refuse(
            f"{sum(clean_votes.values())} votes recorded but only {len(numbers)} eligible members attended.", "votes"
        )
    if (
        selection.one_nomination_per_body_per_category
        and selection.nomination_meetings.filter(
            body_kind=body_kind, body_name__iexact=body_name, category=category
        ).exists()
    ):
        refuse(
            f"{body_name} has already nominated in the {NominationMeeting.Category(category).label.lower()} category: "
            "one nomination per branch or affiliate per category.",
            "second_nomination",
        )
    with transaction.atomic():
        meeting = NominationMeeting.objects.create(
            selection=selection,
            body_kind=body_kind,
            body_name=body_name,
            branch=branch,
            category=category,
            held_on=held_on,
            quorum=selection.nomination_quorum,
            attendance=len(numbers),
            votes=clean_votes,
            nominee=nominee,
            recorded_by=actor,
        )
        meeting.attendees.set([e.person_id for e in entries.values()])
        tally = ", ".join(f"{n} {v}" for n, v in clean_votes.items())
        _publish(
            selection, Selection.Stage.NOMINATIONS, f"{body_name} ({meeting.get_body_kind_display().lower()})",
            f"Nominated {published_name(nominee)} ({meeting.get_category_display().lower()})",
            f"Quorate: {len(numbers)} eligible members attended (quorum {meeting.quorum}). Votes: {tally}.", actor,
            applicant=nominee,
        )  # fmt: skip
        audit("nomination_recorded", actor=actor, obj=meeting, unit=selection.unit)
    return meeting


# ------------------------------------------------------------------------------------------ bulk-join flags


def review_flag(actor: Any, flag: JoinFlag, *, decision: str, reason: str) -> JoinFlag:
    """A named officer decides on a flag with a reason. No decision removes anyone from the list by itself."""
    _require_manage(actor, flag.selection)
    reason = _reason(reason)
    if decision not in JoinFlag.Decision.values or decision == JoinFlag.Decision.OPEN:
        raise ValidationError({"decision": ["Choose genuine, concern noted or referred."]})
    with transaction.atomic():
        flag.decision, flag.reason = decision, reason
        flag.reviewed_by, flag.reviewed_at = actor, timezone.now()
        flag.save(update_fields=["decision", "reason", "reviewed_by", "reviewed_at"])
        audit("flag_reviewed", actor=actor, obj=flag, unit=flag.selection.unit, detail={"decision": decision})
    return flag


# ------------------------------------------------------------------------------------------ hustings


def eligible_people(selection: Selection) -> QuerySet[Person]:
    snapshot = current_snapshot(selection)
    if snapshot is None:
        return Person.objects.none()
    return Person.objects.filter(pk__in=snapshot.entries.filter(eligible=True).values("person_id"))


def create_hustings(actor: Any, selection: Selection, **event_fields: Any) -> Hustings:
    """The hustings as a members' event (events app), and the invitation to every eligible member (messaging)."""
    _require_manage(actor, selection)
    event_fields.setdefault("kind", Event.Kind.MEETUP)
    event_fields.setdefault("visibility", Event.Visibility.MEMBERS)
    event_fields.setdefault("title", f"Hustings: {selection.title}")
    with transaction.atomic():
        event = event_lifecycle.create_event(selection.unit, actor=actor, hosts=[actor], **event_fields)
        hustings = Hustings.objects.create(selection=selection, event=event)
        _publish(
            selection, Selection.Stage.HUSTINGS, "Hustings",
            f"{event.starts_at:%-d %B %Y, %H:%M} at {event.venue_name or event.postcode or 'online'}",
            "Every eligible member is invited; say on this page whether you are coming.", actor,
        )  # fmt: skip
        invite_to_hustings(actor, hustings)
        audit("hustings_created", actor=actor, obj=hustings, unit=selection.unit, detail={"event": event.pk})
    return hustings


def _hustings_message(hustings: Hustings, reminder: bool) -> tuple[str, str]:
    event, selection = hustings.event, hustings.selection
    when = timezone.localtime(event.starts_at).strftime("%-d %B %Y at %H:%M")
    url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/selections/{selection.pk}/"
    subject = f"{'Reminder: ' if reminder else ''}Hustings for {selection.title}, {when}"
    body = (
        "Dear {{ given_name }},\n\n"
        f"You are eligible to vote in {selection.title}. Hear the shortlisted candidates at the hustings on {when}"
        f"{' at ' + event.venue_name if event.venue_name else ''}.\n\n"
        f"Say whether you are coming on the selection's page: {url}\n"
    )
    return subject, body


REMIND_BEFORE = timedelta(hours=48)


def send_due_hustings_reminders(now: datetime | None = None) -> int:
    """The scheduler's sweep: one reminder, 48 hours before, to eligible members who have not replied. Each
    hustings is claimed (reminded_at set) before its send is made, so a second sweep sends nothing."""
    now = now or timezone.now()
    due = Hustings.objects.filter(
        reminded_at__isnull=True,
        event__status=Event.Status.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMIND_BEFORE,
    ).select_related("selection__unit", "event")
    sent = 0
    for hustings in due:
        with transaction.atomic():
            if not Hustings.objects.filter(pk=hustings.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            _email_hustings(None, hustings, reminder=True)
            sent += 1
    return sent


def invite_to_hustings(actor: Any, hustings: Hustings, *, reminder: bool = False) -> int:
    """Email every eligible member (a service message about their membership rights) who has not yet said they
    are coming; returns how many were queued."""
    _require_manage(actor, hustings.selection)
    return _email_hustings(actor, hustings, reminder=reminder)


def _email_hustings(actor: Any, hustings: Hustings, *, reminder: bool) -> int:
    selection = hustings.selection
    people = eligible_people(selection)
    if reminder:
        people = people.exclude(pk__in=hustings.event.rsvps.values("person_id"))
    subject, body = _hustings_message(hustings, reminder)
    send = create_email_send(
        unit=selection.unit, subject=subject, body_text=body, people=people, actor=actor,
        source=f"selection {selection.pk} hustings {'reminder' if reminder else 'invitation'}", purpose="service",
    )  # fmt: skip
    transaction.on_commit(lambda: queue_send(send))
    count = EmailRecipient.objects.filter(send=send).count()
    now = timezone.now()
    if reminder:
        Hustings.objects.filter(pk=hustings.pk).update(reminded_at=now)
    else:
        Hustings.objects.filter(pk=hustings.pk).update(invited=people.count(), invited_at=now)
    audit("hustings_invited", actor=actor, obj=hustings, unit=selection.unit, detail={"reminder": reminder})
    return count


def say_coming(user: Any, hustings: Hustings) -> None:
    """An eligible member says they are coming (an RSVP on the event)."""
    person = getattr(user, "person", None)
    entry = entry_for(hustings.selection, person)
    if entry is None or not entry.eligible:
        raise PermissionDenied("Only eligible members are invited to the hustings.")
    event_meetups.sign_up(hustings.event, person, source=f"selection {hustings.selection_id} page", actor=user)


# ------------------------------------------------------------------------------------------ ballot


def open_ballot(
    actor: Any, selection: Selection, *, opens_at: datetime, closes_at: datetime, returning_officer: Any
) -> Any:
    """The members' ballot from the current eligible list and the shortlist (ballots app), linked back here."""
    _require_manage(actor, selection)
    if selection.ballot_id:
        raise ValidationError("This selection already has its ballot.")
    shortlist = list(selection.applicants.filter(status=Applicant.Status.SHORTLISTED).order_by("public_name"))
    if len(shortlist) < 2:
        raise ValidationError("Shortlist at least two candidates before the ballot.")
    snapshot = current_snapshot(selection)
    if snapshot is None:
        raise ValidationError("Take the eligible list first.")
    if selection.challenges.filter(status=Challenge.Status.OPEN).exists():
        raise ValidationError("Decide the open challenges to the eligible list first.")
    seats = 1
    with transaction.atomic():
        ballot = ballots.create_ballot(
            actor,
            unit=selection.unit,
            title=selection.title,
            method="irv" if seats == 1 else "stv",
            seats=seats,
            candidates=[a.public_name for a in shortlist],
            opens_at=opens_at,
            closes_at=closes_at,
            returning_officer=returning_officer,
            voters=list(eligible_people(selection)),
            source=f"selections:{selection.pk}",
        )
        selection.ballot = ballot
        selection.stage = Selection.Stage.BALLOT
        selection.save(update_fields=["ballot", "stage"])
        _publish(
            selection, Selection.Stage.BALLOT, "Ballot",
            f"Eliminating ballot of {snapshot.eligible_count} eligible members (list version {snapshot.version})",
            f"One member one vote from {opens_at:%-d %B} to {closes_at:%-d %B %Y}.", actor,
        )  # fmt: skip
        audit("ballot_opened", actor=actor, obj=selection, detail={"ballot": ballot.pk, "snapshot": snapshot.version})
    return ballot
