"""Figures for an organiser's dashboard, computed within the units they cover."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts import access
from groundswell.canvassing.selectors import assigned_walks
from groundswell.events.models import RSVP, Event
from groundswell.gotv.models import RoomVolunteer, StationTeller
from groundswell.people.models import Consent, Membership, OrganisationUnit, Person
from groundswell.phonebank.selectors import sessions_for_caller


@dataclass
class UnitRow:
    unit: OrganisationUnit
    people: int
    members: int


@dataclass
class DashboardFigures:
    people: int = 0
    members_by_status: list[tuple[str, int]] = field(default_factory=list)
    consent_by_channel: list[tuple[str, int]] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)

    @property
    def max_status(self) -> int:
        return max((n for _, n in self.members_by_status), default=0) or 1

    @property
    def max_consent(self) -> int:
        return max((n for _, n in self.consent_by_channel), default=0) or 1


def dashboard_figures(user) -> DashboardFigures:
    people = access.people_for(user, access.Perm.VIEW_DASHBOARD).filter(erased_at__isnull=True)
    figures = DashboardFigures(people=people.count())
    status_counts = dict(
        Membership.objects.filter(person__in=people).values_list("status").annotate(n=Count("id")).order_by()
    )
    figures.members_by_status = [(label, status_counts.get(value, 0)) for value, label in Membership.Status.choices]
    latest = Consent.objects.filter(person=OuterRef("person"), channel=OuterRef("channel")).order_by(
        "-recorded_at", "-id"
    )
    current = Consent.objects.filter(person__in=people, pk=Subquery(latest.values("pk")[:1]))
    granted = dict(
        current.filter(status=Consent.Status.GRANTED).values_list("channel").annotate(n=Count("id")).order_by()
    )
    figures.consent_by_channel = [(label, granted.get(value, 0)) for value, label in Consent.Channel.choices]

    # One row per top-level unit the user covers and each unit directly below it.
    top = list(
        access.units_for(user, access.Perm.VIEW_DASHBOARD).filter(
            path__in=access.unit_paths_with(user, access.Perm.VIEW_DASHBOARD)
        )
    )
    shown = []
    for unit in top:
        shown.append(unit)
        shown.extend(unit.children.all().order_by("name"))
    for unit in shown:
        in_unit = Person.objects.filter(access.within_units([unit]), merged_into__isnull=True, erased_at__isnull=True)
        counts = in_unit.aggregate(
            people=Count("id", distinct=True),
            members=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE), distinct=True),
        )
        figures.units.append(UnitRow(unit, counts["people"], counts["members"]))
    return figures


@dataclass
class VolunteerHome:
    """What a volunteer has to do: their walks, call sessions, polling-day posts and next events."""

    walks: list[Any] = field(default_factory=list)
    calls: dict[str, list[Any]] = field(default_factory=dict)
    stations: list[Any] = field(default_factory=list)
    rooms: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    @property
    def now(self) -> dict[str, str] | None:
        """The one thing to do now, in the order a volunteer would want it: polling day first, then a live
        call session, their walk, then their next event."""
        today = timezone.localdate()
        for s in self.stations:
            if s.polling_day.date == today:
                return {"text": f"Tell at {s.name}", "url": reverse("gotv:telling", args=[s.polling_day_id])}
        for r in self.rooms:
            if r.polling_day.date == today:
                return {"text": f"Knock up from {r.name}", "url": reverse("gotv:knockup_home")}
        if self.calls.get("joined"):
            s = self.calls["joined"][0]
            return {"text": f"Carry on calling: {s.title}", "url": reverse("phonebank:call", args=[s.token])}
        if self.walks:
            w = self.walks[0]
            return {"text": f"Knock on doors: {w.name}", "url": reverse("canvassing:doorstep") + f"#/walk/{w.pk}"}
        if self.calls.get("joinable"):
            s = self.calls["joinable"][0]
            return {"text": f"Join the phonebank: {s.title}", "url": reverse("phonebank:join", args=[s.token])}
        if self.events:
            e = self.events[0]
            return {"text": f"Your next event: {e.title}", "url": reverse("events:detail", args=[e.pk])}
        return None

    @property
    def empty(self) -> bool:
        return not (self.walks or any(self.calls.values()) or self.stations or self.rooms or self.events)


def volunteer_home(user: Any) -> VolunteerHome:
    """The volunteer's home page: only their own assignments (no one else's data)."""
    today = timezone.localdate()
    person_id = getattr(user, "person_id", None)
    events = (
        list(
            Event.objects.filter(
                rsvps__person_id=person_id, rsvps__status=RSVP.Status.GOING, ends_at__gte=timezone.now()
            ).order_by("starts_at")[:5]
        )
        if person_id
        else []
    )
    return VolunteerHome(
        walks=list(assigned_walks(user)[:10]),
        calls=sessions_for_caller(user),
        stations=[
            t.station
            for t in StationTeller.objects.filter(user=user, station__polling_day__date__gte=today).select_related(
                "station__polling_day"
            )
        ],
        rooms=[
            r.committee_room
            for r in RoomVolunteer.objects.filter(
                user=user, committee_room__polling_day__date__gte=today
            ).select_related("committee_room__polling_day")
        ],
        events=events,
    )
