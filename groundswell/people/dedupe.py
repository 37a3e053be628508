"""Finding and merging duplicate people.

Candidates come from GROUP BY queries (same email, same phone, same normalised name at the same postcode and
first address line), so the cost grows with the number of duplicates, not with the square of the people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower, Trim
from django.dispatch import Signal

from groundswell.audit.services import record
from groundswell.db.bulk import chunked

from .models import Consent, EmailAddress, Membership, Person, PhoneNumber, Suppression, Tagging, TimelineEntry
from .normalise import normalise_name
from .selectors import UNUSABLE_EMAIL_STATUSES
from .services import add_timeline_entry

# Sent inside the merge transaction as person_merged.send(sender=Person, keep=..., other=..., actor=...), so
# later apps that point at people (canvass contacts, call records, RSVPs) can move their rows to `keep`.
person_merged = Signal()

# Fields a merge fills from `other` when blank on `keep` (or takes as field_choices says).
MERGE_FIELDS = (
    "given_name",
    "family_name",
    "additional_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
)
# These describe the postcode, so they travel with it rather than being chosen one by one.
_POSTCODE_GEO = ("latitude", "longitude", "constituency_code", "ward_code")


class MergeError(ValueError):
    pass


@dataclass
class DuplicateCandidate:
    """Two people who may be the same. `reasons`: 'email', 'phone', 'name_address'. Ids ordered low→high."""

    person_a_id: int
    person_b_id: int
    reasons: list[str] = field(default_factory=list)


def _groups_to_pairs(groups: Mapping[Any, set[int]], reason: str, out: dict[tuple[int, int], list[str]]) -> None:
    for ids in groups.values():
        # Groups are small in practice; cap so one shared office number cannot produce millions of pairs.
        for a, b in combinations(sorted(ids)[:50], 2):
            reasons = out.setdefault((a, b), [])
            if reason not in reasons:
                reasons.append(reason)


def find_duplicate_candidates(queryset: QuerySet[Person]) -> list[DuplicateCandidate]:
    """Candidate pairs among `queryset` (pass only the people the user may see). Merged/erased are ignored."""
    people = queryset.filter(merged_into__isnull=True, erased_at__isnull=True)
    person_ids = people.values("pk")
    pairs: dict[tuple[int, int], list[str]] = {}

    for model, column, reason in ((EmailAddress, "address", "email"), (PhoneNumber, "number", "phone")):
        shared = (
            model.objects.filter(person__in=person_ids)
            .values(column)
            .annotate(n=Count("person", distinct=True))
            .filter(n__gt=1)
            .values(column)
        )
        groups: dict[str, set[int]] = defaultdict(set)
        for value, pid in model.objects.filter(person__in=person_ids, **{f"{column}__in": shared}).values_list(
            column, "person_id"
        ):
            groups[value].add(pid)
        _groups_to_pairs(groups, reason, pairs)

    keyed = people.exclude(normalised_name="").exclude(postcode="").annotate(_addr=Lower(Trim("address_line1")))
    shared_names = keyed.values("normalised_name", "postcode", "_addr").annotate(n=Count("id")).filter(n__gt=1)
    wanted = {(r["normalised_name"], r["postcode"], r["_addr"]) for r in shared_names}
    if wanted:
        name_groups: dict[tuple, set[int]] = defaultdict(set)
        names = sorted({w[0] for w in wanted})
        for chunk in chunked(names):  # chunks keep IN (...) under SQLite's bound-parameter limit
            rows = keyed.filter(normalised_name__in=chunk).values_list("normalised_name", "postcode", "_addr", "pk")
            for name, postcode, addr, pid in rows:
                if (name, postcode, addr) in wanted:
                    name_groups[(name, postcode, addr)].add(pid)
        _groups_to_pairs(name_groups, "name_address", pairs)

    return [DuplicateCandidate(a, b, reasons) for (a, b), reasons in sorted(pairs.items())]


def _ensure_one_primary(rows: QuerySet) -> None:
    primaries = list(rows.filter(primary=True).order_by("id").values_list("pk", flat=True))
    if len(primaries) > 1:
        rows.filter(pk__in=primaries[1:]).update(primary=False)
    elif not primaries:
        first = rows.order_by("id").values_list("pk", flat=True).first()
        if first:
            rows.filter(pk=first).update(primary=True)


def _is_blank(value: Any) -> bool:
    return value is None or value == ""


@transaction.atomic
def merge_people(
    keep: Person, other: Person, actor: Any = None, field_choices: Mapping[str, str] | None = None
) -> Person:
    """Fold `other` into `keep`. Everything `other` had moves across; `other` stays as a tombstone
    (`merged_into = keep`) so links to it can be followed. One transaction: all or nothing.

    field_choices: {field: "keep" | "other"} for fields in MERGE_FIELDS; unchosen fields keep `keep`'s value
    unless it is blank. Raises MergeError for impossible merges.
    """
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    other = Person.objects.select_for_update().get(pk=other.pk)
    if keep.pk == other.pk:
        raise MergeError("Cannot merge a record with itself")
    if keep.merged_into_id or other.merged_into_id:
        raise MergeError("One of these records has already been merged")
    if keep.erased_at or other.erased_at:
        raise MergeError("Erased records cannot be merged")
    choices = dict(field_choices or {})
    bad = {k for k, v in choices.items() if k not in MERGE_FIELDS or v not in ("keep", "other")}
    if bad:
        raise MergeError(f"Unknown field choices: {', '.join(sorted(bad))}")
    User = get_user_model()
    keep_user = User.objects.filter(person=keep).first()
    other_user = User.objects.filter(person=other).first()
    if keep_user and other_user:
        # A person has at most one login; silently unlinking one would lock someone out of their own record.
        raise MergeError("Both records have a login; unlink one of them before merging")

    taken: list[str] = []
    for name in MERGE_FIELDS:
        choice = choices.get(name) or ("other" if _is_blank(getattr(keep, name)) else "keep")
        if choice == "other" and not _is_blank(getattr(other, name)) and getattr(other, name) != getattr(keep, name):
            setattr(keep, name, getattr(other, name))
            taken.append(name)
            if name == "postcode":
                for geo in _POSTCODE_GEO:
                    setattr(keep, geo, getattr(other, geo))
    # Custom fields: union, keep's values winning on clashes.
    custom = {**(other.custom_fields or {}), **(keep.custom_fields or {})}
    if custom != keep.custom_fields:
        keep.custom_fields = custom
        taken.append("custom_fields")
    keep.normalised_name = normalise_name(keep.given_name, keep.family_name)
    keep.save()

    moved: dict[str, int] = {}
    keep_emails = {e.address: e for e in keep.email_addresses.all()}
    for email in other.email_addresses.all():
        kept = keep_emails.get(email.address)
        if kept is None:
            continue
        # Same address on both: keep one row, but never lose an unsubscribe or bounce recorded on the other.
        if email.status in UNUSABLE_EMAIL_STATUSES and kept.status not in UNUSABLE_EMAIL_STATUSES:
            EmailAddress.objects.filter(pk=kept.pk).update(status=email.status)
        email.delete()
    keep_has_primary = any(e.primary for e in keep_emails.values())
    moving = EmailAddress.objects.filter(person=other)
    # keep's primary stays primary; if keep had none, other's primary becomes it.
    moved["emails"] = moving.update(person=keep, primary=False) if keep_has_primary else moving.update(person=keep)
    _ensure_one_primary(keep.email_addresses.all())

    keep_numbers = set(keep.phone_numbers.values_list("number", flat=True))
    keep_has_primary = keep.phone_numbers.filter(primary=True).exists()
    PhoneNumber.objects.filter(person=other, number__in=keep_numbers).delete()
    moving = PhoneNumber.objects.filter(person=other)
    moved["phones"] = moving.update(person=keep, primary=False) if keep_has_primary else moving.update(person=keep)
    _ensure_one_primary(keep.phone_numbers.all())

    keep_tags = set(keep.taggings.values_list("tag_id", flat=True))
    Tagging.objects.filter(person=other, tag_id__in=keep_tags).delete()
    moved["taggings"] = Tagging.objects.filter(person=other).update(person=keep)
    moved["memberships"] = Membership.objects.filter(person=other).update(person=keep)
    # Consent history moves whole; the newest decision across both records becomes current.
    moved["consents"] = Consent.objects.filter(person=other).update(person=keep)
    moved["suppressions"] = Suppression.objects.filter(person=other).update(person=keep)
    moved["timeline"] = TimelineEntry.objects.filter(person=other).update(person=keep)
    if other_user:
        other_user.person = keep
        other_user.save(update_fields=["person"])
        moved["login"] = 1
    # Records merged into `other` earlier now point straight at `keep`.
    Person.objects.filter(merged_into=other).update(merged_into=keep)

    other.merged_into = keep
    other.save(update_fields=["merged_into", "updated_at"])
    person_merged.send(sender=Person, keep=keep, other=other, actor=actor)
    add_timeline_entry(
        keep,
        TimelineEntry.Kind.MERGE,
        f"Merged record #{other.pk} into this one",
        {"merged_person_id": other.pk, "fields_taken": taken, "moved": moved},
        actor=actor,
    )
    record(
        "merged",
        actor=actor,
        obj=keep,
        detail={"merged_person_id": other.pk, "fields_taken": taken, "moved": moved},
    )
    return keep
