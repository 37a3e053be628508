"""The treasurer's pages: reachable from home, scoped to their units, audited, refunds with plain errors."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.payments import testing
from groundswell.payments.models import Payout, PayoutItem
from groundswell.payments.services import start_checkout
from groundswell.tests.factories import UnitTreeFactory, user_with_role

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return client


def paid(unit, key: str, amount: int = 1000, name: str = "Pat Payer"):
    checkout = start_checkout(
        amount_pence=amount,
        purpose="donation",
        purpose_ref=f"gift:{key}",
        description="Gift",
        success_url="/",
        cancel_url="/",
        name=name,
        idempotency_key=key,
        unit=unit,
    )
    return testing.complete_checkout(checkout)


@pytest.fixture
def world():
    tree = UnitTreeFactory.build_tree()
    mine = paid(tree.clp_a, "mine", 1500, "Ann Local")
    branch = paid(tree.branch_a1, "branch", 700, "Bea Branch")
    theirs = paid(tree.clp_b, "theirs", 900, "Cy Elsewhere")
    return tree, mine, branch, theirs


def test_treasurer_reaches_payments_from_home_and_sees_only_their_units(world):
    tree, mine, branch, theirs = world
    client = login(user_with_role(Role.TREASURER, tree.clp_a))
    home = client.get("/").content.decode()
    assert reverse("payments:home") in home
    summary = client.get(reverse("payments:home"))
    assert summary.status_code == 200 and "£22.00" in summary.content.decode()
    listing = client.get(reverse("payments:list")).content.decode()
    assert "Ann Local" in listing and "Bea Branch" in listing and "Cy Elsewhere" not in listing
    assert AuditEntry.objects.filter(detail__event="payments.payments.view").exists()
    assert client.get(reverse("payments:detail", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("payments:detail", args=[mine.pk])).status_code == 200


def test_csv_export_is_audited_and_scoped(world):
    tree, *_ = world
    client = login(user_with_role(Role.TREASURER, tree.clp_a))
    response = client.get(reverse("payments:list") + "?format=csv&status=paid")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Ann Local" in body and "Cy Elsewhere" not in body and "15.00" in body
    entry = AuditEntry.objects.get(detail__event="payments.payments.export")
    assert entry.action == "exported" and entry.detail["status"] == "paid"


def test_members_and_volunteers_have_no_payments_pages(world):
    tree, mine, *_ = world
    client = login(user_with_role(Role.MEMBER, tree.clp_a))
    assert client.get(reverse("payments:home")).status_code == 403
    assert client.get(reverse("payments:detail", args=[mine.pk])).status_code == 403


def test_refund_form_refuses_too_much_in_plain_words_then_refunds(world):
    tree, mine, *_ = world
    client = login(user_with_role(Role.TREASURER, tree.clp_a))
    url = reverse("payments:refund", args=[mine.pk])
    too_much = client.post(url, {"amount": "20.00", "reason": "asked"})
    assert too_much.status_code == 400
    assert "Refund of £20.00 is more than the £15.00 left to refund." in too_much.content.decode()
    fraction = client.post(url, {"amount": "1.005", "reason": "asked"})
    assert "fraction of a penny" in fraction.content.decode()
    no_reason = client.post(url, {"amount": "5", "reason": ""})
    assert "Say why" in no_reason.content.decode()
    ok = client.post(url, {"amount": "5", "reason": "donor asked"})
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.refunded_pence == 500


def test_refund_by_a_treasurer_of_another_unit_is_refused(world):
    tree, mine, *_ = world
    client = login(user_with_role(Role.TREASURER, tree.clp_b))
    assert client.post(reverse("payments:refund", args=[mine.pk]), {"amount": "1", "reason": "x"}).status_code == 403


def test_exceptions_page_lists_unknown_objects_for_the_national_treasurer_only(world):
    tree, *_ = world
    testing.deliver("fake_dd", "payment.paid", {"payment": "fkpay_q", "mandate": "fkmd_unknown", "amount_pence": 1})
    national = login(user_with_role(Role.TREASURER, tree.national))
    page = national.get(reverse("payments:exceptions")).content.decode()
    assert "unknown mandate fkmd_unknown" in page
    local = login(user_with_role(Role.TREASURER, tree.clp_a))
    assert "fkmd_unknown" not in local.get(reverse("payments:exceptions")).content.decode()


def test_reconciliation_page_import_and_csv(world):
    tree, mine, branch, theirs = world
    for payment in (mine, branch, theirs):
        payment.paid_at = timezone.now() - dt.timedelta(days=5)
        payment.save()
    national = login(user_with_role(Role.TREASURER, tree.national))
    imported = national.post(reverse("payments:import_payouts"), {"provider": "fake_card"})
    assert imported.status_code == 302
    payout = Payout.objects.get()
    PayoutItem.objects.create(payout=payout, payment_ref="fkpay_stranger", amount_pence=100)
    page = national.get(reverse("payments:reconciliation")).content.decode()
    assert "fkpay_stranger" in page and "not recorded here" in page
    csv = national.get(reverse("payments:reconciliation") + "?format=csv").content.decode()
    assert "not_ours" in csv and "1.00" in csv
    assert AuditEntry.objects.filter(detail__event="payments.reconciliation.export").exists()
    local = login(user_with_role(Role.TREASURER, tree.clp_a))
    assert "fkpay_stranger" not in local.get(reverse("payments:reconciliation")).content.decode()
    assert local.post(reverse("payments:import_payouts"), {"provider": "fake_card"}).status_code == 403
