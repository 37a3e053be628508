"""Subject access (UK GDPR Art. 15) and erasure (Art. 17) for one person.

What erasure does, and why
--------------------------
Erasure must remove everything that identifies the person while leaving the organisation's counts
right (people per unit, members per status, consents per channel, contacts per kind), so rows that
feed those counts are kept and *scrubbed* rather than deleted:

* Person: names, normalised name, date of birth, address lines, locality, postcode, coordinates and
  custom fields are cleared; ``erased_at`` is set. Unit, constituency/ward codes (areas, not people),
  ``created_at`` and the ``synthetic`` flag stay so area counts still add up.
* Email addresses and phone numbers: deleted (they identify the person directly).
* Timeline: every row is kept with its kind, date and actor; summary becomes "[erased]" and data {}.
* Memberships: kept with status, dates and units; payment reference cleared and the membership number
  replaced with ``ERASED-<id>`` (the number is a key into payment systems, so it re-identifies).
* Consents: kept (channel, status, source, wording, date). None of those identify the person once the
  person is blank, and they are the evidence that past contact was lawful.
* Taggings: kept (tag counts); tags themselves are not personal.
* Suppressions: kept unchanged. A suppression is how we honour "do not contact me"; deleting it would
  let a later import re-add and contact the person, which is the opposite of what they asked.
* Linked login: deactivated; email replaced with ``erased-<id>@erased.invalid``, names cleared, password
  made unusable, API tokens, MFA authenticators and allauth email rows deleted. Role rows are deleted.
* Records merged into this one are the same human being and are erased too.
* The audit log is never rewritten (it is append-only and hash-chained). It names objects by type and
  id only, so it holds no personal data about the subject; an erasure entry records who erased and why.
  One exception is deliberate: entries the person wrote *as a user* keep the login email they were
  written under in ``actor_label``, because who did what with other people's data must stay
  accountable (UK GDPR Art. 17(3)(e), legal claims). Failed-login entries keep the address tried.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from groundswell.accounts import access
from groundswell.people.models import Person, Suppression

from .models import AuditEntry
from .services import record

PERSON_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "additional_name",
    "normalised_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
    "latitude",
    "longitude",
    "constituency_code",
    "ward_code",
    "custom_fields",
    "synthetic",
    "erased_at",
    "created_at",
    "updated_at",
)

# Other apps (canvassing, calls, events…) add what they hold about a person here, so one export covers
# everything: register_section("canvass_responses", lambda person: [...]) from their AppConfig.ready().
_EXTRA_SECTIONS: dict[str, Callable[[Person], Any]] = {}


def register_section(name: str, collector: Callable[[Person], Any]) -> None:
    """Add a section to every subject-access export. `collector` returns JSON-serialisable data."""
    _EXTRA_SECTIONS[name] = collector


class ReasonRequired(ValueError):
    pass


class AlreadyErased(ValueError):
    pass


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _audit_entry(entry: AuditEntry) -> dict:
    return {
        "sequence": entry.sequence,
        "at": entry.at,
        "actor": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "query": entry.query,
        "reason": entry.reason,
        "detail": entry.detail,
    }


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("A reason is required")
    return reason


def collect(person: Person) -> dict:
    """Everything held about `person`, as JSON-serialisable data. Not audited: use subject_access_export."""
    person = Person.objects.select_related("unit").get(pk=person.pk)
    user = getattr(person, "user", None) if hasattr(person, "user") else None
    addresses = [e.address for e in person.email_addresses.all()]
    numbers = [p.number for p in person.phone_numbers.all()]
    suppression_match = Q(person=person)
    if addresses:
        suppression_match |= Q(email__in=addresses)
    if numbers:
        suppression_match |= Q(phone__in=numbers)

    about_them = Q(object_type="people.person", object_id=str(person.pk))
    if user is not None:
        about_them |= Q(object_type="accounts.user", object_id=str(user.pk))
    data: dict[str, Any] = {
        "generated_at": timezone.now(),
        "person": {name: getattr(person, name) for name in PERSON_FIELDS},
        "unit": {"code": person.unit.code, "name": person.unit.name},
        "email_addresses": [
            {"address": e.address, "primary": e.primary, "status": e.status} for e in person.email_addresses.all()
        ],
        "phone_numbers": [
            {"number": p.number, "kind": p.kind, "primary": p.primary} for p in person.phone_numbers.all()
        ],
        "memberships": [
            {
                "number": m.number,
                "status": m.status,
                "joined_on": m.joined_on,
                "lapsed_on": m.lapsed_on,
                "branch": m.branch.code if m.branch_id else None,
                "constituency_party": m.constituency_party.code if m.constituency_party_id else None,
                "payment_reference": m.payment_reference,
            }
            for m in person.memberships.select_related("branch", "constituency_party")
        ],
        # Every consent row, oldest first: the full history, not just the current state.
        "consents": [
            {
                "channel": c.channel,
                "status": c.status,
                "source": c.source,
                "wording": c.wording,
                "recorded_at": c.recorded_at,
                "recorded_by": c.recorded_by.email if c.recorded_by_id else None,
            }
            for c in person.consents.select_related("recorded_by").order_by("recorded_at", "id")
        ],
        "suppressions": [
            {
                "kind": s.kind,
                "email": s.email,
                "phone": s.phone,
                "reason": s.reason,
                "source": s.source,
                "created_at": s.created_at,
            }
            for s in Suppression.objects.filter(suppression_match).order_by("created_at", "id")
        ],
        "taggings": [
            {"tag": t.tag.name, "created_at": t.created_at}
            for t in person.taggings.select_related("tag").order_by("created_at", "id")
        ],
        "timeline": [
            {
                "kind": t.kind,
                "occurred_at": t.occurred_at,
                "summary": t.summary,
                "data": t.data,
                "actor": t.actor.email if t.actor_id else None,
            }
            for t in person.timeline.select_related("actor").order_by("occurred_at", "id")
        ],
        "user_account": None,
        "merged_records": list(Person.objects.filter(merged_into=person).values_list("pk", flat=True)),
        "audit_entries": [_audit_entry(e) for e in AuditEntry.objects.filter(about_them).order_by("sequence")],
        "audit_entries_as_actor": [],
    }
    if user is not None:
        data["user_account"] = {
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": user.is_active,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "roles": [
                {"role": r.role, "unit": r.unit.code, "granted_at": r.granted_at}
                for r in user.roles.select_related("unit").order_by("granted_at", "id")
            ],
        }
        # What they did with the system (logins, records they opened) is also data about them.
        data["audit_entries_as_actor"] = [
            _audit_entry(e) for e in AuditEntry.objects.filter(actor_id=user.pk).order_by("sequence")
        ]
    for name, collector in _EXTRA_SECTIONS.items():
        data[name] = collector(person)
    return _json(data)


def subject_access_export(person: Person, actor: Any, reason: str, *, request=None, fmt: str = "html") -> dict:
    """Audit a subject-access export of `person` by `actor`, then return everything held about them.

    The entry is written first so the export itself lists this access, and so an export that fails
    half-way is still on record. `actor` None means the command line (no permission check).
    """
    reason = _require_reason(reason)
    if actor is not None:
        access.require(actor, access.Perm.SUBJECT_ACCESS, person)
    record(
        AuditEntry.Action.SUBJECT_ACCESS,
        actor=actor,
        request=request,
        obj=person,
        reason=reason,
        detail={"format": fmt},
    )
    return collect(person)


def display_sections(export: dict) -> list[dict]:
    """The export arranged for the HTML page: one section per key, each a field list or a table."""
    sections = []
    for key, value in export.items():
        title = key.replace("_", " ").capitalize()
        if isinstance(value, dict):
            sections.append({"title": title, "fields": list(value.items())})
        elif isinstance(value, list):
            headers: list[str] = []
            for row in value:
                if isinstance(row, dict):
                    headers += [h for h in row if h not in headers]
            if headers:
                rows = [[row.get(h, "") for h in headers] for row in value]
            else:
                headers, rows = ["value"], [[row] for row in value]
            sections.append({"title": title, "headers": headers, "rows": rows})
        elif value is None:
            sections.append({"title": title, "fields": [], "empty": True})
        else:
            sections.append({"title": title, "fields": [(key, value)]})
    return sections


def _erase_one(person: Person, now: datetime.datetime) -> dict[str, int]:
    counts = {
        "email_addresses": person.email_addresses.all().delete()[0],
        "phone_numbers": person.phone_numbers.all().delete()[0],
    }
    counts["timeline_entries"] = person.timeline.update(summary="[erased]", data={})
    counts["memberships"] = 0
    for membership in person.memberships.all():
        membership.number = f"ERASED-{membership.pk}"
        membership.payment_reference = ""
        membership.save(update_fields=["number", "payment_reference"])
        counts["memberships"] += 1
    for name in ("given_name", "family_name", "additional_name", "normalised_name"):
        setattr(person, name, "")
    for name in ("address_line1", "address_line2", "locality", "postcode"):
        setattr(person, name, "")
    person.date_of_birth = None
    person.latitude = person.longitude = None
    person.custom_fields = {}
    person.erased_at = now
    person.save()
    user = getattr(person, "user", None) if hasattr(person, "user") else None
    if user is not None:
        _erase_login(user)
        counts["user_accounts"] = 1
    return counts


def _erase_login(user: Any) -> None:
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    user.roles.all().delete()
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    access.clear_cache(user)


def erase_person(person: Person, actor: Any, reason: str, *, request=None) -> AuditEntry:
    """Erase `person` (and records merged into them) as described in the module docstring; return the entry."""
    reason = _require_reason(reason)
    if actor is not None:
        access.require(actor, access.Perm.ERASE_PEOPLE, person)
    if person.erased_at:
        raise AlreadyErased(f"Person #{person.pk} was erased on {person.erased_at:%Y-%m-%d}")
    now = timezone.now()
    with transaction.atomic():
        totals: dict[str, int] = {}
        pending, seen = [person], set()
        while pending:
            current = pending.pop()
            if current.pk in seen:
                continue
            seen.add(current.pk)
            for name, n in _erase_one(current, now).items():
                totals[name] = totals.get(name, 0) + n
            pending.extend(Person.objects.filter(merged_into=current).exclude(pk__in=seen))
        return record(
            AuditEntry.Action.ERASED,
            actor=actor,
            request=request,
            obj=person,
            reason=reason,
            detail={"records": sorted(seen), **totals},
        )
