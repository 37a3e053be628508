"""Read-side canvassing rules: who may see which walk, what the doorstep app is sent, and dashboard figures."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from groundswell.accounts import access
from groundswell.geography.models import Constituency
from groundswell.geography.selectors import current_boundary_set
from groundswell.people.models import OrganisationUnit
from groundswell.people.search import PeopleFilter, search_people
from groundswell.questions.models import SupportCode
from groundswell.questions.services import question_payload
from groundswell.questions.support_codes import support_codes_for
from groundswell.register.models import Elector

from .models import CanvassCampaign, Contact, DoorOutcome, Walk, WalkStop
from .services import REACHED_OUTCOMES, is_running


def campaign_constituencies() -> QuerySet[Constituency]:
    """The seats a canvass campaign can be on: the current boundary set's, and any seat with a register loaded
    (a register imported on the 2010 boundaries stays canvassable there)."""
    with_register = Elector.objects.values("constituency_id")
    return (
        Constituency.objects.filter(Q(boundary_set=current_boundary_set()) | Q(pk__in=with_register))
        .only("pk", "name", "code", "boundary_set")
        .order_by("name", "boundary_set")
    )


# ---------------------------------------------------------------- access


def can_manage(user: Any, campaign: CanvassCampaign) -> bool:
    """Organisers (and above) of the campaign's unit run it: targets, walks, keyboard entry, dashboards."""
    return access.has_perm(user, access.Perm.MANAGE_CANVASS, campaign.unit)


def campaigns_for(user: Any) -> QuerySet[CanvassCampaign]:
    units = access.units_for(user, access.Perm.MANAGE_CANVASS)
    return CanvassCampaign.objects.filter(unit__in=units).select_related("unit", "constituency").order_by("-starts_on")


def assigned_walks(user: Any, today: datetime.date | None = None) -> QuerySet[Walk]:
    """Walks assigned to `user` in campaigns running today (the only walks a canvasser can open)."""
    today = today or timezone.localdate()
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Walk.objects.none()
    return (
        Walk.objects.filter(assignments__user=user, campaign__starts_on__lte=today)
        .filter(Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=today))
        .select_related("campaign")
        .annotate(doors=Count("stops", distinct=True))
        .order_by("campaign__name", "name")
    )


def is_assigned(user: Any, walk: Walk) -> bool:
    return walk.assignments.filter(user_id=getattr(user, "pk", None)).exists()


def require_walk(user: Any, walk: Walk, *, manage_ok: bool = True) -> str:
    """Raise PermissionDenied unless `user` may work this walk now. Returns how: 'canvasser' or 'organiser'.

    A canvasser must be assigned and the campaign running; an organiser of the campaign's unit may always
    (keyboard entry of paper sheets often happens after the campaign).
    """
    if manage_ok and can_manage(user, walk.campaign):
        return "organiser"
    if getattr(user, "is_active", False) and is_assigned(user, walk) and is_running(walk.campaign):
        return "canvasser"
    raise PermissionDenied("This walk is not assigned to you, or its campaign is not running.")


# ---------------------------------------------------------------- doorstep payload


def _stops(walk: Walk) -> QuerySet[WalkStop]:
    return walk.stops.select_related("household").order_by("order")


def walk_electors(walk: Walk) -> QuerySet[Elector]:
    """Current electors living at the walk's doors."""
    return Elector.objects.filter(household_id__in=walk.stops.values("household_id"), deleted_at__isnull=True).order_by(
        "household_id", "number", "suffix"
    )


