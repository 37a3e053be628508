"""Writes for ballots: set up, send codes, cast (with the secrecy rules), count and certify.

Every refused attempt is audited with its reason; a cast vote's audit entry says that a vote was cast on
the ballot, never which code or which preferences.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from groundswell.accounts.access import Perm, has_perm, require
from groundswell.messaging.sms import get_adapter
from groundswell.people.models import OrganisationUnit, Person

from .auditing import audit
from .counting import check_preferences, count
from .models import Ballot, Candidate, CastBallot, EligibleVoter

# No 0/O, 1/I/L: codes are read off a phone and typed in.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class VoteRefused(Exception):
    """A vote not taken, with the plain-words reason shown to the voter and a short code for the audit log."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def random_code(groups: int, size: int = 4) -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(ballot: Ballot, code: str) -> str:
    """A keyed hash: the database holds no usable code, and a code for one ballot is nothing on another."""
    message = f"{ballot.pk}:{normalise_code(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def create_ballot(
    actor: Any,
    *,
    unit: OrganisationUnit,
    title: str,
    method: str,
    seats: int,
    candidates: Sequence[str],
    opens_at: datetime,
    closes_at: datetime,
    returning_officer: Any = None,
    voters: Iterable[Person] = (),
    source: str = "",
) -> Ballot:
    """A ballot with its candidates and roll. A selection calls this with its frozen eligible list."""
    require(actor, Perm.MANAGE_BALLOTS, unit)
    names = [n.strip() for n in candidates]
    errors: dict[str, list[str]] = {}
    if method not in Ballot.Method.values:
        errors["method"] = ["Choose an eliminating ballot or STV."]
    if method == Ballot.Method.IRV:
        seats = 1
    if len([n for n in names if n]) < 2:
        errors["candidates"] = ["A ballot needs at least two candidates."]
    elif any(not n for n in names):
        errors["candidates"] = ["A candidate's name is blank."]
    elif len(set(names)) != len(names):
        errors["candidates"] = [f"{next(n for n, k in Counter(names).items() if k > 1)!r} is listed twice."]
    elif seats >= len(names):
        errors["seats"] = [f"{seats} seats need more than {seats} candidates."]
    if seats < 1:
        errors["seats"] = ["At least one seat."]
    if closes_at <= opens_at:
        errors["closes_at"] = ["The ballot must close after it opens."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ballot = Ballot.objects.create(
            unit=unit,
            title=title,
            method=method,
            seats=seats,
            opens_at=opens_at,
            closes_at=closes_at,
            returning_officer=returning_officer,
            source=source,
            created_by=actor,
        )
        Candidate.objects.bulk_create(
            Candidate(ballot=ballot, name=name, position=i) for i, name in enumerate(names, start=1)
        )
        added = _add_voters(ballot, voters)
        audit("ballot_created", actor=actor, obj=ballot, detail={"candidates": len(names), "voters": added})
    return ballot


def _add_voters(ballot: Ballot, people: Iterable[Person]) -> int:
    existing = set(ballot.voters.values_list("person_id", flat=True))
    rows = [EligibleVoter(ballot=ballot, person=p) for p in people if p.pk not in existing]
    EligibleVoter.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def add_voters(actor: Any, ballot: Ballot, people: Iterable[Person]) -> int:
    """Add members to the roll (before the ballot opens); returns how many were new."""
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    if timezone.now() >= ballot.opens_at:
        raise ValidationError("The roll is fixed once the ballot opens.")
    with transaction.atomic():
        added = _add_voters(ballot, people)
        audit("roll_added", actor=actor, obj=ballot, detail={"voters": added})
    return added


def _code_message(ballot: Ballot, code: str) -> str:
    url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/ballots/{ballot.pk}/vote/"
    closes = timezone.localtime(ballot.closes_at).strftime("%-d %B %Y at %H:%M")
    return (
        f"Your one-time code to vote in {ballot.title}: {code}\n"
        f"Vote at {url} before {closes}. The code works once; nobody can see how you voted."
    )


def issue_codes(actor: Any, ballot: Ballot) -> dict[str, int]:
    """Send a one-time code to every voter on the roll who has none yet: by email, else by SMS.

    Only the code's keyed hash is kept, so a lost code is replaced with `reissue_code`, never looked up.
    """
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    if ballot.is_closed():
        raise ValidationError("The ballot has closed.")
    sent = {"email": 0, "sms": 0, "unreachable": 0}
    voters = ballot.voters.filter(code_sent_at__isnull=True, voted=False).select_related("person")
    sms = None
    for voter in voters.prefetch_related("person__email_addresses", "person__phone_numbers"):
        channel = _send_code(ballot, voter, sms_adapter=sms)
        if channel == "sms":
            sms = sms or get_adapter()
        sent[channel or "unreachable"] += 1
    audit("codes_sent", actor=actor, obj=ballot, detail=sent)
    return sent


def _send_code(ballot: Ballot, voter: EligibleVoter, sms_adapter: Any = None) -> str | None:
    emails = sorted(voter.person.email_addresses.all(), key=lambda e: not e.primary)
    phones = sorted(voter.person.phone_numbers.all(), key=lambda p: not p.primary)
    if not emails and not phones:
        return None
    for _ in range(5):  # a clash with another voter's code is astronomically rare; draw again if so
        code = random_code(3)
        try:
            with transaction.atomic():
                voter.code_hash = code_hash(ballot, code)
                voter.code_sent_at = timezone.now()
                voter.code_channel = "email" if emails else "sms"
                voter.save(update_fields=["code_hash", "code_sent_at", "code_channel"])
            break
        except IntegrityError:
            continue
    body = _code_message(ballot, code)
    if emails:
        EmailMessage(subject=f"Your code to vote: {ballot.title}", body=body, to=[emails[0].address]).send()
        return "email"
    (sms_adapter or get_adapter()).send(to=phones[0].number, body=body, reference=f"ballot-{ballot.pk}")
    return "sms"


def reissue_code(actor: Any, ballot: Ballot, person: Person) -> str | None:
    """A new code for a voter who lost theirs (the old one stops working); None if they have no address."""
    require(actor, Perm.MANAGE_BALLOTS, ballot.unit)
    voter = ballot.voters.select_related("person").get(person=person)
    if voter.voted:
        raise ValidationError("This member has already voted.")
    channel = _send_code(ballot, voter)
    audit("code_reissued", actor=actor, obj=ballot, detail={"channel": channel or ""})
    return channel


REISSUE_INTERVAL = timedelta(minutes=10)


def reissue_own_code(user: Any, ballot: Ballot) -> str:
    """A member who lost their code asks for a new one, sent to their own address on file (the old one stops
    working). Refused with a plain message if they are not on the roll, have voted, the ballot has closed, or a
    code went to them in the last ten minutes (it may still be on its way)."""
    person = getattr(user, "person", None)
    voter = ballot.voters.select_related("person").filter(person=person).first() if person is not None else None
    problem = ""
    if voter is None:
        problem = "You are not on the roll of this ballot."
    elif voter.voted:
        problem = "You have already voted: each member votes once, so no new code is sent."
    elif ballot.is_closed():
        problem = "The ballot has closed."
    elif voter.code_sent_at and timezone.now() - voter.code_sent_at < REISSUE_INTERVAL:
        problem = "A code was sent to you in the last ten minutes: check your messages (and spam folder) first."
    if problem:
        audit("code_reissue_refused", actor=user, obj=ballot, reason=problem[:60])
        raise ValidationError(problem)
    channel = _send_code(ballot, voter)
    if channel is None:
        audit("code_reissue_refused", actor=user, obj=ballot, reason="no address")
        raise ValidationError("We have no email address or mobile number for you: ask the procedures secretary.")
    audit("code_reissued", actor=user, obj=ballot, detail={"channel": channel, "by": "member"})
    return channel


def preferences_from_ranks(ballot: Ballot, ranks: Mapping[str, str]) -> list[str]:
    """The voting form's rank boxes ({candidate name: "1", "2", "" …}) → names in preference order.

    Refuses a repeated rank, a skipped rank and anything but whole numbers, naming the candidates concerned.
    """
    by_rank: dict[int, list[str]] = {}
    for name, raw in ranks.items():
        raw = (raw or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise VoteRefused(f"The preference for {name} must be a whole number from 1 (“{raw}” is not).", "bad_rank")
        by_rank.setdefault(int(raw), []).append(name)
    if not by_rank:
        raise VoteRefused("Mark at least your first preference (1).", "empty")
    for rank, names in sorted(by_rank.items()):
        if len(names) > 1:
            raise VoteRefused(
                f"You gave preference {rank} to both {' and '.join(names)}: give each number once.", "repeated"
            )
    for expected, rank in enumerate(sorted(by_rank), start=1):
        if rank != expected:
            raise VoteRefused(
                f"You skipped preference {expected}: number your choices 1, 2, 3… without gaps.", "skipped"
            )
    return [by_rank[r][0] for r in sorted(by_rank)]


def cast_vote(ballot: Ballot, code: str, preferences: Sequence[str], *, request: HttpRequest | None = None) -> str:
    """Take one vote with a one-time code; returns the receipt code. Refusals raise VoteRefused (audited).

    The code is spent and the vote stored in one transaction: of two simultaneous casts with the same code,
    the row update of one waits for the other and then finds the code spent, so exactly one vote counts.
    """
    try:
        with transaction.atomic():
            receipt = _cast(ballot, code, preferences)
            audit("vote_cast", request=request, obj=ballot)
    except VoteRefused as exc:
        audit("vote_refused", request=request, obj=ballot, reason=exc.reason, detail={"message": str(exc)})
        raise
    return receipt


def _cast(ballot: Ballot, code: str, preferences: Sequence[str]) -> str:
    now = timezone.now()
    if now < ballot.opens_at:
        raise VoteRefused("Voting has not opened yet.", "not_open")
    if now >= ballot.closes_at:
        raise VoteRefused("Voting has closed: this vote was not counted.", "closed")
    names = list(ballot.candidates.values_list("name", flat=True))
    problem = check_preferences(list(preferences), names)
    if problem:
        raise VoteRefused(f"This ballot paper is not valid: {problem}.", "invalid_preferences")
    hashed = code_hash(ballot, code)
    spent = EligibleVoter.objects.filter(ballot=ballot, code_hash=hashed, voted=False).update(
        voted=True, voted_on=timezone.localdate()
    )
    if spent != 1:
        if EligibleVoter.objects.filter(ballot=ballot, code_hash=hashed).exists():
            raise VoteRefused("This code has already been used to vote. Each member votes once.", "code_used")
        raise VoteRefused("That code is not a voting code for this ballot. Check it against your message.", "bad_code")
    for _ in range(5):
        receipt = random_code(2, 5)
        if not CastBallot.objects.filter(receipt=receipt).exists():
            break
    CastBallot.objects.create(receipt=receipt, ballot=ballot, preferences=[p.strip() for p in preferences if p.strip()])
    return receipt


def _require_returning_officer(actor: Any, ballot: Ballot) -> None:
    if ballot.returning_officer_id is None or actor is None or actor.pk != ballot.returning_officer_id:
        raise PermissionDenied("Only the returning officer named on this ballot may do this.")


def run_count(actor: Any, ballot: Ballot) -> dict:
    """Count the ballot after close (the returning officer); the result is stored for them to certify."""
    _require_returning_officer(actor, ballot)
    if not ballot.is_closed():
        raise ValidationError("The count starts after the ballot closes.")
    if ballot.certified_at:
        raise ValidationError("The result is certified; it cannot be counted again.")
    names = list(ballot.candidates.values_list("name", flat=True))
    grouped: Counter = Counter(tuple(p) for p in ballot.cast_ballots.values_list("preferences", flat=True))
    result = count(names, grouped, method=ballot.method, seats=ballot.seats).as_dict()
    with transaction.atomic():
        ballot.result = result
        ballot.counted_at = timezone.now()
        ballot.save(update_fields=["result", "counted_at"])
        audit(
            "counted",
            actor=actor,
            obj=ballot,
            detail={"elected": result["elected"], "ballots": result["ballots"]},
        )
    return result


def certify(actor: Any, ballot: Ballot) -> None:
    """The returning officer declares the counted result; only then is it published."""
    _require_returning_officer(actor, ballot)
    if not ballot.result:
        raise ValidationError("Count the ballot before certifying it.")
    if ballot.certified_at:
        raise ValidationError("The result is already certified.")
    with transaction.atomic():
        ballot.certified_at = timezone.now()
        ballot.certified_by = actor
        ballot.save(update_fields=["certified_at", "certified_by"])
        audit("certified", actor=actor, obj=ballot, detail={"elected": ballot.result["elected"]})


def can_manage(user: Any, ballot: Ballot) -> bool:
    return has_perm(user, Perm.MANAGE_BALLOTS, ballot.unit)


def record_refusal(ballot: Ballot, exc: VoteRefused, *, request: HttpRequest | None = None) -> None:
    """Audit a ballot paper refused before it reached cast_vote (the voting form's rank boxes)."""
    audit("vote_refused", request=request, obj=ballot, reason=exc.reason, detail={"message": str(exc)})
