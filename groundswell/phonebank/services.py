"""The caller path: the rules a volunteer on the phone goes through — handing out the next call, storing results,
skipping a contact. The organiser path (setting a campaign up, building its list, starting and pausing it) is
campaigns.py; reads for both are in selectors.py.

Every entry point (caller page, API, demo, benchmark) goes through `next_call`, `submit_result` and
`skip_call`, so the rules below hold whichever way a call is made:

- a contact is leased to one caller at a time (`queue.claim`), never outside the calling window, never beyond
  the campaign's maximum attempts, never straight back to a caller who skipped it;
- a caller holds one contact at a time in a campaign, on every path (next, result, skip, a retried request):
  the claim takes nothing while the caller holds a live lease, and hands back the one held;
- a result changes the queue and the person's record only when sent by the holder of the current lease; any
  other result is kept as a record of a call that was not applied, and changes nothing else;
- suppression is checked at the moment of assignment (a do-not-call added since the list was built counts);
- a result carries the caller's client id and is stored once however often it is sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from groundswell.accounts.models import User
from groundswell.canvassing.models import Contact
from groundswell.canvassing.services import record_contact
from groundswell.db import sql
from groundswell.people.models import Consent, Person, Suppression, TimelineEntry
from groundswell.people.services import add_suppression, add_timeline_entry, add_timeline_row, set_consent
from groundswell.questions.models import Question
from groundswell.questions.services import validate_script_answers
from groundswell.questions.support_codes import support_codes_for

from . import leasing, queue, rules
from .models import CallAttempt, CallCampaign, CallSkip, CallTarget, Outcome, PhonebankSession, Purpose

# ------------------------------------------------------------------------------------------ assignment


@dataclass(frozen=True)
class ContactCard:
    """What a caller sees for one call: who, the number, and nothing else from the record."""

    target_id: int
    lease_seq: int
    name: str
    phone: str
    attempt: int  # 1 for a first call
    lease_expires_at: datetime.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target_id,
            "lease": self.lease_seq,
            "name": self.name,
            "phone": self.phone,
            "attempt": self.attempt,
            "lease_expires_at": self.lease_expires_at.isoformat(),
        }


@dataclass(frozen=True)
class NoCall:
    """Why there is no call to make now: 'closed' (outside the window or campaign not calling) or 'empty'."""

    reason: str
    message: str
    opens_at: datetime.datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "message": self.message,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
        }


def _tps(campaign: CallCampaign) -> bool:
    return campaign.purpose == Purpose.PROMOTION


def blocked_reason(campaign: CallCampaign, lease: queue.Lease) -> str:
    """Why this contact must not be called now ('' when fine). See queue.BLOCKED_SQL."""
    sql = queue.BLOCKED_SQL.format(person="%s", phone="%s", elector="%s", kinds=queue.kinds_sql(_tps(campaign)))
    e = lease.elector_id
    with connection.cursor() as cursor:
        cursor.execute(sql, [lease.person_id, lease.phone, lease.person_id, lease.person_id, e, e])
        row = cursor.fetchone()
    return row[0] if row else ""


def _exclude(lease: queue.Lease, reason: str) -> None:
    CallTarget.objects.filter(pk=lease.target_id, lease_seq=lease.lease_seq).update(
        state=CallTarget.State.EXCLUDED, excluded_reason=reason[:200], lease_owner=None
    )


def _card(campaign: CallCampaign, lease: queue.Lease, expires: datetime.datetime) -> ContactCard:
    given, family = lease.given_name, lease.family_name
    if given is None:
        given, family = Person.objects.filter(pk=lease.person_id).values_list("given_name", "family_name").get()
    name = f"{given} {family}".strip() or "(no name)"
    return ContactCard(lease.target_id, lease.lease_seq, name, lease.phone, lease.attempts + 1, expires)


def calling_closed(campaign: CallCampaign, now: datetime.datetime) -> NoCall | None:
    if campaign.status != CallCampaign.Status.ACTIVE:
        return NoCall("closed", f"This campaign is {campaign.get_status_display().lower()}: no calls for now.")
    if not rules.in_window(campaign, now):
        opens = rules.next_window_opens(campaign, now)
        when = timezone.localtime(opens).strftime("%a %d %b %H:%M") if opens else "later"
        return NoCall("closed", f"Calling hours are over for now; calls open again {when}.", opens)
    return None


def claim_next(
    campaign: CallCampaign, caller_id: int, now: datetime.datetime | None = None, method: str | None = None
) -> ContactCard | NoCall:
    """Lease the next callable contact to this caller (checking the window and suppression), or hand back the
    one they hold: never a second."""
    now = now or timezone.now()
    if method in (None, "block"):
        _stock(campaign, now)
    with _holding(campaign, caller_id):
        return _claim_or_held(campaign, caller_id, now, method)


@contextmanager
def _holding(campaign: CallCampaign, caller_id: int) -> Iterator[None]:
    """One caller's hand-outs in one campaign take turns (see queue.lock_holding). SQLite needs no transaction:
    writers take turns there and the hold test is inside the claiming UPDATE."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        queue.lock_holding(campaign.pk, caller_id)
        yield


