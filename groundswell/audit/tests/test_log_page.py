from __future__ import annotations

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.audit.testing import tamper
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    t = UnitTreeFactory.build_tree()
    # One entry per unit (object_id = unit code, so tests can tell them apart) and one with no unit.
    for name in ("national", "region", "clp_a", "clp_b", "branch_a1", "branch_a2", "branch_b1"):
        unit = getattr(t, name)
        record("viewed", object_type="people.person", object_id=unit.code, unit=unit)
    record("role_granted", object_type="accounts.user", object_id="NOUNIT")
    return t


def signed_in(client, role, unit):
    user = user_with_role(role, unit)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def shown_ids(response) -> set[str]:
    # Signing in and viewing the log write entries of their own; leave those out.
    return {e.object_id for e in response.context["page"] if e.action not in ("logged_in", "searched")}


def test_url_name():
    assert reverse("audit:log") == "/audit/"


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.DATA_PROTECTION_OFFICER])
def test_national_admin_and_dpo_see_everything_and_the_badge(client, tree, role):
    signed_in(client, role, tree.national)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert shown_ids(response) == {"NAT", "SE", "CLP-A", "CLP-B", "BR-A1", "BR-A2", "BR-B1", "NOUNIT"}
    assert response.context["verified"].ok
    assert b"Chain verified" in response.content


def test_organiser_sees_their_subtree_only_and_no_badge(client, tree):
    signed_in(client, Role.ORGANISER, tree.clp_a)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert shown_ids(response) == {"CLP-A", "BR-A1", "BR-A2"}
    assert response.context["verified"] is None
    assert b"Chain verified" not in response.content


def test_national_organiser_does_not_see_unitless_entries(client, tree):
    signed_in(client, Role.ORGANISER, tree.national)
    ids = shown_ids(client.get("/audit/"))
    assert "NOUNIT" not in ids and "BR-B1" in ids


def test_regional_dpo_is_limited_to_the_region(client, tree):
    signed_in(client, Role.DATA_PROTECTION_OFFICER, tree.region)
    response = client.get("/audit/")
    ids = shown_ids(response)
    assert "NOUNIT" not in ids and "NAT" not in ids and "SE" in ids
    assert response.context["verified"].ok  # the chain badge is for every DPO/administrator


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VOLUNTEER, Role.MEMBER, Role.CALLER])
def test_roles_without_view_audit_are_refused(client, tree, role):
    signed_in(client, role, tree.national)
    assert client.get("/audit/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_viewing_is_itself_audited(client, tree):
    user = signed_in(client, Role.ADMINISTRATOR, tree.national)
    client.get("/audit/?action=viewed")
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "searched" and entry.actor == user
    assert entry.object_type == "audit.auditentry"
    assert entry.query == "action=viewed"
    assert entry.detail == {"results": 7}  # the seven seeded "viewed" entries


def test_filters(client, tree):
    admin = signed_in(client, Role.ADMINISTRATOR, tree.national)
    record("exported", actor=admin, object_type="people.person", object_id="42", reason="x")
    assert shown_ids(client.get("/audit/?action=exported")) == {"42"}
    assert shown_ids(client.get(f"/audit/?actor={admin.email.upper()}")) == {"42"}
    assert shown_ids(client.get("/audit/?object_type=accounts.user")) == {"NOUNIT"}
    assert shown_ids(client.get("/audit/?object_id=CLP-B")) == {"CLP-B"}
    today = datetime.date.today()
    assert len(shown_ids(client.get(f"/audit/?date_from={today}&date_to={today}"))) >= 9
    assert shown_ids(client.get(f"/audit/?date_to={today - datetime.timedelta(days=2)}")) == set()
    assert shown_ids(client.get(f"/audit/?date_from={today + datetime.timedelta(days=1)}")) == set()
    # A malformed filter shows nothing rather than everything.
    assert shown_ids(client.get("/audit/?date_from=not-a-date")) == set()


def test_pagination(client, tree):
    signed_in(client, Role.ADMINISTRATOR, tree.national)
    for i in range(60):
        record("viewed", object_type="people.person", object_id=f"P{i}")
    first = client.get("/audit/?action=viewed")
    assert len(first.context["page"]) == 50
    assert first.context["page"].paginator.count == 67  # 7 seeded + 60
    assert b"page=2" in first.content and b"action=viewed" in first.content
    second = client.get("/audit/?action=viewed&page=2")
    assert len(second.context["page"]) == 17
    assert not shown_ids(first) & shown_ids(second)


def test_badge_shows_a_broken_chain(client, tree):
    signed_in(client, Role.ADMINISTRATOR, tree.national)
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET reason = 'edited' WHERE sequence = 2")
    response = client.get("/audit/")
    assert not response.context["verified"].ok
    assert b"Chain BROKEN at entry 2" in response.content
