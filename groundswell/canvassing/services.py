"""Canvassing business rules: campaigns and recording contacts (support codes: questions.support_codes).

Views, the doorstep sync endpoint, keyboard entry and commands all record through `record_contact`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit, Person, TimelineEntry
from groundswell.people.services import add_timeline_entry
from groundswell.questions import services as questions
from groundswell.questions.support_codes import ensure_default_support_codes, support_codes_for
from groundswell.register.models import Elector

from .models import CanvassCampaign, Contact, DoorOutcome

# Outcomes where we learned something from (or about) the elector themselves; "not in" is only an attempt,
# and moved / deceased / wrong address say the register is wrong, not that we reached anyone.
REACHED_OUTCOMES = frozenset(
    {
        DoorOutcome.SPOKE,
        DoorOutcome.REFUSED,
        DoorOutcome.POSTER,
        DoorOutcome.WANTS_POSTAL_VOTE,
        DoorOutcome.WANTS_TO_VOLUNTEER,
    }
)
REVIEW_OUTCOMES = frozenset({DoorOutcome.MOVED, DoorOutcome.DECEASED, DoorOutcome.WRONG_ADDRESS})


# ---------------------------------------------------------------- campaigns


@transaction.atomic
def create_campaign(
    *,
    unit: OrganisationUnit,
    constituency: Any,
    name: str,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    actor: Any = None,
) -> CanvassCampaign:
    """A campaign with its own copy of the default canvass questions; the unit gets default codes if it has none."""
    if ends_on and starts_on and ends_on < starts_on:
        raise ValidationError("The campaign ends before it starts")
    if not support_codes_for(unit):
        ensure_default_support_codes(unit)
    qs = questions.create_default_canvass_set(unit, name=f"{name} questions")
    campaign = CanvassCampaign.objects.create(
        unit=unit,
        constituency=constituency,
        name=name,
        question_set=qs,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
    )
    record(AuditEntry.Action.CREATED, actor=actor, obj=campaign, unit=unit)
    return campaign


def is_running(campaign: CanvassCampaign, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return campaign.starts_on <= today and (campaign.ends_on is None or today <= campaign.ends_on)


# A phone's clock may run a little fast: a result dated up to this far ahead of the server is taken as now-ish.
CLOCK_SKEW = datetime.timedelta(minutes=10)


def check_occurred_at(campaign: CanvassCampaign, occurred_at: datetime.datetime | None, method: str) -> None:
    """A result from the doorstep (or a paper sheet) happened while the campaign ran: not before its first
    day, not after its last (paper sheets excepted: they are typed in later, stamped when typed), and not in
    the future beyond CLOCK_SKEW. ValidationError naming occurred_at otherwise; None means "now"."""
    if occurred_at is None:
        return
    first = timezone.make_aware(datetime.datetime.combine(campaign.starts_on, datetime.time.min))
    if occurred_at < first - CLOCK_SKEW:
        raise ValidationError(
            f"occurred_at: {occurred_at:%Y-%m-%d %H:%M} is before the campaign started ({campaign.starts_on:%d %b %Y})"
        )
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError("occurred_at: the result is dated in the future (is the phone's clock right?)")
    if campaign.ends_on is not None and method != Contact.Method.PAPER:
        last = timezone.make_aware(datetime.datetime.combine(campaign.ends_on, datetime.time.max))
        if occurred_at > last + CLOCK_SKEW:
            raise ValidationError(
                f"occurred_at: {occurred_at:%Y-%m-%d %H:%M} is after the campaign ended ({campaign.ends_on:%d %b %Y})"
            )


# ---------------------------------------------------------------- contacts


def _validate(
    campaign: CanvassCampaign,
    *,
    outcome: str,
    method: str,
    support_code: str,
    likelihood: int | None,
    previous_vote: str,
    issues: Iterable[str],
    notes: str,
    answers: Mapping[str, Any] | None,
    lenient: bool = False,
) -> dict[str, Any]:
    if outcome not in DoorOutcome.values:
        raise ValidationError(f"Unknown outcome {outcome!r}")
    if method not in Contact.Method.values:
        raise ValidationError(f"Unknown method {method!r}")
    codes, by_key = _rules(campaign)
    qset = campaign.question_set
    built_in = {
        questions.SUPPORT: support_code or None,
        questions.LIKELIHOOD: likelihood,
        questions.PREVIOUS_VOTE: previous_vote or None,
        questions.ISSUES: list(issues) or None,
        questions.NOTES: notes or None,
    }
    cleaned: dict[str, Any] = {}
    for key, value in built_in.items():
        question = by_key.get(key)
        if question is not None:
            cleaned[key] = questions.validate_answer(question, value, codes) if value is not None else None
        elif key == questions.SUPPORT and value is not None and value not in codes:
            raise ValidationError(f"Unknown support code {value!r}")
        elif key == questions.LIKELIHOOD and value is not None:
            cleaned[key] = _likelihood(value)
        else:
            cleaned[key] = value
    # Answers to the built-in questions come in their own arguments, never twice.
    extra = dict(answers or {})
    doubled = sorted(set(extra) & set(questions.BUILT_IN_KEYS))
    if doubled:
        raise ValidationError(f"Pass {', '.join(doubled)} as arguments, not in answers")
    # A support code or answers only make sense when someone answered the door; without a conversation
    # the questions (required or not) do not apply.
    if outcome not in REACHED_OUTCOMES:
        if cleaned[questions.SUPPORT] or any(v not in (None, "", []) for v in extra.values()):
            raise ValidationError(f"Outcome '{outcome}' cannot carry a support code or answers")
        cleaned["answers"] = {}
        return cleaned
    built_in_answers = {k: v for k, v in cleaned.items() if v is not None}
    cleaned["answers"] = questions.validate_answers(
        qset, extra, support_codes=codes, skip=questions.BUILT_IN_KEYS, context=built_in_answers, lenient=lenient
    )
    return cleaned


def _rules(campaign: CanvassCampaign) -> tuple[list[str], dict[str, Any]]:
    """The campaign's support codes and questions, read once per campaign object.

    A sync request validates hundreds of results against one campaign instance; re-reading the same rows
    for each would dominate the request. A new request loads a new instance, so edits are seen at once.
    """
    cached = getattr(campaign, "_gs_rules", None)
    if cached is None:
        qset = campaign.question_set
        cached = (
            list(support_codes_for(campaign.unit)),
            {q.key: q for q in qset.questions.all()} if qset is not None else {},
        )
        campaign._gs_rules = cached
    return cached


def _likelihood(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        raise ValidationError(f"Likelihood {str(value)[:20]!r} is not a number") from None
    if not 0 <= number <= 10:
        raise ValidationError("Likelihood must be 0 to 10")
    return number


def recompute_elector(elector: Elector) -> Elector:
    """Set the derived fields from the elector's contacts (never typed in directly).

    Latest support comes from the latest contact *with* a support code, so a later 'not in' keeps it.
    """
    # One read of the elector's (few) contacts, newest first, rather than a query per derived field.
    rows = list(
        Contact.objects.filter(elector=elector)
        .order_by("-occurred_at", "-id")
        .values_list("support_code", "likelihood", "outcome", "occurred_at")
    )
    latest_support = next(((code, at) for code, _, _, at in rows if code), None)
    elector.current_support = latest_support[0] if latest_support else ""
    elector.current_support_at = latest_support[1] if latest_support else None
    elector.current_likelihood = next((lk for _, lk, _, _ in rows if lk is not None), None)
    elector.last_contacted_at = next((at for code, _, outcome, at in rows if code or outcome in REACHED_OUTCOMES), None)
    Elector.objects.filter(pk=elector.pk).update(
        current_support=elector.current_support,
        current_support_at=elector.current_support_at,
        current_likelihood=elector.current_likelihood,
        last_contacted_at=elector.last_contacted_at,
        updated_at=timezone.now(),
    )
    return elector


def record_contact(
    elector: Elector,
    *,
    campaign: CanvassCampaign | None,
    canvasser: Any,
    method: str = Contact.Method.DOOR,
    outcome: str = DoorOutcome.SPOKE,
    support_code: str = "",
    likelihood: int | None = None,
    previous_vote: str = "",
    issues: Iterable[str] = (),
    notes: str = "",
    answers: Mapping[str, Any] | None = None,
    client_id: str | None = None,
    occurred_at: datetime.datetime | None = None,
    walk: Any = None,
    recorded_offline: bool = False,
) -> tuple[Contact, bool]:
    """Store one contact (never overwriting earlier ones) and update the elector's derived support.

    `recorded_offline`: the result was captured on a phone against its cached copy of the walk and questions,
    which may since have changed (questions edited, the elector removed by a register update). Such a result
    is stored rather than refused, because a canvasser must never lose what a voter told them.

    Idempotent by `client_id`: a retried or replayed result returns the stored contact and `False`. Under
    concurrent requests the unique constraint decides; the loser's IntegrityError is caught.
    """
    client_id = (client_id or "").strip() or None
    if client_id is not None:
        if len(client_id) > 64:
            raise ValidationError("client_id is longer than 64 characters")
        existing = Contact.objects.filter(client_id=client_id).first()
        if existing is not None:
            return _replayed(existing, elector), False
    if campaign is None:
        raise ValidationError("A contact belongs to a campaign")
    if elector.deleted_at is not None and not recorded_offline:
        raise ValidationError("This elector has left the register")
    if elector.constituency_id != campaign.constituency_id:
        raise ValidationError("This elector is not in the campaign's constituency")
    now = timezone.now()
    if occurred_at is not None and occurred_at > now + datetime.timedelta(minutes=10):
        raise ValidationError("The contact is dated in the future")
    cleaned = _validate(
        campaign,
        outcome=outcome,
        method=method,
        support_code=support_code,
        likelihood=likelihood,
        previous_vote=previous_vote,
        issues=issues,
        notes=notes,
        answers=answers,
        lenient=recorded_offline,
    )
    contact = Contact(
        elector=elector,
        campaign=campaign,
        walk=walk,
        canvasser=canvasser if getattr(canvasser, "pk", None) else None,
        method=method,
        occurred_at=occurred_at or now,
        outcome=outcome,
        support_code=cleaned[questions.SUPPORT] or "",
        likelihood=cleaned[questions.LIKELIHOOD],
        previous_vote=cleaned[questions.PREVIOUS_VOTE] or "",
        issues=cleaned[questions.ISSUES] or [],
        notes=cleaned[questions.NOTES] or "",
        answers=cleaned["answers"],
        client_id=client_id,
        recorded_at=now,
        needs_review=outcome in REVIEW_OUTCOMES,
    )
    try:
        with transaction.atomic():
            # Lock the elector so two contacts for one person (two canvassers syncing) derive in turn.
            Elector.objects.select_for_update().filter(pk=elector.pk).values_list("pk", flat=True).first()
            contact.save(force_insert=True)
            recompute_elector(elector)
            if elector.person_id:
                _timeline(elector, contact, canvasser)
    except IntegrityError:
        # Another request stored the same client_id between our check and our insert.
        if client_id is None:
            raise
        existing = Contact.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        return _replayed(existing, elector), False
    return contact, True


def _replayed(existing: Contact, elector: Elector) -> Contact:
    """A replay must be the same result: a client id reused for another elector is refused, not merged."""
    if existing.elector_id != elector.pk:
        raise ValidationError("This client_id was already used for another contact")
    return existing


def _timeline(elector: Elector, contact: Contact, canvasser: Any) -> None:
    person = Person.objects.filter(pk=elector.person_id).first()
    if person is None:
        return
    outcome = DoorOutcome(contact.outcome).label
    summary = f"{Contact.Method(contact.method).label}: {outcome}"
    if contact.support_code:
        summary += f" ({contact.support_code})"
    add_timeline_entry(
        person,
        TimelineEntry.Kind.CANVASS,
        summary,
        data={
            "contact_id": contact.pk,
            "campaign_id": contact.campaign_id,
            "outcome": contact.outcome,
            "support_code": contact.support_code,
            "likelihood": contact.likelihood,
        },
        actor=canvasser,
        occurred_at=contact.occurred_at,
    )


def resolve_review(contact: Contact) -> None:
    """The organiser has dealt with a moved/deceased/wrong-address report."""
    Contact.objects.filter(pk=contact.pk).update(needs_review=False)
