"""Linking electors to people: automatically by name at the same address, or by hand.

An elector is matched to a Person when both have the same normalised name (people.normalise.normalise_name,
also trying only the first forename, since registers carry full forenames) at the same address: same postcode
and the same normalised first address line (or first two lines joined, for 'Flat 3' / '12 Abbey Road').
Only unambiguous pairs are linked: one person for one elector. A link made by hand is never overwritten,
and a person already linked to a live elector is not linked again automatically.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from groundswell.audit.services import record
from groundswell.db.bulk import chunked, update_rows
from groundswell.geography.models import Constituency
from groundswell.people.models import Person
from groundswell.people.normalise import normalise_name

from .addresses import normalise_line
from .importing import resolve_constituency
from .models import Elector
from .selectors import live_electors


def _address_keys(postcode: str, lines: list[str]) -> set[tuple[str, str]]:
    postcode = postcode.replace(" ", "").upper()
    keys = set()
    if lines and lines[0].strip():
        keys.add((postcode, normalise_line(lines[0])))
        if len(lines) > 1 and lines[1].strip():
            keys.add((postcode, normalise_line(f"{lines[0]} {lines[1]}")))
    return keys


def _elector_names(forenames: str, surname: str) -> set[str]:
    names = {normalise_name(forenames, surname)}
    first = forenames.split(" ")[0] if forenames else ""
    if first:
        names.add(normalise_name(first, surname))
    names.discard("")
    return names


def match_electors_to_people(constituency: Constituency | str, actor: Any = None) -> dict[str, int]:
    """Link unlinked live electors to people (see module docstring). Returns {"linked", "ambiguous", "checked"}."""
    constituency = resolve_constituency(constituency)
    electors = list(
        live_electors(constituency)
        .filter(person__isnull=True, household__isnull=False)
        .exclude(person_link=Elector.Link.HAND)
        .values_list("id", "forenames", "surname", "household__postcode", "household__address_lines")
    )
    postcodes = sorted({row[3] for row in electors if row[3]})
    already_linked = set(live_electors(constituency).filter(person__isnull=False).values_list("person_id", flat=True))
    people_at: dict[tuple[tuple[str, str], str], set[int]] = defaultdict(set)
    for chunk in chunked(postcodes):
        rows = Person.objects.filter(postcode__in=chunk, merged_into__isnull=True, erased_at__isnull=True).values_list(
            "id", "given_name", "family_name", "normalised_name", "postcode", "address_line1", "address_line2"
        )
        for pk, given, family, normalised, postcode, line1, line2 in rows:
            if pk in already_linked:
                continue
            name = normalised or normalise_name(given, family)
            for key in _address_keys(postcode, [line1, line2]):
                people_at[(key, name)].add(pk)
    proposals: dict[int, set[int]] = {}
    claimed: dict[int, int] = defaultdict(int)
    for elector_id, forenames, surname, postcode, lines in electors:
        found: set[int] = set()
        for key in _address_keys(postcode, list(lines or [])):
            for name in _elector_names(forenames, surname):
                found |= people_at.get((key, name), set())
        if found:
            proposals[elector_id] = found
            for pk in found:
                claimed[pk] += 1
    now = timezone.now()
    links = [
        (elector_id, next(iter(found)), Elector.Link.AUTO, now)
        for elector_id, found in proposals.items()
        if len(found) == 1 and claimed[next(iter(found))] == 1
    ]
    with transaction.atomic():
        update_rows(Elector, ("person", "person_link", "updated_at"), links)
        record(
            "matched",
            actor=actor if getattr(actor, "pk", None) else None,
            object_type="register.elector",
            object_label=f"elector matching in {constituency.code}",
            detail={"constituency": constituency.code, "linked": len(links), "ambiguous": len(proposals) - len(links)},
        )
    return {"linked": len(links), "ambiguous": len(proposals) - len(links), "checked": len(electors)}


def link_elector(elector: Elector, person: Person | None, actor: Any = None) -> Elector:
    """Link (or with person=None, unlink) an elector by hand; automatic matching will leave it alone. Audited."""
    with transaction.atomic():
        previous = elector.person_id
        elector.person = person
        elector.person_link = Elector.Link.HAND
        elector.save(update_fields=["person", "person_link", "updated_at"])
        record(
            "linked" if person is not None else "unlinked",
            actor=actor if getattr(actor, "pk", None) else None,
            object_type="register.elector",
            object_id=elector.pk,
            object_label=f"elector #{elector.pk}",
            detail={"person_id": person.pk if person else None, "previous_person_id": previous},
        )
    return elector
