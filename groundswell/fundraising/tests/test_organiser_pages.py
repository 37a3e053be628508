"""Organisers and treasurers: appeals in their own units only, the editor, totals and chart, the donor list and
the CSV export (both audited), reached from home."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.fundraising.models import Appeal
from groundswell.tests.factories import user_with_role

from .world import give_and_pay, login

pytestmark = pytest.mark.django_db


def test_the_organiser_reaches_fundraising_from_home_and_sees_the_gift(w):
    give_and_pay(w.appeal)
    client = login(w.organiser)
    assert reverse("fundraising:home") in client.get(reverse("core:dashboard")).content.decode()
    home = client.get(reverse("fundraising:home")).content.decode()
    assert "Fighting fund" in home and "£25 (0%)" in home and "<svg" in home
    detail = client.get(reverse("fundraising:appeal_detail", args=[w.appeal.pk])).content.decode()
    assert "Ada Lovelace" in detail and "£25" in detail
    assert AuditEntry.objects.filter(action="viewed", object_type="fundraising.appeal").exists()


def test_the_treasurer_reaches_fundraising_from_home(w):
    client = login(w.treasurer)
    assert reverse("fundraising:home") in client.get(reverse("core:dashboard")).content.decode()
    assert client.get(reverse("fundraising:home")).status_code == 200


def test_a_sibling_units_appeal_is_neither_listed_nor_opened(w):
    give_and_pay(w.appeal)
    client = login(w.treasurer)  # treasurer at Reading West; the appeal is Reading East's
    assert "Fighting fund" not in client.get(reverse("fundraising:home")).content.decode()
    assert client.get(reverse("fundraising:appeal_detail", args=[w.appeal.pk])).status_code == 403
    assert client.get(reverse("fundraising:appeal_export", args=[w.appeal.pk])).status_code == 403
    assert client.get(reverse("fundraising:appeal_edit", args=[w.appeal.pk])).status_code == 403


def test_people_without_the_permission_are_refused(w):
    volunteer = user_with_role(Role.VOLUNTEER, w.tree.clp_a)
    assert login(volunteer).get(reverse("fundraising:home")).status_code == 403


def test_the_export_is_audited_and_carries_every_gift(w):
    give_and_pay(w.appeal)
    client = login(w.organiser)
    response = client.get(reverse("fundraising:appeal_export", args=[w.appeal.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["gift", "created", "status", "frequency", "amount"]
    assert rows[1][2:5] == ["paid", "one-off", "25.00"] and "Ada Lovelace" in rows[1]
    entry = AuditEntry.objects.get(action="exported")
    assert entry.detail["rows"] == 1 and entry.actor == w.organiser


def test_the_organiser_creates_an_appeal_with_errors_then_fixed(w):
    client = login(w.organiser)
    url = reverse("fundraising:appeal_new")
    data = {"unit": w.tree.branch_a1.pk, "title": "Bus fund", "story": "A bus.", "target": "ten",
            "suggested": "5, 10", "allow_one_off": "on"}  # fmt: skip
    bad = client.post(url, data)
    assert "is not an amount in pounds" in bad.content.decode()
    taken = client.post(url, {**data, "target": "1000", "slug": "fighting-fund"})
    assert "is taken" in taken.content.decode()
    ok = client.post(url, {**data, "target": "1,000", "published": "on"})
    appeal = Appeal.objects.get(slug="bus-fund")
    assert ok.status_code == 302 and appeal.target_pence == 100000 and appeal.suggested_pence == [500, 1000]
    assert not appeal.allow_monthly and appeal.created_by == w.organiser


def test_an_organiser_cannot_put_an_appeal_in_a_unit_they_do_not_cover(w):
    client = login(w.organiser)
    data = {"unit": w.tree.clp_b.pk, "title": "Not mine", "story": "x", "target": "10", "allow_one_off": "on"}
    response = client.post(reverse("fundraising:appeal_new"), data)
    assert response.status_code == 200 and not Appeal.objects.filter(title="Not mine").exists()
