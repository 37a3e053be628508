"""Figures for an organiser's dashboard, computed within the units they cover."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery

from groundswell.accounts import access
from groundswell.people.models import Consent, Membership, OrganisationUnit, Person


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
