"""CSV export in the importer's columns, so an exported file re-imports cleanly. Every export is audited."""

from __future__ import annotations

import csv
import json
import re
from typing import IO, Any

from django.db.models import Prefetch, QuerySet

from groundswell.audit.services import record

from .columns import COLUMNS, field_for_header
from .models import Consent, Membership, Person

# Cells a spreadsheet would run as a formula. A leading apostrophe defuses them (the importer strips it again).
# '+' and '-' followed only by digits/spaces are numbers (E.164 phones), which are harmless.
_FORMULA_START = re.compile(r"^(?:[=@\t\r]|[+\-](?![\d ]*$))")


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell for `value` that a spreadsheet shows as text rather than runs as a formula ('' for None)."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if _FORMULA_START.match(text) else text


def _custom_header(key: str) -> str:
    # A custom field whose name looks like a standard column would be read back as that column.
    return f"custom {key}" if field_for_header(key) is not None else key


def export_people_csv(
    queryset: QuerySet[Person],
    file: IO[str],
    actor: Any,
    reason: str,
    query: str = "",
    bom: bool = False,
) -> int:
    """Write `queryset` (merged-away and erased records left out) as CSV to `file`; return the row count.

    The caller has already limited `queryset` to people the actor may export. `reason` is required: exports of
    personal data must be justified, and the reason goes into the audit log with `query` and the row count.
    One primary email, primary phone and membership per person (the importer's shape).
    """
    if not (reason or "").strip():
        raise ValueError("An export needs a reason")
    people = queryset.filter(merged_into__isnull=True, erased_at__isnull=True).order_by("pk")
    custom_keys: set[str] = set()
    for custom in people.values_list("custom_fields", flat=True).iterator(chunk_size=5000):
        if isinstance(custom, dict):
            custom_keys.update(custom)
    custom_order = sorted(custom_keys)
    if bom:
        file.write("\ufeff")
    writer = csv.writer(file, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *(_custom_header(k) for k in custom_order)])

    prefetched = people.select_related("unit").prefetch_related(
        "email_addresses",
        "phone_numbers",
        Prefetch("memberships", queryset=Membership.objects.select_related("branch")),
        "taggings__tag",
        Prefetch("consents", queryset=Consent.objects.order_by("-recorded_at", "-id")),
    )
    count = 0
    for person in prefetched.iterator(chunk_size=2000):
        memberships = list(person.memberships.all())
        # Prefer a current membership when someone has several numbers over the years.
        memberships.sort(key=lambda m: (m.status != Membership.Status.ACTIVE, m.number))
        membership = memberships[0] if memberships else None
        current: dict[str, str] = {}
        for consent in person.consents.all():  # newest first
            current.setdefault(consent.channel, consent.status)
        values = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "additional_name": person.additional_name,
            "email": person.primary_email,
            "phone": person.primary_phone,
            "address_line1": person.address_line1,
            "address_line2": person.address_line2,
            "locality": person.locality,
            "postcode": person.postcode,
            "date_of_birth": person.date_of_birth,
            "membership_number": membership.number if membership else "",
            "membership_status": membership.status if membership else "",
            "joined_on": membership.joined_on if membership else None,
            "lapsed_on": membership.lapsed_on if membership else None,
            "branch_code": membership.branch.code if membership and membership.branch else "",
            "unit_code": person.unit.code,
            "tags": "; ".join(sorted(t.tag.name for t in person.taggings.all())),
            # "unknown" is written as blank: the importer records nothing for a blank cell.
            **{
                f"consent_{ch}": ("" if current.get(ch) == "unknown" else current.get(ch, "")) for ch in Consent.Channel
            },
        }
        custom = person.custom_fields if isinstance(person.custom_fields, dict) else {}
        extra = []
        for key in custom_order:
            value = custom.get(key, "")
            extra.append(json.dumps(value) if isinstance(value, dict | list) else value)
        writer.writerow([spreadsheet_safe(values[c]) for c in COLUMNS] + [spreadsheet_safe(v) for v in extra])
        count += 1
    record(
        "exported",
        actor=actor,
        object_type="people.person",
        object_label="people export (CSV)",
        query=query,
        reason=reason.strip(),
        detail={"rows": count, "columns": len(COLUMNS) + len(custom_order)},
    )
    return count