def _claim_or_held(
    campaign: CallCampaign, caller_id: int, now: datetime.datetime, method: str | None = None
) -> ContactCard | NoCall:
    # The caller's hold lock must be taken (PostgreSQL) in this transaction.
    closed = calling_closed(campaign, now)
    if closed:
        return closed
    expires = now + datetime.timedelta(minutes=campaign.lease_minutes)
    for _ in range(100):
        lease = _lease(campaign, caller_id, now, expires, method)
        if lease is None:
            # Nothing claimed: the queue is empty, or the caller still holds a contact (then that one).
            return current_lease(campaign, caller_id, now) or NoCall(
                "empty", "Nobody left to call right now. Thank you!"
            )
        reason = lease.blocked if lease.blocked is not None else blocked_reason(campaign, lease)
        if not reason:
            return _card(campaign, lease, expires)
        _exclude(lease, reason)
    return NoCall("empty", "Nobody callable right now.")


def _lease(
    campaign: CallCampaign,
    caller_id: int,
    now: datetime.datetime,
    expires: datetime.datetime,
    method: str | None,
) -> queue.Lease | None:
    """One lease: from this process's blocks on PostgreSQL (leasing.py; `method` 'block', the default there), or
    claimed straight off the queue ('skip_locked' on PostgreSQL, 'conditional' everywhere, the default on SQLite;
    tests run each)."""
    tps = _tps(campaign)
    if connection.vendor == "postgresql":
        # Contacts this process already holds in a block go first whatever the method (they are kept from
        # direct claims until the block ends); only the default 'block' method claims blocks.
        blocks = method in (None, "block")
        lease = leasing.take(
            campaign.pk, caller_id, now=now, lease_until=expires, max_attempts=campaign.max_attempts, tps=tps,
            refill=blocks,
        )  # fmt: skip
        if lease is not None or blocks:
            return lease
    lease = queue.claim(
        campaign.pk, caller_id, now=now, lease_until=expires, max_attempts=campaign.max_attempts, method=method, tps=tps
    )
    if lease is None and connection.vendor == "postgresql":
        # Another thread may have put the rest of the queue in a block meanwhile.
        lease = leasing.take(
            campaign.pk, caller_id, now=now, lease_until=expires, max_attempts=campaign.max_attempts, tps=tps,
            refill=False,
        )  # fmt: skip
    return lease


def _stock(campaign: CallCampaign, now: datetime.datetime) -> None:
    """PostgreSQL, before a request's transaction: top up this process's block (leasing.stock)."""
    if connection.vendor == "postgresql" and calling_closed(campaign, now) is None:
        leasing.stock(campaign.pk, now=now, max_attempts=campaign.max_attempts, tps=_tps(campaign))


