"""Targets: saved filters over the register. `Target.filters` is plain JSON so it can be edited and replayed.

Filter keys (all optional, combined with AND):

- ``polling_districts``: ["AA1", …]       - ``streets``: ["High Street", …] (exact, case-insensitive)
- ``support``: ["U", "", …] ("" = no support recorded)
- ``contacted_before``: "YYYY-MM-DD" and/or ``never_contacted``: true (together: either)
- ``postal_voter``: true / false
- ``markers``: "EF" (any of these marker letters)   - ``exclude_markers``: "G"
- ``voted_at``: ["parl.2024-07-04", …] (voted at every one)  - ``did_not_vote_at``: [...] (marked as not voting)

Electors who have left the register (``deleted_at``) are always excluded.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from groundswell.register.models import Elector, Property, TurnoutRecord

from .models import CanvassCampaign, Target

LIST_KEYS = ("polling_districts", "streets", "support", "voted_at", "did_not_vote_at")
KNOWN_KEYS = set(LIST_KEYS) | {"contacted_before", "never_contacted", "postal_voter", "markers", "exclude_markers"}


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        # Form input: comma- or newline-separated.
        return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
    return [str(v).strip() for v in value]


def _as_bool(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValidationError(f"{value!r} is not yes or no")


def clean_filters(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise filters from a form or JSON; raises ValidationError on unknown keys or bad values."""
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ValidationError(f"Unknown filter(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key in LIST_KEYS:
        value = raw.get(key)
        if key == "support" and isinstance(value, list | tuple):
            # "" is meaningful here (no support recorded), so a JSON list keeps it.
            values = sorted({str(v).strip() for v in value})
        elif key == "support":
            # Typed in a form, "no support recorded" is spelt "-".
            values = sorted({"" if v == "-" else v for v in _as_list(value)})
        else:
            values = _as_list(value)
        if values:
            out[key] = values
    if raw.get("contacted_before"):
        try:
            out["contacted_before"] = datetime.date.fromisoformat(str(raw["contacted_before"])).isoformat()
        except ValueError:
            raise ValidationError("contacted_before must be a date (YYYY-MM-DD)") from None
    for key in ("never_contacted", "postal_voter"):
        value = _as_bool(raw.get(key))
        if value is not None and (key == "postal_voter" or value):
            out[key] = value
    for key in ("markers", "exclude_markers"):
        letters = "".join(sorted({c.upper() for c in str(raw.get(key) or "") if c.isalpha()}))
        if letters:
            out[key] = letters
    return out


def filter_electors(campaign: CanvassCampaign, filters: Mapping[str, Any]) -> QuerySet[Elector]:
    """The campaign constituency's current electors matching `filters`."""
    f = clean_filters(filters)
    qs = Elector.objects.filter(constituency_id=campaign.constituency_id, deleted_at__isnull=True)
    if f.get("polling_districts"):
        qs = qs.filter(polling_district__in=f["polling_districts"])
    if f.get("streets"):
        street_q = Q(pk__in=[])
        for street in f["streets"]:
            street_q |= Q(household__street__iexact=street)
        qs = qs.filter(street_q)
    if "support" in f:
        qs = qs.filter(current_support__in=f["support"])
    before, never = f.get("contacted_before"), f.get("never_contacted")
    if before or never:
        contact_q = Q(pk__in=[])
        if before:
            start = timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(before), datetime.time()))
            contact_q |= Q(last_contacted_at__lt=start)
        if never:
            contact_q |= Q(last_contacted_at__isnull=True)
        qs = qs.filter(contact_q)
    if "postal_voter" in f:
        qs = qs.filter(postal_voter=f["postal_voter"])
    if f.get("markers"):
        marker_q = Q(pk__in=[])
        for letter in f["markers"]:
            marker_q |= Q(markers__contains=letter)
        qs = qs.filter(marker_q)
    for letter in f.get("exclude_markers", ""):
        qs = qs.exclude(markers__contains=letter)
    voted = [TurnoutRecord.Mark.IN_PERSON, TurnoutRecord.Mark.POSTAL]
    for election in f.get("voted_at", []):
        qs = qs.filter(pk__in=TurnoutRecord.objects.filter(election=election, mark__in=voted).values("elector_id"))
    for election in f.get("did_not_vote_at", []):
        # Only electors the marked register shows as not voting: no record means we do not know.
        qs = qs.filter(
            pk__in=TurnoutRecord.objects.filter(election=election, mark=TurnoutRecord.Mark.DID_NOT_VOTE).values(
                "elector_id"
            )
        )
    return qs


def target_electors(target: Target) -> QuerySet[Elector]:
    return filter_electors(target.campaign, target.filters)


def households_of(electors: QuerySet[Elector]) -> QuerySet[Property]:
    return Property.objects.filter(pk__in=electors.exclude(household__isnull=True).values("household_id"))


def target_households(target: Target) -> QuerySet[Property]:
    """Every household with at least one targeted elector (walks are cut by household)."""
    return households_of(target_electors(target))


def save_target(campaign: CanvassCampaign, name: str, filters: Mapping[str, Any]) -> Target:
    return Target.objects.create(campaign=campaign, name=name.strip() or "Target", filters=clean_filters(filters))


def filter_options(campaign: CanvassCampaign) -> dict[str, list[str]]:
    """Choices for the target builder: the constituency's polling districts and recorded elections."""
    electors = Elector.objects.filter(constituency_id=campaign.constituency_id, deleted_at__isnull=True)
    pds = list(electors.order_by().values_list("polling_district", flat=True).distinct())
    elections = list(
        TurnoutRecord.objects.filter(elector__constituency_id=campaign.constituency_id)
        .order_by()
        .values_list("election", flat=True)
        .distinct()
    )
    return {"polling_districts": sorted(pds), "elections": sorted(elections)}
