"""The member's page and the treasurer's overview: reached by clicking from home, scoped, audited, plain errors."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.audit.models import AuditEntry
from groundswell.dues import services
from groundswell.dues.forms import parse_pounds
from groundswell.dues.models import Arrangement, DuesPayment
from groundswell.dues.standing import add_months

from . import world
from .world import login_of, member, pay

pytestmark = pytest.mark.django_db


def login(user, privileged: bool = False) -> Client:
    client = Client()
    if privileged and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return client


@pytest.fixture
def w():
    return world.build()


def test_a_member_reaches_my_membership_from_home_and_sets_up_dues(w):
    m = member(w.tree.clp_a, joined=timezone.localdate())
    client = login(login_of(m))
    home = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("dues:me") in home
    page = client.get(reverse("dues:me"))
    assert "Set up your dues" in page.content.decode()
    r = client.post(
        reverse("dues:set_up", args=[m.pk]),
        {"membership_type": "reduced", "interval": "month", "method": "direct_debit", "amount": ""},
    )
    assert r.status_code == 302
    a = Arrangement.objects.get(membership=m)
    assert a.amount_pence == 250 and a.method == "direct_debit"
    assert "Change my type or amount" in client.get(reverse("dues:me")).content.decode()


def test_bad_input_on_the_set_up_form_is_named_and_nothing_is_written(w):
    m = member(w.tree.clp_a)
    client = login(login_of(m))
    r = client.post(
        reverse("dues:set_up", args=[m.pk]),
        {"membership_type": "standard", "interval": "month", "method": "card", "amount": "2.005"},
    )
    assert r.status_code == 400 and "fraction of a penny" in r.content.decode()
    r = client.post(
        reverse("dues:set_up", args=[m.pk]),
        {"membership_type": "standard", "interval": "month", "method": "card", "amount": "1"},
    )
    assert r.status_code == 400 and "is less than the Standard rate" in r.content.decode()
    assert not Arrangement.objects.exists()


def test_a_member_cannot_set_up_change_or_cancel_someone_elses_dues(w):
    m, other = member(w.tree.clp_a), member(w.tree.clp_a)
    client = login(login_of(other))
    for name in ("dues:set_up", "dues:change", "dues:cancel"):
        r = client.post(reverse(name, args=[m.pk]), {"membership_type": "standard", "interval": "month"})
        assert r.status_code == 403


def test_a_member_changes_and_cancels(w):
    m = member(w.tree.clp_a, joined=timezone.localdate())
    services.set_up_dues(m, membership_type=w.standard, interval="month", method="card", actor=login_of(m))
    client = login(login_of(m))
    r = client.post(reverse("dues:change", args=[m.pk]), {"membership_type": "standard", "amount": "10"})
    assert r.status_code == 302
    assert Arrangement.objects.filter(membership=m, status="pending").get().amount_pence == 1000
    r = client.post(reverse("dues:cancel", args=[m.pk]), {"reason": "moving"})
    assert r.status_code == 302
    assert not Arrangement.objects.filter(membership=m, status__in=["pending", "active"]).exists()


def test_the_treasurer_sees_the_overview_from_home_and_the_export_is_audited(w):
    today = timezone.localdate()
    good, behind = member(w.tree.branch_a1), member(w.tree.clp_a)
    elsewhere = member(w.tree.clp_b)
    for m in (good, behind, elsewhere):
        m.joined_on = add_months(today, -5)
        m.save()
    for k in range(6):
        pay(good, add_months(today, -5 + k), 600)
    pay(behind, add_months(today, -5), 600)
    pay(elsewhere, add_months(today, -5), 600)
    client = login(w.treasurer, privileged=True)
    assert reverse("dues:overview") in client.get(reverse("core:dashboard")).content.decode()
    page = client.get(reverse("dues:overview")).content.decode()
    assert behind.number in page and good.number not in page and elsewhere.number not in page
    assert "<svg" in page
    csv = client.get(reverse("dues:arrears_csv") + f"?unit={w.tree.clp_a.code}")
    body = csv.content.decode()
    assert behind.number in body and elsewhere.number not in body
    assert AuditEntry.objects.filter(action="exported", detail__event="dues.arrears.export").exists()
    assert AuditEntry.objects.filter(action="searched", detail__event="dues.overview.view").exists()


def test_the_treasurer_records_a_cheque_and_a_treasurer_of_another_party_cannot(w):
    m = member(w.tree.clp_a)
    client = login(w.treasurer, privileged=True)
    url = reverse("dues:record_payment", args=[m.pk])
    r = client.post(url, {"amount": "55", "method": "cheque", "paid_on": dt.date.today().isoformat()})
    assert r.status_code == 302 and DuesPayment.objects.get().amount_pence == 5500
    r = client.post(url, {"amount": "", "method": "cheque", "paid_on": dt.date.today().isoformat()})
    assert r.status_code == 400 and "Enter the amount received" in r.content.decode()
    other = login(w.sibling_treasurer, privileged=True)
    assert other.get(reverse("dues:membership", args=[m.pk])).status_code == 403
    assert other.post(url, {"amount": "5", "method": "cash", "paid_on": "2025-01-01"}).status_code == 403
    organiser = login(w.organiser, privileged=True)
    assert organiser.get(reverse("dues:membership", args=[m.pk])).status_code == 200
    assert organiser.post(url, {"amount": "5", "method": "cash", "paid_on": "2025-01-01"}).status_code == 403
    assert DuesPayment.objects.count() == 1


def test_a_member_without_dues_rights_is_refused_the_overview(w):
    m = member(w.tree.clp_a)
    assert login(login_of(m)).get(reverse("dues:overview")).status_code == 403


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_the_amount_parser_returns_whole_pence_or_a_named_error(text):
    from django.core.exceptions import ValidationError  # noqa: PLC0415 keeps the hypothesis test self-contained

    try:
        pence = parse_pounds(text)
    except ValidationError as exc:
        assert "amount" in exc.message_dict
    else:
        assert pence is None or (isinstance(pence, int) and 0 < pence <= 100_000_00)


def test_amounts_in_pounds_are_read_exactly():
    assert parse_pounds("£5.50") == 550
    assert parse_pounds("1,000") == 100000
    assert parse_pounds(" ") is None


def test_rates_are_added_as_rows_by_a_treasurer_at_the_top_and_unit_rules_by_the_units_treasurer(w):
    from groundswell.accounts.models import Role  # noqa: PLC0415 only this test needs a national treasurer
    from groundswell.dues.models import DuesRules, Rate  # noqa: PLC0415
    from groundswell.tests.factories import user_with_role  # noqa: PLC0415

    national = user_with_role(Role.TREASURER, w.tree.national)
    local = login(w.treasurer, privileged=True)
    assert reverse("dues:rules") in local.get(reverse("dues:overview")).content.decode()
    rate = {"membership_type": "standard", "interval": "month", "amount": "6", "effective_from": "2027-01-01",
            "source": "Conference 2026"}  # fmt: skip
    assert local.post(reverse("dues:add_rate"), rate).status_code == 403
    top = login(national, privileged=True)
    assert top.post(reverse("dues:add_rate"), rate).status_code == 302
    assert Rate.objects.get(effective_from=dt.date(2027, 1, 1), interval="month").amount_pence == 600
    again = top.post(reverse("dues:add_rate"), rate)
    assert again.status_code == 400 and "already has a monthly rate" in again.content.decode()
    rules = {"unit": w.tree.clp_a.code, "grace_months": "2", "lapse_after_months": "12", "lapse_warning_months": "9",
             "renewal_notice_days": "30", "source": "CLP standing orders 4"}  # fmt: skip
    assert local.post(reverse("dues:set_rules"), rules).status_code == 302
    assert DuesRules.objects.get(unit=w.tree.clp_a).lapse_after_months == 12
    bad = local.post(reverse("dues:set_rules"), {**rules, "grace_months": "12"})
    assert bad.status_code == 400 and "fewer than the months before lapsing" in bad.content.decode()
    other = login(w.sibling_treasurer, privileged=True)
    assert other.post(reverse("dues:set_rules"), rules).status_code == 403
    assert local.post(reverse("dues:set_rules"), {**rules, "unit": ""}).status_code == 403  # the party default
    assert AuditEntry.objects.filter(detail__event="dues.rules.set").count() == 1