def current_lease(campaign: CallCampaign, caller_id: int, now: datetime.datetime | None = None) -> ContactCard | None:
    """The contact this caller already holds (after a page reload or a retried request), if any."""
    now = now or timezone.now()
    row = (
        CallTarget.objects.filter(
            campaign=campaign, lease_owner_id=caller_id, state=CallTarget.State.OPEN, available_at__gt=now
        )
        .order_by("-leased_at")
        .values_list("pk", "lease_seq", "person_id", "elector_id", "phone", "attempts", "available_at")
        .first()
    )
    if row is None:
        return None
    return _card(campaign, queue.Lease(*row[:6]), row[6])


def _session_ended() -> NoCall:
    return NoCall("closed", "This phonebank session has ended.")


def next_call(session: PhonebankSession, caller_id: int, now: datetime.datetime | None = None) -> ContactCard | NoCall:
    """The caller's current contact if they hold one, else the next from the queue."""
    campaign = session.campaign
    if not session.active:
        return _session_ended()
    now = now or timezone.now()
    _stock(campaign, now)
    with _holding(campaign, caller_id):
        return current_lease(campaign, caller_id, now) or _claim_or_held(campaign, caller_id, now)


def _not_held() -> NoCall:
    return NoCall("not_held", "That call was no longer yours, so its result was kept but not used. Press Next call.")


# ------------------------------------------------------------------------------------------ results


class CallerRef:
    """A caller known only by id (the caller API does not load the user row on every request)."""

    __slots__ = ("pk",)

    def __init__(self, pk: int) -> None:
        self.pk = pk


@dataclass(frozen=True)
class StoredCall:
    """What was stored for one call (the hot path does not build a model instance)."""

    pk: int
    target_id: int
    person_id: int
    outcome: str
    answers: dict[str, Any]
    submitted_at: datetime.datetime
    applied: bool


_OUTCOMES = frozenset(Outcome.values)


@dataclass
class Result:
    attempt: StoredCall | CallAttempt
    created: bool
    applied: bool
    next: ContactCard | NoCall | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _script_questions(campaign: CallCampaign) -> list[Question]:
    if campaign.question_set_id is None:
        return []
    return list(campaign.question_set.questions.all())


def clean_answers(campaign: CallCampaign, answers: Mapping[str, Any], outcome: str) -> dict[str, Any]:
    """Answers checked against the script (only for a completed call; other outcomes carry none)."""
    if outcome != Outcome.COMPLETED or not answers:
        return {}
    if campaign.question_set_id is None:
        raise ValidationError({"answers": "This campaign has no script, so a call cannot carry answers."})
    codes: Any = ()
    if any(q.kind == Question.Kind.SUPPORT for q in campaign.question_set.questions.all()):
        codes = support_codes_for(campaign.unit)
    try:
        return validate_script_answers(campaign.question_set, dict(answers), codes)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"answers": exc.messages}) from None


# Outcomes that change the person's record (consent, suppression), which needs the full rows and an audit entry.
_RECORD_CHANGING = frozenset({Outcome.DO_NOT_CALL, Outcome.DECEASED, Outcome.WRONG_NUMBER})