def walk_payload(walk: Walk) -> dict[str, Any]:
    """Everything the offline doorstep app needs for one walk, and nothing more (no ages, no contact history)."""
    campaign = walk.campaign
    by_household: dict[int, list[dict[str, Any]]] = {}
    for e in walk_electors(walk):
        by_household.setdefault(e.household_id, []).append(
            {
                "id": e.pk,
                "number": e.elector_number,
                "pd": e.polling_district,
                "n": e.number,
                "s": e.suffix,
                "name": " ".join(p for p in (e.title, e.forenames, e.surname) if p),
                # What the printed sheet marks, so the door screen matches the paper: how they vote (postal or
                # proxy) and the support code last recorded. No ages, markers, history or person links: the
                # phone holds these only until sign-out or the campaign's end (doorstep.js clears them).
                "vote": "postal" if e.postal_voter else "proxy" if e.proxy_voter else "",
                "last": e.current_support,
            }
        )
    doors = []
    for stop in _stops(walk):
        h = stop.household
        doors.append(
            {
                "order": stop.order,
                "household": h.pk,
                "address": ", ".join(line for line in h.address_lines if line) or h.address_key,
                "label": h.house_label or (str(h.house_number) if h.house_number is not None else ""),
                "street": h.street,
                "postcode": h.postcode,
                "lat": h.latitude,
                "lon": h.longitude,
                "electors": by_household.get(h.pk, []),
            }
        )
    codes = [
        {"code": sc.code, "label": sc.label, "category": sc.category, "colour": sc.colour}
        for sc in support_codes_for(campaign.unit).values()
    ]
    return {
        "walk": {"id": walk.pk, "name": walk.name, "polling_district": walk.polling_district},
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
        },
        "doors": doors,
        "questions": question_payload(campaign.question_set),
        "codes": codes,
        "outcomes": [{"value": v, "label": label} for v, label in DoorOutcome.choices],
        "fetched_at": timezone.now().isoformat(),
    }


# ---------------------------------------------------------------- elector numbers (keyboard entry)

# ASCII digits, bounded: an elector number has a few digits, and int() refuses 4,300 or more (a ValueError).
_NUMBER_RE = re.compile(r"^\s*(?:([A-Za-z0-9]{1,12})\s*-\s*)?([0-9]{1,9})(?:\s*/\s*([0-9]{1,4}))?\s*$")


def parse_elector_number(text: str, default_pd: str = "") -> tuple[str, int, int] | None:
    """'AB1-123/2' → ('AB1', 123, 2); '123' or '123/2' use `default_pd`. None if it is not a number at all."""
    m = _NUMBER_RE.match(text or "")
    if not m:
        return None
    pd = (m.group(1) or default_pd).upper()
    return pd, int(m.group(2)), int(m.group(3) or 0)


def find_walk_elector(walk: Walk, text: str) -> Elector | None:
    """The walk's elector with this number (bare numbers are in the walk's polling district), else None."""
    parsed = parse_elector_number(text, walk.polling_district)
    if parsed is None:
        return None
    pd, number, suffix = parsed
    electors = walk_electors(walk).filter(number=number, suffix=suffix)
    if pd:
        return electors.filter(polling_district__iexact=pd).first()
    # A walk without a district: a bare number counts only when it is unambiguous on the walk.
    found = list(electors[:2])
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- dashboards


def whole_percent(part: float, whole: float) -> int:
    """`part` as a whole percentage of `whole` (of 1 when `whole` is 0), rounded half to even.

    The dashboard's figures and bar widths: the same arithmetic as the template's former
    {% widthratio part whole|default:1 100 %}, so the page shows the same numbers.
    """
    return round(float(part) / float(whole or 1) * 100)


@dataclass
class GroupRate:
    label: str
    electors: int
    reached: int

    @property
    def rate(self) -> float:
        return self.reached / self.electors if self.electors else 0.0

    @property
    def percent(self) -> int:
        """Reached as a whole percentage of the group, for the bar."""
        return whole_percent(self.reached, self.electors)


