"""Reading walks: lists, a walk's doors and electors, the support-code key, assignable users, board reports."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from groundswell.accounts import access
from groundswell.canvassing.models import CanvassCampaign, Contact, Walk, WalkStop
from groundswell.people.exporting import spreadsheet_safe
from groundswell.questions.models import SupportCode
from groundswell.register.models import Elector

# Used when no unit above the campaign has configured its own codes.
DEFAULT_SUPPORT_KEY: list[tuple[str, str]] = [
    ("L", "Labour"),
    ("C", "Conservative"),
    ("LD", "Liberal Democrat"),
    ("G", "Green"),
    ("R", "Reform UK"),
    ("SNP", "SNP"),
    ("PC", "Plaid Cymru"),
    ("Oth", "Other party"),
    ("U", "Undecided"),
    ("A", "Against"),
    ("WS", "Won't say"),
    ("NV", "Not voting"),
]


def campaign_walks(campaign: CanvassCampaign) -> QuerySet[Walk]:
    """The campaign's walks with door counts and assignees, ready for a list."""
    return (
        Walk.objects.filter(campaign=campaign)
        .annotate(doors=Count("stops", distinct=True))
        .prefetch_related("assignments__user")
        .order_by("name", "pk")
    )


def walk_stops(walk: Walk) -> list[WalkStop]:
    """The walk's stops in route order, each with its household and current electors."""
    electors = Elector.objects.filter(deleted_at__isnull=True).order_by("number", "suffix")
    return list(
        walk.stops.select_related("household")
        .prefetch_related(Prefetch("household__electors", queryset=electors, to_attr="current_electors"))
        .order_by("order")
    )


def walk_streets(walk: Walk) -> list[tuple[str, int]]:
    """Streets on the walk with their door counts, in the order the route first reaches them."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for street, order in walk.stops.values_list("household__street", "order"):
        counts[street] += 1
        first.setdefault(street, order)
        first[street] = min(first[street], order)
    return [(street, counts[street]) for street in sorted(counts, key=lambda s: first[s])]


def support_key(campaign: CanvassCampaign) -> list[tuple[str, str]]:
    """Support codes for the campaign: the nearest unit (the campaign's own, else its closest ancestor)
    that configured codes wins, so a local party can override the national set; else the default key."""
    ids = campaign.unit.ancestor_ids() or [campaign.unit_id]
    by_unit: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for unit_id, code, label in SupportCode.objects.filter(unit_id__in=ids).values_list("unit_id", "code", "label"):
        by_unit[unit_id].append((code, label))
    for unit_id in reversed(ids):
        if by_unit.get(unit_id):
            return by_unit[unit_id]
    return list(DEFAULT_SUPPORT_KEY)


def assignable_users(campaign: CanvassCampaign) -> QuerySet:
    """Users with a role in the campaign's unit, below it or above it (people who may work its walks)."""
    unit = campaign.unit
    ancestors = unit.ancestor_ids()
    if not unit.path:  # an unsaved path would prefix-match every unit
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(access.within_units([unit], "roles__unit__path") | Q(roles__unit_id__in=ancestors))
        .distinct()
        .order_by("email")
    )


@dataclass
class ReportRow:
    label: str
    polling_district: str = ""
    walks: list[str] = field(default_factory=list)
    doors: int = 0
    electors: int = 0
    contacts: int = 0
    support: Counter = field(default_factory=Counter)
    cells: list[int] = field(default_factory=list)  # support counts in the report's column order


@dataclass
class BoardReport:
    walks: list[ReportRow]
    streets: list[ReportRow]
    codes: list[str]  # columns of the support breakdown, in key order then any others seen

    def totals(self) -> ReportRow:
        total = ReportRow("Total")
        for row in self.walks:
            total.doors += row.doors
            total.electors += row.electors
            total.contacts += row.contacts
            total.support.update(row.support)
        total.cells = [total.support.get(code, 0) for code in self.codes]
        return total


def board_report(campaign: CanvassCampaign) -> BoardReport:
    """Doors, electors, contacts and the support breakdown per walk and per street.

    A contact counts towards the walk (and street) holding its elector's household, if it was made for
    this campaign: doorstep, phone and paper contacts for those electors all show the walk's progress.
    """
    stops = list(
        WalkStop.objects.filter(campaign=campaign).values_list(
            "household_id", "walk_id", "walk__name", "household__street", "household__polling_district"
        )
    )
    place: dict[int, tuple[int, str, tuple[str, str]]] = {}
    walk_rows: dict[int, ReportRow] = {}
    street_rows: dict[tuple[str, str], ReportRow] = {}
    for household_id, walk_id, walk_name, street, pd in stops:
        walk_row = walk_rows.setdefault(walk_id, ReportRow(walk_name, pd))
        street_row = street_rows.setdefault((street, pd), ReportRow(street or "(no street)", pd))
        if walk_name not in street_row.walks:
            street_row.walks.append(walk_name)
        walk_row.doors += 1
        street_row.doors += 1
        place[household_id] = (walk_id, walk_name, (street, pd))
    on_walks = WalkStop.objects.filter(campaign=campaign).values("household_id")
    for household_id, n in (
        Elector.objects.filter(deleted_at__isnull=True, household_id__in=on_walks)
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    ):
        walk_id, _, street_key = place[household_id]
        walk_rows[walk_id].electors += n
        street_rows[street_key].electors += n
    for household_id, code, n in (
        Contact.objects.filter(campaign=campaign, elector__household_id__in=on_walks)
        .values("elector__household_id", "support_code")
        .annotate(n=Count("pk"))
        .values_list("elector__household_id", "support_code", "n")
    ):
        walk_id, _, street_key = place[household_id]
        for row in (walk_rows[walk_id], street_rows[street_key]):
            row.contacts += n
            if code:
                row.support[code] += n
    seen = {code for row in walk_rows.values() for code in row.support}
    key_codes = [code for code, _ in support_key(campaign)]
    codes = [c for c in key_codes if c in seen] + sorted(seen - set(key_codes))
    for row in [*walk_rows.values(), *street_rows.values()]:
        row.cells = [row.support.get(code, 0) for code in codes]
    return BoardReport(
        walks=sorted(walk_rows.values(), key=lambda r: r.label),
        streets=sorted(street_rows.values(), key=lambda r: (r.polling_district, r.label)),
        codes=codes,
    )


def write_board_report_csv(report: BoardReport, out: IO[str] | Any) -> None:
    """One CSV: a row per walk, then a row per street; support codes as columns."""
    writer = csv.writer(out)
    writer.writerow(["level", "name", "polling_district", "walks", "doors", "electors", "contacts", *report.codes])
    for level, rows in (("walk", report.walks), ("street", report.streets)):
        for row in rows:
            writer.writerow(
                [
                    level,
                    spreadsheet_safe(row.label),
                    row.polling_district,
                    spreadsheet_safe("; ".join(row.walks)),
                    row.doors,
                    row.electors,
                    row.contacts,
                    *[row.support.get(code, 0) for code in report.codes],
                ]
            )
