"""Permissibility evidence for individuals: the donor matched to the imported electoral register, as it stood on
the acceptance date (the latest full register or monthly update applied by then, PPERA s.54(2)(a)).

The register keeps one live row per entry with `created_at` and `deleted_at`, and a `RegisterImport` row per file
applied; an elector is *in force on a day* when created by then and not deleted by then, and the *register version*
is the last full register or monthly update imported by then. An exact match (same normalised name, also trying
only the first forename, at the same first address line and postcode) is proposed as evidence; near matches
(similar name at the postcode, or the same name elsewhere) are offered to an officer to confirm. Similarity is
difflib's ratio (rapidfuzz is not installed; it would give the same ordering faster).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q, QuerySet
from django.utils import timezone

from groundswell.geography.models import Constituency
from groundswell.people.normalise import normalise_name_part
from groundswell.register.addresses import normalise_line
from groundswell.register.models import Elector, RegisterImport

from .models import Donor
from .rules import normalise_postcode

NEAR_SCORE = 0.75  # below this a candidate is not worth an officer's time
NEAR_NAME = 0.7  # a housemate at the same address is not a near match for the donor
MAX_MATCHES = 8


@dataclass(frozen=True)
class RegisterMatch:
    elector: Elector
    elector_number: str
    name: str
    address: str
    score: float  # 0–1
    exact: bool
    register_import: RegisterImport | None

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def electors_in_force(on: dt.date) -> QuerySet[Elector]:
    """Register entries in force at the end of `on`: added by then and not deleted by then."""
    end = _end_of(on)
    return Elector.objects.filter(created_at__lte=end).filter(Q(deleted_at__isnull=True) | Q(deleted_at__gt=end))


def register_version(constituency: Constituency, on: dt.date) -> RegisterImport | None:
    """The last full register or monthly update for `constituency` applied by the end of `on`."""
    return (
        RegisterImport.objects.filter(
            constituency=constituency,
            kind__in=[RegisterImport.Kind.FULL, RegisterImport.Kind.UPDATE],
            imported_at__lte=_end_of(on),
        )
        .order_by("-imported_at", "-pk")
        .first()
    )


def _names(forenames: str, surname: str) -> set[str]:
    surname = normalise_name_part(surname.replace("(z)", ""))
    full = normalise_name_part(forenames)
    names = {f"{full} {surname}".strip()}
    if full:
        names.add(f"{full.split(' ')[0]} {surname}".strip())
    return names


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def register_matches(donor: Donor, on: dt.date | None = None) -> list[RegisterMatch]:
    """The register entries that may be this donor, best first (exact matches first)."""
    on = on or dt.date.today()
    name = normalise_name_part(donor.full_name)
    if not name:
        return []
    postcode = normalise_postcode(donor.postcode)
    line1 = normalise_line(donor.address_line1)
    line12 = normalise_line(f"{donor.address_line1} {donor.address_line2}")
    base = electors_in_force(on).select_related("household", "constituency")
    candidates: dict[int, Elector] = {}
    if postcode:
        for e in base.filter(household__postcode__in={postcode, postcode.replace(" ", "")})[:500]:
            candidates[e.pk] = e
    surname = name.split(" ")[-1]
    # The same surname anywhere: the donor may have moved since the register was compiled.
    for e in base.filter(surname__iexact=surname)[:200]:
        candidates.setdefault(e.pk, e)
    versions: dict[int, RegisterImport | None] = {}
    found: list[RegisterMatch] = []
    for e in candidates.values():
        names = _names(e.forenames, e.surname)
        lines = list(e.household.address_lines or []) if e.household else []
        first = normalise_line(lines[0]) if lines else ""
        first_two = normalise_line(" ".join(lines[:2])) if lines else ""
        same_postcode = bool(e.household) and normalise_postcode(e.household.postcode) == postcode
        same_address = same_postcode and bool(line1) and (line1 in (first, first_two) or line12 in (first, first_two))
        exact = same_address and name in names
        name_score = max(_ratio(name, n) for n in names)
        address_score = 0.0
        if same_address:
            address_score = 1.0
        elif same_postcode:
            address_score = max(_ratio(line1, first), _ratio(line12, first_two))
        score = 1.0 if exact else round(0.6 * name_score + 0.4 * address_score, 3)
        if not exact and (name_score < NEAR_NAME or score < NEAR_SCORE):
            continue
        if e.constituency_id not in versions:
            versions[e.constituency_id] = register_version(e.constituency, on)
        address = ", ".join([*(line for line in lines if line), e.household.postcode if e.household else ""])
        found.append(
            RegisterMatch(e, e.elector_number, e.full_name, address, score, exact, versions[e.constituency_id])
        )
    found.sort(key=lambda m: (not m.exact, -m.score, m.elector_number))
    return found[:MAX_MATCHES]
