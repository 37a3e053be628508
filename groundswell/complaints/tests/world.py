"""A small complaints world: a unit tree, members, two trained handlers, a reviewer, a leader's-office login."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from groundswell.accounts.models import Role
from groundswell.complaints import services
from groundswell.complaints.models import Case, Category
from groundswell.tests.factories import EmailFactory, MembershipFactory, PersonFactory, UnitTreeFactory, user_with_role

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SUMMARY = "At the branch meeting on 3 March the respondent made repeated remarks about my religion."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def login(user) -> Client:
    """A client signed in as by the login and two-factor pages (both tested in accounts)."""
    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


def member(unit, email: str | None = None):
    person = PersonFactory(unit=unit)
    MembershipFactory(person=person)
    if email:
        EmailFactory(person=person, address=email)
    return person


def build_world() -> SimpleNamespace:
    services.seed_defaults()
    units = UnitTreeFactory.build_tree()
    complainant = member(units.branch_a1, "complainant@example.org")
    respondent = member(units.branch_a2, "respondent@example.org")
    complainant_user = user_with_role(Role.MEMBER, units.branch_a1, person=complainant)
    respondent_user = user_with_role(Role.MEMBER, units.branch_a2, person=respondent)
    handlers = []
    for n in range(2):
        user = user_with_role(Role.COMPLAINTS_HANDLER, units.region, email=f"handler{n}@example.org")
        services.set_training(user, trained_on=datetime.date(2026, 1, 10))
        handlers.append(user)
    untrained = user_with_role(Role.COMPLAINTS_HANDLER, units.region, email="untrained@example.org")
    reviewer = user_with_role(Role.INDEPENDENT_REVIEWER, units.national, email="reviewer@example.org")
    leaders_office = user_with_role(Role.LEADERS_OFFICE, units.national, email="loto@example.org")
    organiser = user_with_role(Role.ORGANISER, units.clp_a, email="organiser@example.org")
    admin = user_with_role(Role.ADMINISTRATOR, units.national, email="admin@example.org")
    return SimpleNamespace(
        units=units,
        complainant=complainant,
        respondent=respondent,
        complainant_user=complainant_user,
        respondent_user=respondent_user,
        handler=handlers[0],
        handler2=handlers[1],
        untrained=untrained,
        reviewer=reviewer,
        leaders_office=leaders_office,
        organiser=organiser,
        admin=admin,
    )


def lodge(w: SimpleNamespace, **overrides) -> Case:
    kwargs = {
        "category": Category.RELIGION,
        "summary": SUMMARY,
        "respondent": w.respondent,
        "complainant": w.complainant,
        "actor": w.complainant_user,
    } | overrides
    return services.lodge_complaint(**kwargs)


def triaged(w: SimpleNamespace) -> Case:
    """A case assigned to the first handler and sent for investigation."""
    case = lodge(w)
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision="investigate", reason="Serious allegation; evidence supplied", actor=w.handler)
    case.refresh_from_db()
    return case
