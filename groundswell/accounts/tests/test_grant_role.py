from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from groundswell.accounts import access
from groundswell.accounts.models import RoleAssignment, User
from groundswell.accounts.services import InvalidRole, grant_role
from groundswell.audit.models import AuditEntry
from groundswell.tests.factories import Role, UnitTreeFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


def test_grant_role_audits_and_takes_effect(tree):
    admin = user_with_role(Role.ADMINISTRATOR, tree.clp_a)
    user = UserFactory()
    assert not access.has_perm(user, access.Perm.VIEW_PEOPLE, tree.branch_a1)
    grant_role(user, Role.COORDINATOR, tree.branch_a1, granted_by=admin)
    assert access.has_perm(user, access.Perm.VIEW_PEOPLE, tree.branch_a1)
    entry = AuditEntry.objects.get(action="role_granted")
    assert entry.actor == admin
    assert entry.object_id == str(user.pk)
    assert entry.detail == {"role": "coordinator", "unit": "BR-A1"}
    assert entry.unit_path == tree.branch_a1.path
    assert user.email not in entry.object_label


@pytest.mark.parametrize("target", ["clp_b", "region", "national"])
def test_granter_needs_manage_roles_at_the_unit(tree, target):
    admin = user_with_role(Role.ADMINISTRATOR, tree.clp_a)
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        grant_role(user, Role.ORGANISER, getattr(tree, target), granted_by=admin)
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not AuditEntry.objects.filter(action="role_granted").exists()


def test_organiser_cannot_grant_roles(tree):
    organiser = user_with_role(Role.ORGANISER, tree.national)
    with pytest.raises(PermissionDenied):
        grant_role(UserFactory(), Role.ORGANISER, tree.branch_a1, granted_by=organiser)


def test_unknown_role_is_refused(tree):
    with pytest.raises(InvalidRole):
        grant_role(UserFactory(), "overlord", tree.national)


def test_granting_twice_is_one_assignment_and_one_entry(tree):
    user = UserFactory()
    grant_role(user, Role.MEMBER, tree.branch_a1)
    grant_role(user, Role.MEMBER, tree.branch_a1)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action="role_granted").count() == 1


def test_command_creates_the_user_and_grants(tree, capsys):
    call_command("grant_role", "New.Person@Example.org", "organiser", "CLP-A", "--password", "a-long-enough-pass")
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password("a-long-enough-pass")
    assert RoleAssignment.objects.filter(user=user, role="organiser", unit=tree.clp_a).exists()
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert "Organiser at Reading East CLP" in capsys.readouterr().out


def test_command_grants_to_an_existing_user_without_touching_the_password(tree):
    user = UserFactory(email="existing@example.org")
    call_command("grant_role", "existing@example.org", "dpo", "NAT")
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")
    assert RoleAssignment.objects.filter(user=user, role="dpo", unit=tree.national).exists()


def test_command_rejects_unknown_unit_and_weak_password(tree):
    with pytest.raises(CommandError, match="No organisation unit"):
        call_command("grant_role", "a@example.org", "organiser", "NOPE", "--password", "a-long-enough-pass")
    with pytest.raises(CommandError):
        call_command("grant_role", "a@example.org", "organiser", "CLP-A", "--password", "short")
    assert not User.objects.filter(email="a@example.org").exists()


def test_api_token_command_requires_totp_for_privileged_users(tree, capsys):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a, email="org@example.org")
    with pytest.raises(CommandError, match="two-factor"):
        call_command("api_token", "org@example.org")
    TOTP.activate(organiser, generate_totp_secret())
    call_command("api_token", "org@example.org")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=organiser).key == key
    call_command("api_token", "org@example.org", "--rotate")
    assert capsys.readouterr().out.strip() != key
    assert Token.objects.filter(user=organiser).count() == 1
    assert AuditEntry.objects.filter(action="created", object_type="authtoken.token").count() == 2


def test_command_prompts_for_a_password_when_none_given(tree, monkeypatch):
    answers = iter(["prompted-password-1", "prompted-password-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("grant_role", "prompted@example.org", "member", "BR-A1")
    assert User.objects.get(email="prompted@example.org").check_password("prompted-password-1")


def test_command_refuses_mismatched_prompted_passwords(tree, monkeypatch):
    answers = iter(["prompted-password-1", "something-else-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="do not match"):
        call_command("grant_role", "prompted@example.org", "member", "BR-A1")
    assert not User.objects.filter(email="prompted@example.org").exists()