def _side_effects(campaign: CallCampaign, attempt: StoredCall, caller: Any) -> None:
    if attempt.outcome in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL):
        return  # not reached: kept in the campaign's results, not on the person's timeline
    feeds_canvass = (
        attempt.outcome == Outcome.COMPLETED and campaign.canvass_campaign_id and "support" in attempt.answers
    )
    if attempt.outcome not in _RECORD_CHANGING and not feeds_canvass:
        # The common case (a conversation): one timeline row, written by id without loading anything.
        add_timeline_row(
            attempt.person_id,
            TimelineEntry.Kind.CALL,
            f"Phone call ({campaign.name}): {Outcome(attempt.outcome).label.lower()}",
            {
                "campaign_id": campaign.pk,
                "attempt_id": attempt.pk,
                "outcome": attempt.outcome,
                "answers": attempt.answers,
            },
            caller.pk,
            attempt.submitted_at,
        )
        return
    if isinstance(caller, CallerRef):
        caller = User.objects.get(pk=caller.pk)  # the records below name who made the call
    target = CallTarget.objects.select_related("person", "elector").get(pk=attempt.target_id)
    person = target.person
    source = f"phonebank: {campaign.name}"
    if attempt.outcome == Outcome.DO_NOT_CALL:
        set_consent(person, Consent.Channel.PHONE, Consent.Status.WITHDRAWN, source, by=caller)
    elif attempt.outcome == Outcome.DECEASED:
        add_suppression(
            Suppression.Kind.DO_NOT_CONTACT,
            person=person,
            reason="reported deceased by a caller",
            source=source,
            actor=caller,
        )
    elif attempt.outcome == Outcome.WRONG_NUMBER:
        add_suppression(
            Suppression.Kind.NO_PHONE, phone=target.phone, reason="wrong number", source=source, actor=caller
        )
    add_timeline_entry(
        person,
        TimelineEntry.Kind.CALL,
        f"Phone call ({campaign.name}): {Outcome(attempt.outcome).label.lower()}",
        {"campaign_id": campaign.pk, "attempt_id": attempt.pk, "outcome": attempt.outcome, "answers": attempt.answers},
        actor=caller,
        occurred_at=attempt.submitted_at,
    )
    if (
        attempt.outcome == Outcome.COMPLETED
        and target.elector_id
        and campaign.canvass_campaign_id
        and "support" in attempt.answers
    ):
        # A support answer from a call counts like one from the doorstep for voter ID and polling day. The
        # rest of the script's answers stay with the call (the canvass campaign has its own questions).
        record_contact(
            target.elector,
            campaign=campaign.canvass_campaign,
            canvasser=caller,
            method=Contact.Method.PHONE,
            support_code=str(attempt.answers["support"]),
            likelihood=attempt.answers.get("likelihood"),
            client_id=f"call-{attempt.pk}",
            occurred_at=attempt.submitted_at,
        )


# Apply a result to the queue, only by the holder of the current lease: if the lease ran out and the contact went
# to someone else, the call is kept on record but does not move the queue twice. One statement (the hot path).
_APPLY_RESULT = """
UPDATE phonebank_calltarget
SET attempts = attempts + 1, last_outcome = %s, lease_owner_id = NULL,
    state = CASE WHEN %s OR attempts + 1 >= %s THEN 'done' ELSE 'open' END,
    available_at = %s
WHERE id = %s AND campaign_id = %s AND lease_seq = %s AND lease_owner_id = %s AND state = 'open'
RETURNING leased_at, person_id
"""


_INSERT_ATTEMPT = """
INSERT INTO phonebank_callattempt (campaign_id, target_id, caller_id, session_id, client_id, lease_seq, outcome,
    answers, notes, callback_at, assigned_at, submitted_at, applied)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
RETURNING id
"""


