"""Knock-up: the promises in a committee room's districts who have not voted yet, in walk order; rounds of that
list handed to volunteers; their doorstep results; and the lifts those results ask for.

`record_result` is the one way a result is stored (phone sync, keyboard, tests). It is idempotent by the
client-generated id, so a replayed queue stores each result once. "Voted already" also takes the elector's
number (a TellingEntry with source "knock_up"), so they drop off every list and count on the board.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.canvassing.models import WalkStop
from groundswell.canvassing.walks.sheets import short_address
from groundswell.register.models import Elector, TurnoutRecord

from .models import CommitteeRoom, KnockUpItem, KnockUpResult, KnockUpRound, Lift, TellingEntry
from .promises import promise_queryset, voted_elector_ids

Outcome = KnockUpResult.Outcome
PRIORITIES = ("walk", "unreliable_first")
# Results that take an elector off later rounds: they have voted, or do not want us back.
FINAL_OUTCOMES = (Outcome.VOTED, Outcome.REFUSED)
# "Likely" for unreliable_first: they say they will vote, but have often not.
HIGH_LIKELIHOOD = 7
BULK_BATCH = 1000


def _walk_positions(committee_room: CommitteeRoom, household_ids: set[int]) -> dict[int, tuple[tuple, int]]:
    """household id → ((walk sort key…, stop order), walk id) for the day's campaign's walks."""
    campaign_id = committee_room.polling_day.campaign_id
    if not campaign_id or not household_ids:
        return {}
    positions: dict[int, tuple[tuple, int]] = {}
    stops = WalkStop.objects.filter(campaign_id=campaign_id, household__polling_district__in=_districts(committee_room))
    for household_id, walk_id, pd, name, order in stops.values_list(
        "household_id", "walk_id", "walk__polling_district", "walk__name", "order"
    ):
        if household_id in household_ids:
            positions[household_id] = ((pd, name, walk_id, order), walk_id)
    return positions


def _districts(committee_room: CommitteeRoom) -> list[str]:
    return [str(pd) for pd in (committee_room.polling_districts or [])]


def _past_votes(elector_ids: list[int], exclude_election: str) -> dict[int, int]:
    """How many elections each elector is marked as having voted at (in person or by post)."""
    counts: dict[int, int] = defaultdict(int)
    for start in range(0, len(elector_ids), BULK_BATCH):
        chunk = elector_ids[start : start + BULK_BATCH]
        rows = (
            TurnoutRecord.objects.filter(elector_id__in=chunk)
            .exclude(election=exclude_election)
            .filter(mark__in=[TurnoutRecord.Mark.IN_PERSON, TurnoutRecord.Mark.POSTAL])
            .values("elector_id")
            .annotate(n=Count("id"))
            .values_list("elector_id", "n")
        )
        counts.update(dict(rows))
    return counts


@dataclass(frozen=True)
class KnockUpRow:
    """One promise on a knock-up list: just what ordering and a round need, no ORM object."""

    id: int
    household_id: int | None
    polling_district: str
    number: int
    suffix: int
    likelihood: int | None
    register_order: int
    walk_id: int | None = None
    walk_position: tuple | None = None  # (walk district, walk name, walk id, stop order) when on a walk
    past_votes: int = 0


def _walk_key(row: KnockUpRow) -> tuple:
    if row.walk_position is not None:
        return (0, row.walk_position, row.number, row.suffix)
    return (1, row.polling_district, row.number, row.suffix, row.register_order)


def knock_up_rows(
    committee_room: CommitteeRoom, *, priority: str = "walk", exclude_postal_voted: bool = True
) -> list[KnockUpRow]:
    """Promises in the room's polling districts who have not voted yet, in knock-up order, as plain rows.

    One query for the list (exclusions are subqueries in it), one for the walk route and, for
    unreliable_first, the turnout history: rows, not model instances, because building thousands of Elector
    objects was most of a regeneration's time. See knock_up_list for the rules.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"Unknown priority {priority!r}")
    day = committee_room.polling_day
    qs = (
        promise_queryset(day)
        .filter(polling_district__in=_districts(committee_room))
        .exclude(id__in=voted_elector_ids(day, sources=[TellingEntry.Source.TELLER, TellingEntry.Source.KNOCK_UP]))
        .exclude(
            id__in=KnockUpResult.objects.filter(committee_room__polling_day=day, outcome__in=FINAL_OUTCOMES).values(
                "elector_id"
            )
        )
    )
    if exclude_postal_voted:
        qs = qs.exclude(id__in=voted_elector_ids(day, sources=[TellingEntry.Source.POSTAL])).exclude(
            Q(postal_voter=True)
            & Q(
                id__in=TurnoutRecord.objects.filter(election=day.election, mark=TurnoutRecord.Mark.POSTAL).values(
                    "elector_id"
                )
            )
        )
    found = list(
        qs.values_list(
            "id",
            "household_id",
            "polling_district",
            "number",
            "suffix",
            "current_likelihood",
            "household__register_order",
        )
    )
    positions = _walk_positions(committee_room, {r[1] for r in found if r[1]})
    rows = []
    for pk, household_id, pd, number, suffix, likelihood, register_order in found:
        position, walk_id = positions.get(household_id, (None, None)) if household_id else (None, None)
        rows.append(
            KnockUpRow(pk, household_id, pd, number, suffix, likelihood, register_order or 0, walk_id, position)
        )
    if priority == "walk":
        return sorted(rows, key=_walk_key)
    past = _past_votes([r.id for r in rows], day.election)
    rows = [replace(r, past_votes=past.get(r.id, 0)) for r in rows]

    def unreliable_key(r: KnockUpRow) -> tuple:
        likely = (r.likelihood or 0) >= HIGH_LIKELIHOOD
        return (0, r.past_votes, _walk_key(r)) if likely else (1, 0, _walk_key(r))

    return sorted(rows, key=unreliable_key)


