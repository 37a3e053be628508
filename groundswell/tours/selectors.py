"""Reads of tours: who is on a tour's team, who may see a stop's exact venue and time (need-to-know), the
checklist board (red/amber/green) and the attributions waiting for an agent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from groundswell.accounts.access import Perm, has_perm, scope
from groundswell.accounts.models import Role, RoleAssignment
from groundswell.events.models import RSVP
from groundswell.spending.models import Candidacy
from groundswell.spending.selectors import seat_figures
from groundswell.targeting.nearest import centroids, km_between
from groundswell.targeting.selectors import projection_boundary_set
from groundswell.targeting.services import Category, latest_projection, our_party, target_list

from .models import Attribution, ChecklistItem, Stop, Tour, TourDay, TourMember


def is_member(user: Any, tour: Tour, role: str | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    rows = TourMember.objects.filter(tour=tour, user=user)
    return rows.filter(role=role).exists() if role else rows.exists()


def can_manage(user: Any, tour: Tour) -> bool:
    """The tour's managers, and organisers holding MANAGE_TOURS at its unit, plan it and edit its stops."""
    return is_member(user, tour, TourMember.Role.MANAGER) or has_perm(user, Perm.MANAGE_TOURS, tour.unit)


def can_see_location(user: Any, stop: Stop) -> bool:
    """Need-to-know: a stop's exact venue and time before it is published are for the tour team and the stop's
    advance team only (not every organiser of the unit, not volunteers, not the public)."""
    if stop.published_at is not None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return is_member(user, stop.day.tour) or stop.advance_team.filter(pk=user.pk).exists()


def tours_for(user: Any) -> QuerySet[Tour]:
    """Tours a user plans (MANAGE_TOURS in scope) or is on the team of."""
    if not getattr(user, "is_authenticated", False):
        return Tour.objects.none()
    planned = scope(Tour.objects.all(), user, Perm.MANAGE_TOURS, "unit__path")
    ids = set(planned.values_list("pk", flat=True)) | set(
        TourMember.objects.filter(user=user).values_list("tour_id", flat=True)
    )
    ids |= set(Stop.objects.filter(advance_team=user).values_list("day__tour_id", flat=True))
    return Tour.objects.filter(pk__in=ids).select_related("unit", "election")


def is_agent_for(user: Any, candidacy: Any) -> bool:
    """The seat's election agent: named on the ledger, or holding the election-agent role over its unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if candidacy.agent_id == user.pk:
        return True
    for assignment in RoleAssignment.objects.filter(user=user, role=Role.ELECTION_AGENT).select_related("unit"):
        if candidacy.unit.is_within(assignment.unit):
            return True
    return False


def may_decide(user: Any, attribution: Attribution) -> bool:
    """Candidate attributions: the seat's agent. Party ones: whoever manages spending at the tour's unit."""
    if attribution.candidacy_id:
        return is_agent_for(user, attribution.candidacy)
    return has_perm(user, Perm.MANAGE_SPENDING, attribution.day.tour.unit)


def waiting_for(user: Any) -> list[Attribution]:
    """Attributions waiting for this user's decision (their seats, or the party's where they manage spending)."""
    rows = Attribution.objects.filter(decision=Attribution.Decision.PENDING).select_related(
        "candidacy__unit", "day__tour__unit", "stop"
    )
    return [a for a in rows if may_decide(user, a)]


@dataclass
class BoardRow:
    stop: Stop
    checked: int
    confirmed: int
    total: int
    stewards_signed_up: int
    colour: str  # red / amber / green

    @property
    def ready(self) -> bool:
        return self.colour == "green"


def stewards_signed_up(stop: Stop) -> int:
    return RSVP.objects.filter(event_id=stop.event_id, status=RSVP.Status.GOING).count()


def board(tour: Tour) -> list[BoardRow]:
    """Every stop red (something not yet confirmed, or blocked), amber (confirmed, awaiting its second check) or
    green (every item checked by a second person: ready)."""
    rows = []
    stops = Stop.objects.filter(day__tour=tour).exclude(status=Stop.Status.CANCELLED).prefetch_related("checklist")
    for stop in stops:
        items = list(stop.checklist.all())
        checked = sum(1 for i in items if i.checked_by_id)
        confirmed = sum(1 for i in items if i.confirmed_by_id)
        if stop.status == Stop.Status.BLOCKED or confirmed < len(items):
            colour = "red"
        elif checked < len(items):
            colour = "amber"
        else:
            colour = "green"
        rows.append(BoardRow(stop, checked, confirmed, len(items), stewards_signed_up(stop), colour))
    return rows


def is_ready(stop: Stop) -> bool:
    items = list(stop.checklist.all())
    return bool(items) and all(i.checked_by_id for i in items) and stop.status != Stop.Status.BLOCKED


def open_items(stop: Stop) -> QuerySet[ChecklistItem]:
    return stop.checklist.filter(Q(confirmed_by__isnull=True) | Q(checked_by__isnull=True))


@dataclass
class Suggestion:
    code: str
    name: str
    category: str  # attack / defend (targeting's classes)
    p_win: float
    km_from_route: float
    candidacy: Candidacy | None
    headroom: int | None


def suggest_stops(day: TourDay, limit: int = 5) -> list[Suggestion]:
    """Candidate stops the planner suggests: the target and marginal seats (targeting's latest projection, attack or
    defend) nearest the day's planned route (or its start and end before it is planned), not already stopped in,
    with their ledger's headroom so a seat near its limit is seen before it is chosen."""
    projection = latest_projection()
    if projection is None:
        return []
    boundary_set = projection_boundary_set(projection)
    points = centroids(boundary_set)
    route = [tuple(p) for leg in (day.plan or {}).get("legs", []) for seg in leg["segments"] for p in seg["points"]]
    route = route or [(day.start_lat, day.start_lon), (day.end_lat, day.end_lon)]
    taken = set(day.stops.values_list("constituency_code", flat=True))
    rows = []
    for seat in target_list(projection, our_party()):
        if seat.category not in (Category.ATTACK, Category.DEFEND) or seat.code in taken or seat.code not in points:
            continue
        km = min(km_between(points[seat.code], p) for p in route[:: max(1, len(route) // 200)])
        rows.append((km, seat))
    rows.sort(key=lambda r: r[0])
    ledgers = {c.constituency.code: c for c in Candidacy.objects.filter(election=day.tour.election)
               .select_related("constituency", "election")}  # fmt: skip
    out = []
    for km, seat in rows[:limit]:
        candidacy = ledgers.get(seat.code)
        headroom = None
        if candidacy is not None:
            fig = seat_figures(candidacy, today=day.date).get("short")
            headroom = fig.headroom if fig else None
        out.append(Suggestion(seat.code, seat.name, seat.category, seat.p_win, round(km, 1), candidacy, headroom))
    return out
