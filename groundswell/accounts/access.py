"""The one place that decides who may do what to whose data.

Every view, export, API endpoint and command asks here. A role is held at an organisation unit and
covers that unit and the units below it, never siblings or parents: `within_units` is that rule, written
once; `scope` applies it to a queryset for a user and permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from groundswell.people.models import OrganisationUnit, Person

from .models import Role, RoleAssignment


class Perm(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_PEOPLE = "view_people"  # list, search and open person records
    EDIT_PEOPLE = "edit_people"
    EXPORT_PEOPLE = "export_people"
    IMPORT_PEOPLE = "import_people"
    MERGE_PEOPLE = "merge_people"
    VIEW_AUDIT = "view_audit"
    SUBJECT_ACCESS = "subject_access"
    ERASE_PEOPLE = "erase_people"
    MANAGE_ROLES = "manage_roles"
    VIEW_OWN_RECORD = "view_own_record"
    # Run canvass campaigns: targets, walks, walk sheets (which carry electors' names), canvass dashboards.
    MANAGE_CANVASS = "manage_canvass"
    # Polling day: run it (stations, rooms, promise rule, knock-up lists); take numbers at a station;
    # knock up promises from a round handed out by the committee room.
    MANAGE_POLLING_DAY = "manage_polling_day"
    TELL = "tell"
    KNOCK_UP = "knock_up"
    # Run call campaigns: target lists, scripts, sessions, the live dashboard and results export.
    # (Callers need no permission: they join a session by its link and see one contact at a time.)
    MANAGE_PHONEBANK = "manage_phonebank"
    # Seat projections, target lists, organiser allocation, the poll tracker and seats' canvass pictures.
    VIEW_TARGETING = "view_targeting"
    # Segments, email templates, email and SMS sends to the people of their units.
    MANAGE_MESSAGING = "manage_messaging"
    # Sends and their statistics (counts only, no recipient lists).
    VIEW_MESSAGING = "view_messaging"
    # Build surveys, invite people by personal link, read results (aggregates) and export them.
    # (Discussion hosts need no permission to enter their room's responses: they are named on the discussion.)
    MANAGE_SURVEYS = "manage_surveys"
    # Run events in the unit: create and publish, moderate volunteers' proposals, see any event's attendees,
    # invite people nearby. (Hosts see their own events' attendees without it; anyone with a role may propose.)
    MANAGE_EVENTS = "manage_events"
    # Complaints and discipline. Handle: triage, investigate and decide cases in the unit (never one the handler
    # is conflicted on). Review: the independent reviewer's view of a case's status and access history. Backlog:
    # the dashboard of counts and ages (no case content). Log: record a complaint received by letter, email or
    # phone on the complainant's behalf.
    HANDLE_COMPLAINTS = "handle_complaints"
    REVIEW_COMPLAINTS = "review_complaints"
    VIEW_COMPLAINTS_BACKLOG = "view_complaints_backlog"
    LOG_COMPLAINTS = "log_complaints"
    # Set up the unit's ballots (candidates, dates, the roll), send voting codes, enter paper ballots as a teller
    # pair. (The count and its certification belong to the returning officer named on each ballot.)
    MANAGE_BALLOTS = "manage_ballots"
    # Election spending: keep a ledger (items, evidence, splits) and deliver returns; take a seat over its limit
    # with a stated reason (the election agent only); read ledgers, returns and invoices; read the national-money
    # report (party spending reaching each seat).
    MANAGE_SPENDING = "manage_spending"
    OVERRIDE_SPENDING_LIMIT = "override_spending_limit"
    VIEW_SPENDING = "view_spending"
    VIEW_NATIONAL_MONEY = "view_national_money"
    # Selections: run the unit's selections (eligible list, challenges, bulk-join flag reviews, nominations,
    # longlist and shortlist, hustings, the ballot); read the per-unit statistics of bulk-join flags (the governing
    # body's oversight, no member's data).
    MANAGE_SELECTIONS = "manage_selections"
    VIEW_SELECTION_STATISTICS = "view_selection_statistics"
    # Membership dues: the overview of members by standing, recurring income and the arrears list (and its
    # export); manage: record cheques and cash, change a member's arrangement, set the unit's dues rules.
    VIEW_DUES = "view_dues"
    MANAGE_DUES = "manage_dues"
    # Money in: see payments, regular payments and webhook exceptions of the unit, and reconcile payouts; manage
    # them (record cheques and cash, refund, cancel a regular payment).
    VIEW_PAYMENTS = "view_payments"
    MANAGE_PAYMENTS = "manage_payments"


_ALL = set(Perm)
# Case content is for the independent process only: no administrator or organiser reaches it by holding
# everything (EHRC 2020: political interference in 23 complaint files).
COMPLAINT_CASE_PERMS = {Perm.HANDLE_COMPLAINTS, Perm.REVIEW_COMPLAINTS}
ROLE_PERMISSIONS: dict[str, set[Perm]] = {
    Role.ADMINISTRATOR: _ALL - COMPLAINT_CASE_PERMS,
    Role.ORGANISER: {
        Perm.VIEW_DASHBOARD,
        Perm.VIEW_PEOPLE,
        Perm.EDIT_PEOPLE,
        Perm.EXPORT_PEOPLE,
        Perm.IMPORT_PEOPLE,
        Perm.MERGE_PEOPLE,
        Perm.VIEW_AUDIT,
        Perm.VIEW_OWN_RECORD,
        Perm.MANAGE_CANVASS,
        Perm.MANAGE_POLLING_DAY,
        Perm.TELL,
        Perm.KNOCK_UP,
        Perm.MANAGE_PHONEBANK,
        Perm.VIEW_TARGETING,
        Perm.MANAGE_MESSAGING,
        Perm.VIEW_MESSAGING,
        Perm.MANAGE_SURVEYS,
        Perm.MANAGE_EVENTS,
        Perm.LOG_COMPLAINTS,
        Perm.MANAGE_BALLOTS,
        Perm.VIEW_DUES,
        Perm.VIEW_PAYMENTS,
        Perm.MANAGE_PAYMENTS,
    },
    Role.COORDINATOR: {
        Perm.VIEW_DASHBOARD,
        Perm.VIEW_PEOPLE,
        Perm.EDIT_PEOPLE,
        Perm.VIEW_OWN_RECORD,
        Perm.MANAGE_CANVASS,
        Perm.MANAGE_POLLING_DAY,
        Perm.TELL,
        Perm.KNOCK_UP,
        Perm.MANAGE_PHONEBANK,
        Perm.VIEW_TARGETING,
        Perm.VIEW_MESSAGING,
        Perm.MANAGE_SURVEYS,
        Perm.MANAGE_EVENTS,
    },
    Role.DATA_PROTECTION_OFFICER: {
        Perm.VIEW_DASHBOARD,
        Perm.VIEW_PEOPLE,
        Perm.EXPORT_PEOPLE,
        Perm.VIEW_AUDIT,
        Perm.SUBJECT_ACCESS,
        Perm.ERASE_PEOPLE,
        Perm.VIEW_OWN_RECORD,
        Perm.VIEW_MESSAGING,
    },
    # Volunteers work one contact at a time through their own tools (call, canvass, tell); no list access.
    Role.VOLUNTEER: {Perm.VIEW_OWN_RECORD, Perm.KNOCK_UP},
    Role.CALLER: {Perm.VIEW_OWN_RECORD},
    Role.CANVASSER: {Perm.VIEW_OWN_RECORD, Perm.KNOCK_UP},
    Role.TELLER: {Perm.VIEW_OWN_RECORD, Perm.TELL},
    Role.MEMBER: {Perm.VIEW_OWN_RECORD},
    Role.COMPLAINTS_HANDLER: {Perm.VIEW_OWN_RECORD, Perm.HANDLE_COMPLAINTS, Perm.VIEW_COMPLAINTS_BACKLOG},
    Role.INDEPENDENT_REVIEWER: {Perm.VIEW_OWN_RECORD, Perm.REVIEW_COMPLAINTS, Perm.VIEW_COMPLAINTS_BACKLOG},
    # A political office holds nothing here beyond their own record; complaints refuse it outright
    # (`POLITICAL_ROLES`), even if the same login also holds another role.
    Role.LEADERS_OFFICE: {Perm.VIEW_OWN_RECORD},
    Role.ELECTION_AGENT: {
        Perm.VIEW_OWN_RECORD,
        Perm.MANAGE_SPENDING,
        Perm.OVERRIDE_SPENDING_LIMIT,
        Perm.VIEW_SPENDING,
    },
    Role.SUB_AGENT: {Perm.VIEW_OWN_RECORD, Perm.MANAGE_SPENDING, Perm.VIEW_SPENDING},
    Role.GOVERNING_BODY: {
        Perm.VIEW_OWN_RECORD,
        Perm.VIEW_SPENDING,
        Perm.VIEW_NATIONAL_MONEY,
        Perm.VIEW_SELECTION_STATISTICS,
    },
    # The selection's ballot is set up from its eligible list, so the secretary also manages the unit's ballots.
    Role.PROCEDURES_SECRETARY: {
        Perm.VIEW_OWN_RECORD,
        Perm.MANAGE_SELECTIONS,
        Perm.VIEW_SELECTION_STATISTICS,
        Perm.MANAGE_BALLOTS,
    },
    Role.TREASURER: {
        Perm.VIEW_OWN_RECORD,
        Perm.MANAGE_SPENDING,
        Perm.VIEW_SPENDING,
        Perm.VIEW_NATIONAL_MONEY,
        Perm.VIEW_DUES,
        Perm.MANAGE_DUES,
        Perm.VIEW_PAYMENTS,
        Perm.MANAGE_PAYMENTS,
    },
    Role.AUDITOR: {Perm.VIEW_OWN_RECORD, Perm.VIEW_SPENDING, Perm.VIEW_NATIONAL_MONEY, Perm.VIEW_DUES},
}

# Roles whose holders may never see or influence a complaint (Forde 2022; EHRC 2020).
POLITICAL_ROLES = {Role.LEADERS_OFFICE}

# Roles that can see other people's data must use two-factor authentication.
PRIVILEGED_ROLES = {
    Role.ADMINISTRATOR,
    Role.ORGANISER,
    Role.COORDINATOR,
    Role.DATA_PROTECTION_OFFICER,
    Role.COMPLAINTS_HANDLER,
    Role.INDEPENDENT_REVIEWER,
    # Spending ledgers hold invoices naming suppliers, staff and volunteers.
    Role.ELECTION_AGENT,
    Role.SUB_AGENT,
    Role.TREASURER,
    Role.AUDITOR,
    Role.GOVERNING_BODY,
    # Eligible lists, bulk-join flags (addresses, who paid) and applicants' checks.
    Role.PROCEDURES_SECRETARY,
}


def roles_granting(perm: Perm) -> list[str]:
    """The roles whose holders have `perm` (at the units they hold them)."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def _assignments(user: Any) -> list[RoleAssignment]:
    # A deactivated account keeps its rows (for the record) but holds no power: sessions and API tokens
    # that outlive the deactivation must stop working at once. Django's is_superuser flag grants nothing
    # here on purpose: every power comes from a role at a unit.
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cache = getattr(user, "_gs_role_cache", None)
    if cache is None:
        cache = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
        user._gs_role_cache = cache
    return cache