def knock_up_list(
    committee_room: CommitteeRoom, *, priority: str = "walk", exclude_postal_voted: bool = True
) -> list[Elector]:
    """Promises in the room's polling districts who have not voted yet, in knock-up order.

    Order: the day's campaign's walk route (walks by district and name, then stop order), then register order
    for electors on no walk. `priority="unreliable_first"` puts likely voters (likelihood ≥ 7) with the fewest
    past votes on the marked registers first, each group in walk order.

    Excluded: electors with a live telling entry from a teller or the doorstep; a 'voted' or 'refused' knock-up
    result on this polling day; and (unless `exclude_postal_voted=False`) postal voters known to have voted
    (a 'postal' telling entry, or a postal mark for this election on the marked register).

    Each elector carries `knock_up_walk_id` (None when on no walk) and `past_votes` (unreliable_first only).
    """
    rows = knock_up_rows(committee_room, priority=priority, exclude_postal_voted=exclude_postal_voted)
    electors: dict[int, Elector] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), BULK_BATCH):
        for e in Elector.objects.filter(pk__in=ids[start : start + BULK_BATCH]).select_related("household"):
            electors[e.pk] = e
    out = []
    for r in rows:
        e = electors[r.id]
        e.knock_up_walk_id = r.walk_id
        if priority != "walk":
            e.past_votes = r.past_votes
        out.append(e)
    return out