@dataclass
class Dashboard:
    electors: int
    doors_knocked: int
    electors_attempted: int
    electors_reached: int
    contacts: int
    support: list[dict[str, Any]]
    promises: int
    never_contacted: int
    stale: int
    months: int
    by_district: list[GroupRate]
    by_age: list[GroupRate]
    age_basis: str
    flags: list[str] = field(default_factory=list)
    needs_review: int = 0

    @property
    def contact_rate(self) -> float:
        """Share of electors we tried to reach who were actually reached."""
        return self.electors_reached / self.electors_attempted if self.electors_attempted else 0.0

    @property
    def coverage_gap(self) -> float:
        """Share of electors never contacted or last contacted over `months` months ago."""
        return (self.never_contacted + self.stale) / self.electors if self.electors else 0.0

    @property
    def contact_rate_percent(self) -> int:
        return whole_percent(self.electors_reached, self.electors_attempted)

    @property
    def coverage_gap_percent(self) -> int:
        return whole_percent(self.never_contacted + self.stale, self.electors)

    @property
    def max_support(self) -> int:
        return max((row["count"] for row in self.support), default=0)

    @property
    def support_bars(self) -> list[dict[str, Any]]:
        """The support rows, each with `percent`: its bar's width against the largest count."""
        largest = self.max_support
        return [{**row, "percent": whole_percent(row["count"], largest)} for row in self.support]


def _age_band(birth: datetime.date, today: datetime.date) -> str:
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if years < 25:
        return "18–24"
    if years < 40:
        return "25–39"
    if years < 65:
        return "40–64"
    return "65+"


def dashboard(
    campaign: CanvassCampaign,
    polling_district: str = "",
    months: int = 6,
    today: datetime.date | None = None,
    min_group: int = 20,
) -> Dashboard:
    """Canvass figures for a campaign (optionally one polling district), with representativeness flags.

    Contact rates by group are "reached in this campaign / electors in the group": a group far below the
    overall rate is one whose views the canvass returns under-represent.
    """
    today = today or timezone.localdate()
    electors = Elector.objects.filter(constituency_id=campaign.constituency_id, deleted_at__isnull=True)
    contacts = Contact.objects.filter(campaign=campaign)
    if polling_district:
        electors = electors.filter(polling_district=polling_district)
        contacts = contacts.filter(elector__polling_district=polling_district)
    reached_q = Q(outcome__in=REACHED_OUTCOMES) | ~Q(support_code="")
    reached_ids = set(contacts.filter(reached_q).values_list("elector_id", flat=True).distinct())

    codes = support_codes_for(campaign.unit)
    ours = {c for c, sc in codes.items() if sc.category == SupportCode.Category.OURS}
    support_counts = dict(
        electors.exclude(current_support="").values_list("current_support").annotate(n=Count("id")).order_by()
    )
    support = [
        {"code": code, "label": sc.label, "colour": sc.colour, "count": support_counts.get(code, 0)}
        for code, sc in codes.items()
    ]
    for code, n in sorted(support_counts.items()):
        if code not in codes:  # a code since removed from the set still counts
            support.append({"code": code, "label": code, "colour": "#777777", "count": n})

    cutoff = timezone.now() - datetime.timedelta(days=round(months * 30.44))
    rows = list(electors.values_list("pk", "polling_district", "attainer_date", "person__date_of_birth"))
    by_pd: dict[str, GroupRate] = {}
    by_age: dict[str, GroupRate] = {}
    known_age = 0
    for pk, pd, attainer, dob in rows:
        hit = 1 if pk in reached_ids else 0
        group = by_pd.setdefault(pd, GroupRate(pd, 0, 0))
        group.electors += 1
        group.reached += hit
        band = ""
        if dob:
            band = _age_band(dob, today)
        elif attainer and attainer >= today - datetime.timedelta(days=365 * 2):
            band = "18–24"  # an attainer (recently or soon of voting age) is young even without a birth date
        if band:
            known_age += 1
            g = by_age.setdefault(band, GroupRate(band, 0, 0))
            g.electors += 1
            g.reached += hit
    if by_age and known_age < len(rows):
        unknown = len(rows) - known_age
        by_age["Age unknown"] = GroupRate(
            "Age unknown", unknown, sum(1 for pk, _, a, d in rows if not d and not a and pk in reached_ids)
        )

    result = Dashboard(
        electors=len(rows),
        doors_knocked=contacts.filter(method=Contact.Method.DOOR).values("elector__household_id").distinct().count(),
        electors_attempted=contacts.values("elector_id").distinct().count(),
        electors_reached=len(reached_ids),
        contacts=contacts.count(),
        support=support,
        promises=electors.filter(current_support__in=ours).count() if ours else 0,
        never_contacted=electors.filter(last_contacted_at__isnull=True).count(),
        stale=electors.filter(last_contacted_at__lt=cutoff).count(),
        months=months,
        by_district=sorted(by_pd.values(), key=lambda g: g.label),
        by_age=sorted(by_age.values(), key=lambda g: g.label),
        age_basis="date of birth or attainer date" if by_age else "",
        needs_review=contacts.filter(needs_review=True).count(),
    )
    result.flags = representativeness_flags(result, min_group=min_group)
    return result