def clear_cache(user: Any) -> None:
    """Forget the roles cached on this user object (call after granting or revoking)."""
    if hasattr(user, "_gs_role_cache"):
        del user._gs_role_cache


def roles_of(user: Any) -> set[str]:
    return {a.role for a in _assignments(user)}


def is_privileged(user: Any) -> bool:
    """Holds any role that sees other people's data (and so must use two-factor authentication)."""
    return any(a.role in PRIVILEGED_ROLES for a in _assignments(user))


def unit_paths_with(user: Any, perm: Perm) -> list[str]:
    """Materialised paths of the units where `user` holds `perm` (each covers its subtree)."""
    granting = set(roles_granting(perm))
    # An empty path (a unit whose save never completed) would prefix-match every unit, so it is ignored.
    paths = sorted({a.unit.path for a in _assignments(user) if a.role in granting and a.unit.path})
    # Drop paths already covered by an ancestor path.
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def has_perm(user: Any, perm: Perm, unit: OrganisationUnit | None = None) -> bool:
    """Does `user` hold `perm` anywhere (unit None) or at/above `unit`?"""
    paths = unit_paths_with(user, perm)
    if unit is None:
        return bool(paths)
    return bool(unit.path) and any(unit.path.startswith(p) for p in paths)


def within_units(units: Iterable[OrganisationUnit | str], path_field: str = "unit__path") -> Q:
    """THE geographic scope rule: a Q matching the rows that lie within any of `units`.

    A unit covers itself and every unit below it, never its siblings or its parents. Units carry a
    materialised path ("/1/7/42/"), so "within" means the row's unit path starts with the unit's path.
    `units` are OrganisationUnits or their paths; `path_field` is the lookup of the row's unit path
    ("unit__path" by default, "path" for units themselves, "committee_room__polling_day__unit__path",
    or a stored copy such as the audit log's "unit_path"). No units (or only empty paths, which would
    prefix-match everything) gives a Q that matches nothing. Every scoped read goes through here.
    """
    q = Q(pk__in=[])
    for unit in units:
        path = unit if isinstance(unit, str) else unit.path
        if path:
            q |= Q(**{f"{path_field}__startswith": path})
    return q