def _insert_items(round_id: int, rows: list[KnockUpRow]) -> None:
    """The round's items without model instances (a round is thousands of rows): on PostgreSQL one INSERT from
    arrays (executemany would be a statement per row), on SQLite executemany (in-process, so as fast)."""
    meta = KnockUpItem._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    columns = ", ".join(qn(meta.get_field(name).column) for name in ("round", "elector", "walk", "order"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, e, w, o "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS t(e, w, o)",
                [round_id, [r.id for r in rows], [r.walk_id for r in rows], list(range(1, len(rows) + 1))],
            )
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"
        cursor.executemany(sql, [(round_id, r.id, r.walk_id, i) for i, r in enumerate(rows, start=1)])


def regenerate(
    committee_room: CommitteeRoom, user: Any, round_size: int | None = None, *, priority: str = "walk"
) -> KnockUpRound:
    """Create the room's next knock-up round (numbered after the last) from the current list.

    `round_size` caps the round at the first N electors of the list (in priority order). Audited as "created".
    The list is computed first, as plain rows, outside any transaction; the write transaction then only
    numbers the round and inserts its rows, so on SQLite the single write lock (which tellers' numbers wait
    for) is held for milliseconds. Call it outside a transaction to keep it that way.
    """
    if round_size is not None and round_size < 1:
        raise ValidationError("A round needs at least one elector")
    rows = knock_up_rows(committee_room, priority=priority)
    if round_size is not None:
        rows = rows[:round_size]
    with transaction.atomic():
        # Serialise rounds of one room: two coordinators pressing "new round" get rounds n and n+1.
        CommitteeRoom.objects.select_for_update().filter(pk=committee_room.pk).first()
        last = KnockUpRound.objects.filter(committee_room=committee_room).aggregate(n=Max("number"))["n"] or 0
        knock_round = KnockUpRound.objects.create(
            committee_room=committee_room, number=last + 1, generated_by=user, generated_at=timezone.now()
        )
        _insert_items(knock_round.pk, rows)
        record(
            AuditEntry.Action.CREATED,
            actor=user,
            obj=knock_round,
            unit=committee_room.polling_day.unit,
            detail={"what": "knock-up round", "round": knock_round.number, "electors": len(rows), "by": priority},
        )
    return knock_round


def complete_round(knock_round: KnockUpRound, user: Any) -> KnockUpRound:
    """Mark a round done (idempotent: the first completion time is kept). Audited."""
    if knock_round.completed_at is None:
        knock_round.completed_at = timezone.now()
        knock_round.save(update_fields=["completed_at"])
        record(
            AuditEntry.Action.CHANGED,
            actor=user,
            obj=knock_round,
            unit=knock_round.committee_room.polling_day.unit,
            detail={"what": "knock-up round completed", "round": knock_round.number},
        )
    return knock_round


def current_round(committee_room: CommitteeRoom) -> KnockUpRound | None:
    """The newest round not yet completed."""
    return committee_room.rounds.filter(completed_at__isnull=True).order_by("-number").first()


def _room_electors(committee_room: CommitteeRoom):
    return Elector.objects.filter(
        constituency_id=committee_room.polling_day.constituency_id, polling_district__in=_districts(committee_room)
    )


def record_result(
    committee_room: CommitteeRoom,
    elector: Elector,
    outcome: str,
    *,
    client_id: str,
    user: Any,
    round: KnockUpRound | None = None,  # noqa: A002 - the model's own field name
    notes: str = "",
) -> tuple[KnockUpResult, bool]:
    """Store one doorstep result; returns (result, created). A client_id seen before returns the stored result.

    'voted' also takes the elector's number for the day (TellingEntry source 'knock_up') unless they already have
    a live entry; 'lift' opens a Lift on the room's list unless one is already open for them.
    """
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise ValidationError("client_id is required (at most 64 characters)")
    existing = KnockUpResult.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _replayed(existing, committee_room, elector), False
    if outcome not in Outcome.values:
        raise ValidationError(f"Unknown outcome {outcome!r}")
    if round is not None and round.committee_room_id != committee_room.pk:
        raise ValidationError("That round belongs to another committee room")
    if not _room_electors(committee_room).filter(pk=elector.pk).exists():
        raise ValidationError("That elector is not in this committee room's polling districts")
    day = committee_room.polling_day
    try:
        with transaction.atomic():
            result = KnockUpResult.objects.create(
                committee_room=committee_room,
                round=round,
                elector=elector,
                outcome=outcome,
                notes=str(notes or "")[:300],
                client_id=client_id,
                recorded_by=user,
            )
            if outcome == Outcome.VOTED:
                _take_number(day, elector, result, user)
            elif outcome == Outcome.LIFT:
                open_lift = Lift.objects.filter(
                    committee_room=committee_room,
                    elector=elector,
                    status__in=[Lift.Status.NEEDED, Lift.Status.ARRANGED],
                ).exists()
                if not open_lift:
                    Lift.objects.create(
                        committee_room=committee_room, elector=elector, requested_by=result, notes=result.notes
                    )
    except IntegrityError:
        # The same client_id arrived twice at once (two tabs): the other request stored it.
        existing = KnockUpResult.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        return _replayed(existing, committee_room, elector), False
    return result, True


def _replayed(existing: KnockUpResult, committee_room: CommitteeRoom, elector: Elector) -> KnockUpResult:
    """A replay is the same result: a client id reused for another room or elector is refused, not answered
    with someone else's result."""
    if existing.committee_room_id != committee_room.pk or existing.elector_id != elector.pk:
        raise ValidationError("client_id: already used for another result")
    return existing


def _take_number(day: Any, elector: Elector, result: KnockUpResult, user: Any) -> None:
    if TellingEntry.objects.filter(polling_day=day, elector=elector, undone_at__isnull=True).exists():
        return
    try:
        with transaction.atomic():  # a savepoint: a teller taking them at this moment is the same vote
            TellingEntry.objects.create(
                polling_day=day,
                elector=elector,
                raw_number=elector.elector_number,
                source=TellingEntry.Source.KNOCK_UP,
                client_id=f"knock-up-{result.pk}",
                entered_by=user,
            )
    except IntegrityError:
        if not TellingEntry.objects.filter(polling_day=day, elector=elector, undone_at__isnull=True).exists():
            raise


# ---------------------------------------------------------------- reading rounds and lifts


def round_rows(knock_round: KnockUpRound) -> list[dict[str, Any]]:
    """A round's electors in order, with address, whether they have voted since and their latest result here."""
    day = knock_round.committee_room.polling_day
    items = list(knock_round.items.select_related("elector__household").order_by("order"))
    ids = [i.elector_id for i in items]
    voted: set[int] = set()
    latest: dict[int, str] = {}
    for start in range(0, len(ids), BULK_BATCH):
        chunk = ids[start : start + BULK_BATCH]
        voted.update(voted_elector_ids(day).filter(elector_id__in=chunk).values_list("elector_id", flat=True))
        for elector_id, outcome in (
            KnockUpResult.objects.filter(committee_room__polling_day=day, elector_id__in=chunk)
            .order_by("recorded_at", "id")
            .values_list("elector_id", "outcome")
        ):
            latest[elector_id] = outcome

    rows = []
    for item in items:
        e = item.elector
        rows.append(
            {
                "id": e.pk,
                "order": item.order,
                "number": e.elector_number,
                "name": e.full_name,
                "address": short_address(e.household) if e.household else "",
                "postal": e.postal_voter,
                "walk_id": item.walk_id,
                "voted": e.pk in voted,
                "outcome": latest.get(e.pk, ""),
            }
        )
    return rows


def round_payload(knock_round: KnockUpRound) -> dict[str, Any]:
    """What the knock-up sheet on a phone needs: the round and its electors (no support, likelihood or history)."""
    room = knock_round.committee_room
    return {
        "round": {
            "id": knock_round.pk,
            "number": knock_round.number,
            "room": room.name,
            "completed": knock_round.completed_at is not None,
            "date": room.polling_day.date.isoformat(),
        },
        "outcomes": [{"code": value, "label": label} for value, label in Outcome.choices],
        "electors": [
            {k: r[k] for k in ("id", "order", "number", "name", "address", "voted", "outcome")}
            for r in round_rows(knock_round)
        ],
    }


def room_lifts(committee_room: CommitteeRoom):
    return Lift.objects.filter(committee_room=committee_room).select_related("elector__household")


def update_lift(lift: Lift, *, status: str, driver: str | None = None, user: Any, request: Any = None) -> Lift:
    """Move a lift on (arranged / done / cancelled) and name the driver; audited."""
    if status not in Lift.Status.values:
        raise ValidationError(f"Unknown status {status!r}")
    before = lift.status
    lift.status = status
    fields = ["status", "updated_at"]
    if driver is not None:
        lift.driver = driver.strip()[:200]
        fields.append("driver")
    lift.save(update_fields=fields)
    record(
        AuditEntry.Action.CHANGED,
        actor=user,
        request=request,
        obj=lift,
        unit=lift.committee_room.polling_day.unit,
        detail={"what": "lift", "before": before, "after": status},
    )
    return lift