def _as_datetime(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    parsed = parse_datetime(str(value))  # SQLite hands raw cursors text
    return parsed.replace(tzinfo=datetime.UTC) if parsed and parsed.tzinfo is None else parsed


def submit_result(
    session: PhonebankSession,
    caller: Any,
    *,
    client_id: str,
    target_id: int,
    lease_seq: int,
    outcome: str,
    answers: Mapping[str, Any] | None = None,
    notes: str = "",
    callback_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    and_next: bool = True,
) -> Result:
    """Store one call's result once (by client id); if the caller still holds the lease, apply it (queue,
    person's record, canvass data) and hand out the next call in the same step. Otherwise only the record of
    the call is kept (`applied` false), and the caller gets back the contact they hold, if any."""
    now = now or timezone.now()
    campaign = session.campaign
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise ValidationError({"client_id": "Each result needs a client id of at most 64 characters."})
    if outcome not in _OUTCOMES:
        raise ValidationError({"outcome": f"Unknown outcome {outcome!r}."})
    clean = clean_answers(campaign, answers or {}, outcome)
    again = rules.retry_at(campaign, outcome, 0, now, callback_at)
    if and_next:
        _stock(campaign, now)
    try:
        with transaction.atomic():
            # First, so that this caller's requests always take the lock before any contact's row.
            queue.lock_holding(campaign.pk, caller.pk)
            row = sql.fetchone(
                _APPLY_RESULT,
                [
                    outcome,
                    again is None,
                    campaign.max_attempts,
                    again or now,
                    target_id,
                    campaign.pk,
                    lease_seq,
                    caller.pk,
                ],
            )
            applied = row is not None
            if applied:
                assigned_at, person_id = _as_datetime(row[0]), row[1]
            else:
                held = CallTarget.objects.filter(pk=target_id, campaign=campaign).values_list(
                    "leased_at", "lease_seq", "person_id"
                )
                if not held:
                    raise ValidationError({"target": "That contact is not in this campaign."})
                leased_at, seq, person_id = held[0]
                assigned_at = leased_at if seq == lease_seq else None
            # The unique (caller, client id) constraint makes a replayed result fail here, rolling back the above.
            fields = {
                "campaign_id": campaign.pk,
                "target_id": target_id,
                "caller_id": caller.pk,
                "session_id": session.pk,
                "client_id": client_id,
                "lease_seq": lease_seq,
                "outcome": outcome,
                "answers": clean,
                "notes": notes[:2000],
                "callback_at": callback_at,
                "assigned_at": assigned_at,
                "submitted_at": now,
                "applied": applied,
            }
            (pk,) = sql.fetchone(_INSERT_ATTEMPT, list(fields.values()))
            attempt = StoredCall(pk, target_id, person_id, outcome, clean, now, applied)
            following: ContactCard | NoCall | None = None
            if applied:
                _side_effects(campaign, attempt, caller)
                # The next call inside the same transaction: one commit (one WAL flush) per call made, not two.
                if and_next:
                    following = _claim_or_held(campaign, caller.pk, now) if session.active else _session_ended()
            elif and_next and not session.active:
                following = _session_ended()
            elif and_next:
                # A result for a contact the caller does not hold (any more) changes nothing: no record of the
                # person's, and no new contact beyond the one the caller holds (else a caller could post results
                # for any id to suppress people or to collect the list one name per post).
                following = current_lease(campaign, caller.pk, now) or _not_held()
    except IntegrityError:
        existing = CallAttempt.objects.filter(caller_id=caller.pk, client_id=client_id).first()
        if existing is None:
            raise
        return _replayed(session, caller, existing, and_next, now)
    return Result(attempt, created=True, applied=applied, next=following)


def _replayed(
    session: PhonebankSession, caller: Any, attempt: CallAttempt, and_next: bool, now: datetime.datetime
) -> Result:
    result = Result(attempt, created=False, applied=attempt.applied)
    if and_next:
        # The first copy may already have leased the next contact to this caller: hand the same one back.
        result.next = next_call(session, caller.pk, now)
    return result


def skip_call(
    session: PhonebankSession, caller: Any, *, target_id: int, lease_seq: int, now: datetime.datetime | None = None
) -> ContactCard | NoCall:
    """Give the contact back without calling (no attempt counted); it goes to someone else, then the next call."""
    now = now or timezone.now()
    campaign = session.campaign
    _stock(campaign, now)
    with _holding(campaign, caller.pk):
        if CallTarget.objects.filter(
            pk=target_id,
            campaign=campaign,
            lease_seq=lease_seq,
            lease_owner_id=caller.pk,
            state=CallTarget.State.OPEN,
        ).update(lease_owner=None, available_at=now, skipped_by_id=caller.pk):
            CallSkip.objects.create(campaign=campaign, target_id=target_id, caller_id=caller.pk, skipped_at=now)
        # A skip of a contact not held hands back the one held (the claim takes nothing while one is held).
        return _claim_or_held(campaign, caller.pk, now)


def leased_number(campaign: CallCampaign, caller_id: int, target_id: int, lease_seq: int) -> str | None:
    """The number of the contact this caller holds under this lease now (for bridging), else None."""
    return (
        CallTarget.objects.filter(
            pk=target_id,
            campaign=campaign,
            lease_owner_id=caller_id,
            lease_seq=lease_seq,
            state=CallTarget.State.OPEN,
            available_at__gt=timezone.now(),
        )
        .values_list("phone", flat=True)
        .first()
    )