def representativeness_flags(d: Dashboard, min_group: int = 20, ratio: float = 2.0) -> list[str]:
    """Groups whose contact rate is under 1/ratio or over ratio× the overall rate (ignoring small groups)."""
    overall = sum(g.reached for g in d.by_district) / d.electors if d.electors else 0.0
    flags: list[str] = []
    if not overall:
        return flags
    for kind, groups in (("Polling district", d.by_district), ("Age", d.by_age)):
        for g in groups:
            if g.electors < min_group:
                continue
            if g.rate < overall / ratio:
                flags.append(
                    f"{kind} {g.label}: {g.rate:.0%} reached against {overall:.0%} overall — under-represented"
                )
            elif g.rate > overall * ratio:
                flags.append(f"{kind} {g.label}: {g.rate:.0%} reached against {overall:.0%} overall — over-represented")
    return flags


# ---------------------------------------------------------------- organiser pages: questions, review, electors


def stored_answer_keys(campaign: CanvassCampaign) -> set[str]:
    """Keys under which answers are stored for the campaign's question set (including removed questions')."""
    if campaign.question_set_id is None:
        return set()

    table = Contact._meta.db_table
    campaigns = CanvassCampaign._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT DISTINCT jsonb_object_keys(c.answers) FROM {table} c JOIN {campaigns} k ON k.id = c.campaign_id "
            "WHERE k.question_set_id = %s AND jsonb_typeof(c.answers) = 'object'"
        )
    else:
        sql = (
            f"SELECT DISTINCT j.key FROM {table} c JOIN {campaigns} k ON k.id = c.campaign_id, json_each(c.answers) j "
            "WHERE k.question_set_id = %s AND json_type(c.answers) = 'object'"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.question_set_id])
        return {row[0] for row in cursor.fetchall()}


def review_contacts(campaign: CanvassCampaign) -> QuerySet[Contact]:
    """The campaign's moved / deceased / wrong-address reports still waiting for the organiser, newest first."""
    return (
        Contact.objects.filter(campaign=campaign, needs_review=True)
        .select_related("elector__household", "canvasser")
        .order_by("-occurred_at", "-id")
    )


def elector_unit(user: Any, elector: Elector) -> Any:
    """A unit for the elector's constituency at which `user` may run canvassing (held there or above), or None."""
    for unit in OrganisationUnit.objects.filter(constituency_id=elector.constituency_id).order_by("path"):
        if access.has_perm(user, access.Perm.MANAGE_CANVASS, unit):
            return unit
    return None


def can_manage_elector(user: Any, elector: Elector) -> bool:
    """Organisers covering the elector's constituency: MANAGE_CANVASS at a unit for that constituency or above it."""
    return elector_unit(user, elector) is not None


def elector_contacts(elector: Elector) -> QuerySet[Contact]:
    """Every contact with the elector, in any campaign, newest first."""
    return (
        Contact.objects.filter(elector=elector).select_related("campaign", "canvasser").order_by("-occurred_at", "-id")
    )


def linkable_people(user: Any, text: str, limit: int = 20) -> list[Any]:
    """People `user` may see (their own access, as the people search) matching `text`, to link an elector to."""
    text = (text or "").strip()[:200]
    if not text:
        return []
    return list(search_people(user, PeopleFilter(q=text))[:limit])


def linkable_person(user: Any, pk: Any) -> Any:
    """The person `pk` if `user` may see them (else None)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return search_people(user, PeopleFilter()).filter(pk=pk).first()
