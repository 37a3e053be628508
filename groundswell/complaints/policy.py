"""Who may see and act on a complaint. The independence rules, written once; views, services and selectors ask here.

- A political office (access.POLITICAL_ROLES, e.g. the leader's office) has no access at all: every attempt is
  refused and audited, whatever other role the same login holds (EHRC 2020 found 23 cases of interference).
- Handlers act on cases in the units where they hold HANDLE_COMPLAINTS, only while trained and active, never on a
  case they have declared a conflict with (the case itself, either party, or the respondent's unit).
- Special-category cases (health, ethnicity, religion, sex life) are read only by their assigned handler.
- The independent reviewer sees a case's status and its access history, not its content.
- Handlers' training is recorded by the independent reviewer at the top of the unit tree (REVIEW_COMPLAINTS at a
  unit with no parent): independent of the political side and of the handlers, and answerable for the whole pool.
  Administrators hold no complaints permission at all (separation of duties), so they cannot.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groundswell.accounts import access
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.people.models import OrganisationUnit

from .models import Case, Conflict, Handler

HANDLE = access.Perm.HANDLE_COMPLAINTS
REVIEW = access.Perm.REVIEW_COMPLAINTS


def is_political(user: Any) -> bool:
    return bool(access.roles_of(user) & {str(r) for r in access.POLITICAL_ROLES})


def handler_of(user: Any) -> Handler | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Handler.objects.filter(user=user).first()


def is_trained(handler: Handler | None, today: datetime.date | None = None) -> bool:
    """Trained: a training date on record and any refresher not overdue."""
    today = today or timezone.localdate()
    if handler is None or not handler.active or handler.trained_on is None or handler.trained_on > today:
        return False
    return handler.refresher_due_on is None or handler.refresher_due_on >= today


def conflicts_for(handler: Handler, case: Case) -> QuerySet[Conflict]:
    parties = [pk for pk in (case.respondent_id, case.complainant_id) if pk]
    unit_path = case.unit.path
    prefixes = [unit_path[: i + 1] for i, ch in enumerate(unit_path) if ch == "/" and i]
    return handler.conflicts.filter(Q(case=case) | Q(person_id__in=parties) | Q(unit__path__in=prefixes))


def is_conflicted(handler: Handler | None, case: Case) -> bool:
    return handler is not None and conflicts_for(handler, case).exists()


def can_allocate(user: Any, case: Case) -> bool:
    """May `user` give the case to a handler? A trained, unconflicted handler of its unit (content not needed)."""
    if is_political(user) or not access.has_perm(user, HANDLE, case.unit):
        return False
    handler = handler_of(user)
    return is_trained(handler) and not is_conflicted(handler, case)


def can_handle(user: Any, case: Case) -> bool:
    """May `user` read and act on this case as its handler? Special-category cases: only the assigned handler."""
    if not can_allocate(user, case):
        return False
    return not case.special_category or case.handler_id == handler_of(user).pk


def can_review(user: Any, case: Case) -> bool:
    return not is_political(user) and access.has_perm(user, REVIEW, case.unit)


def can_record_training(user: Any) -> bool:
    """The independent reviewer at a top unit records handlers' training dates (see the module docstring)."""
    if not getattr(user, "is_authenticated", False) or is_political(user):
        return False
    return any(access.has_perm(user, REVIEW, unit) for unit in OrganisationUnit.objects.filter(parent__isnull=True))


def refuse(request: Any, user: Any, case: Case | None, why: str) -> PermissionDenied:
    """Audit a refused attempt and return the exception to raise (so every refusal is on the record)."""
    record(
        AuditEntry.Action.DENIED,
        actor=user if getattr(user, "is_authenticated", False) else None,
        request=request,
        obj=case,
        object_type="" if case else "complaints.case",
        query=getattr(request, "path", "") if request is not None else "",
        detail={"why": why},
    )
    return PermissionDenied(why)


def require_handle(user: Any, case: Case, request: Any = None) -> None:
    if is_political(user):
        raise refuse(request, user, case, "A political office has no access to complaints.")
    if not can_handle(user, case):
        raise refuse(request, user, case, "You may not handle this case.")


def require_allocate(user: Any, case: Case, request: Any = None) -> None:
    if is_political(user):
        raise refuse(request, user, case, "A political office has no access to complaints.")
    if not can_allocate(user, case):
        raise refuse(request, user, case, "You may not allocate this case.")


def require_record_training(user: Any, request: Any = None) -> None:
    if is_political(user):
        raise refuse(request, user, None, "A political office has no access to complaints.")
    if not can_record_training(user):
        raise refuse(request, user, None, "Only the independent reviewer at the top unit records handlers' training.")


def require_view(user: Any, case: Case, request: Any = None) -> str:
    """'handler' or 'reviewer': how `user` may see the case; refused (and audited) otherwise."""
    if is_political(user):
        raise refuse(request, user, case, "A political office has no access to complaints.")
    if can_handle(user, case):
        return "handler"
    if can_review(user, case):
        return "reviewer"
    raise refuse(request, user, case, "You may not see this case.")


def require_any(user: Any, perm: access.Perm, request: Any = None) -> None:
    """For pages that are not about one case (lists, the dashboard): refuse political offices and the unpermitted."""
    if is_political(user):
        raise refuse(request, user, None, "A political office has no access to complaints.")
    if not access.has_perm(user, perm):
        raise refuse(request, user, None, f"You do not have '{perm}'.")


def handled_cases(user: Any, queryset: QuerySet[Case] | None = None, *, allocatable: bool = False) -> QuerySet[Case]:
    """The cases `user` may handle: in their units, not conflicted, special-category ones only if assigned (or, with
    `allocatable`, also unassigned ones, which they may give to a handler without reading)."""
    qs = Case.objects.all() if queryset is None else queryset
    handler = handler_of(user)
    if is_political(user) or not is_trained(handler):
        return qs.none()
    qs = access.scope(qs, user, HANDLE)
    mine = Conflict.objects.filter(handler=handler)
    qs = qs.exclude(Exists(mine.filter(case=OuterRef("pk"))))
    qs = qs.exclude(Exists(mine.filter(person=OuterRef("respondent_id"))))
    qs = qs.exclude(Exists(mine.filter(person=OuterRef("complainant_id"))))
    for path in mine.filter(unit__isnull=False).values_list("unit__path", flat=True):
        qs = qs.exclude(unit__path__startswith=path)
    if allocatable:
        return qs.filter(Q(special_category=False) | Q(handler=handler) | Q(handler__isnull=True))
    return qs.filter(Q(special_category=False) | Q(handler=handler))