def scope(queryset: QuerySet, user: Any, perm: Perm, path_field: str = "unit__path") -> QuerySet:
    """`queryset` narrowed to the rows within the units where `user` holds `perm` (see `within_units`)."""
    return queryset.filter(within_units(unit_paths_with(user, perm), path_field))


def units_for(user: Any, perm: Perm) -> QuerySet[OrganisationUnit]:
    """The units where `user` holds `perm`: those they are assigned to and everything below."""
    return scope(OrganisationUnit.objects.all(), user, perm, "path")


def people_for(user: Any, perm: Perm = Perm.VIEW_PEOPLE, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The people `user` may act on with `perm`: those in units they cover. Merged-away records are hidden.

    VIEW_OWN_RECORD is the exception: it is held *at* a unit but covers only the holder's own record, never
    the rest of the unit (otherwise every member would see their whole branch).
    """
    qs = Person.objects.all() if queryset is None else queryset
    if perm == Perm.VIEW_OWN_RECORD:
        person_id = getattr(user, "person_id", None)
        if not person_id or not unit_paths_with(user, perm):
            return qs.none()
        return qs.filter(pk=person_id, merged_into__isnull=True)
    return scope(qs, user, perm).filter(merged_into__isnull=True)


def can_access_person(user: Any, perm: Perm, person: Person) -> bool:
    """May `user` do `perm` to this one person (their unit is covered, or it is their own record)?"""
    if perm == Perm.VIEW_OWN_RECORD:
        # Linked record only, and only while the account holds some role (every role grants it), so a
        # deactivated or role-less login sees nothing.
        person_id = getattr(user, "person_id", None)
        return bool(person_id) and person_id == person.pk and bool(unit_paths_with(user, perm))
    return has_perm(user, perm, person.unit)


def require(user: Any, perm: Perm, target: OrganisationUnit | Person | None = None) -> None:
    """Raise PermissionDenied unless allowed. Use at the top of every view/command touching personal data."""
    if isinstance(target, Person):
        allowed = can_access_person(user, perm, target)
    else:
        allowed = has_perm(user, perm, target)
    if not allowed:
        raise PermissionDenied(f"You do not have '{perm}' here.")  # str(): callers may pass a plain string


# Entries without a unit (logins, role grants, searches across units) can concern anyone, so only
# the roles answerable for the whole log see them: administrators and DPOs at the root of the tree.
WHOLE_LOG_ROLES = {Role.ADMINISTRATOR, Role.DATA_PROTECTION_OFFICER}


def sees_whole_audit_log(user: Any) -> bool:
    """May `user` read every audit entry, including those not tied to a unit?"""
    return any(
        a.role in WHOLE_LOG_ROLES and a.unit.parent_id is None and Perm.VIEW_AUDIT in ROLE_PERMISSIONS[a.role]
        for a in _assignments(user)
    )


def sees_audit_chain_status(user: Any) -> bool:
    """May `user` see whether the audit hash chain verifies? Administrators and DPOs at any level: the
    answer (intact, or the first bad sequence number) says nothing about anyone's data."""
    return any(a.role in WHOLE_LOG_ROLES for a in _assignments(user))
