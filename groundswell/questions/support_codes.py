"""Support codes: the answers to the party-support question, configured per organisation unit.

A unit's codes are its own plus those of every unit above it, a nearer unit's code overriding one of the same
name; the national unit holds the default UK set. Canvassing, phonebank, GOTV and targeting read them here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.people.models import OrganisationUnit

from .models import SupportCode

Category = SupportCode.Category

# (code, label, category, colour). Parties start as "another party"; the unit says which one is ours.
DEFAULT_SUPPORT_CODES: list[tuple[str, str, str, str]] = [
    ("L", "Labour", Category.OTHER_PARTY, "#d50000"),
    ("C", "Conservative", Category.OTHER_PARTY, "#0087dc"),
    ("D", "Liberal Democrat", Category.OTHER_PARTY, "#fdbb30"),
    ("G", "Green", Category.OTHER_PARTY, "#02a95b"),
    ("R", "Reform UK", Category.OTHER_PARTY, "#12b6cf"),
    ("S", "SNP", Category.OTHER_PARTY, "#b8a200"),
    ("P", "Plaid Cymru", Category.OTHER_PARTY, "#005b54"),
    ("O", "Other party", Category.OTHER_PARTY, "#999999"),
    ("U", "Undecided", Category.UNDECIDED, "#7b4fa0"),
    ("A", "Against", Category.AGAINST, "#333333"),
    ("W", "Won't say", Category.WONT_SAY, "#bbbbbb"),
    ("N", "Not voting", Category.NOT_VOTING, "#666666"),
]


@transaction.atomic
def ensure_default_support_codes(unit: OrganisationUnit, ours: str | None = None) -> list[SupportCode]:
    """Give `unit` the default UK code set (idempotent: existing codes are kept as they are).

    `ours` names the party code that is this unit's own party (category OURS); without it every party is
    "another party" until `set_our_party` is called. Returns the unit's codes.
    """
    existing = set(SupportCode.objects.filter(unit=unit).values_list("code", flat=True))
    SupportCode.objects.bulk_create(
        [
            SupportCode(unit=unit, code=code, label=label, category=category, colour=colour, order=i)
            for i, (code, label, category, colour) in enumerate(DEFAULT_SUPPORT_CODES)
            if code not in existing
        ]
    )
    if ours:
        set_our_party(unit, ours)
    return list(SupportCode.objects.filter(unit=unit))


@transaction.atomic
def set_our_party(unit: OrganisationUnit, code: str) -> SupportCode:
    """Make `code` the unit's own party (OURS); any other OURS code at this unit becomes another party."""
    codes = support_codes_for(unit)
    if code not in codes:
        raise ValidationError(f"Unknown support code {code!r}")
    chosen = codes[code]
    if chosen.category not in (Category.OURS, Category.OTHER_PARTY):
        raise ValidationError(f"{code} is not a party")
    SupportCode.objects.filter(unit=unit, category=Category.OURS).exclude(code=code).update(
        category=Category.OTHER_PARTY
    )
    # An ancestor's code is copied down so the choice stays this unit's own, not the ancestor's.
    own, _ = SupportCode.objects.update_or_create(
        unit=unit,
        code=code,
        defaults={"label": chosen.label, "colour": chosen.colour, "order": chosen.order, "category": Category.OURS},
    )
    for other in codes.values():
        if other.code != code and other.category == Category.OURS and other.unit_id != unit.pk:
            SupportCode.objects.update_or_create(
                unit=unit,
                code=other.code,
                defaults={
                    "label": other.label,
                    "colour": other.colour,
                    "order": other.order,
                    "category": Category.OTHER_PARTY,
                },
            )
    return own


def support_codes_for(unit: OrganisationUnit) -> dict[str, SupportCode]:
    """The codes in force at `unit`: its ancestors' codes, each overridden by a nearer unit's code of that name."""
    chain = unit.ancestor_ids() or [unit.pk]  # root first, `unit` last
    depth = {uid: i for i, uid in enumerate(chain)}
    best: dict[str, SupportCode] = {}
    for sc in SupportCode.objects.filter(unit_id__in=chain):
        current = best.get(sc.code)
        if current is None or depth[sc.unit_id] > depth[current.unit_id]:
            best[sc.code] = sc
    return dict(sorted(best.items(), key=lambda kv: (kv[1].order, kv[0])))


def our_codes(unit: OrganisationUnit) -> set[str]:
    """The codes in force at `unit` that mean "supports us"."""
    return {c for c, sc in support_codes_for(unit).items() if sc.category == Category.OURS}
