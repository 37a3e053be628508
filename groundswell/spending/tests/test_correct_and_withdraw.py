"""Pages to put an item right: a correction is a new entry (nothing is changed or deleted after submission) and a
planned or committed item can be withdrawn; errors beside the field; reached from the ledger; audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.spending import services
from groundswell.spending.models import SpendingItem
from groundswell.spending.selectors import counted_total

from .test_pages import login
from .world import build_world, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def correct_url(w, it):
    return reverse("spending:correct_item", args=[w.seat_a.pk, it.pk])


def withdraw_url(w, it):
    return reverse("spending:withdraw_item", args=[w.seat_a.pk, it.pk])


def test_the_ledger_links_to_correct_and_withdraw(w):
    invoiced = item(w, invoice_number="INV-1")
    planned = item(w, invoice_number="", status="planned", description="Hall booking")
    page = login(w.agent).get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert correct_url(w, invoiced) in page and correct_url(w, planned) in page
    assert withdraw_url(w, planned) in page and withdraw_url(w, invoiced) not in page
    # Read-only roles see no such links.
    assert (
        correct_url(w, invoiced)
        not in login(w.auditor).get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    )


def test_a_correction_after_submission_is_a_new_entry_and_audited(w):
    original = item(w, invoice_number="INV-9", amount_pence=150_00)
    services.submit_return(actor=w.agent, candidacy=w.seat_a)
    client = login(w.agent)
    assert client.get(correct_url(w, original)).status_code == 200
    response = client.post(correct_url(w, original), {
        "reason": "invoice was £180, not £150", "description": "Correction: leaflets INV-9", "amount": "30.00",
        "supplier": "Print Co", "invoice_number": "INV-9", "status": "invoiced", "incurred_on": "2024-06-12",
    })  # fmt: skip
    assert response.status_code == 302
    original.refresh_from_db()
    assert original.amount_pence == 150_00 and original.version == 1  # untouched
    correction = SpendingItem.objects.get(corrects=original)
    assert correction.amount_pence == 30_00 and correction.invoice_number == "INV-9"
    assert correction.versions.get().reason == "invoice was £180, not £150"
    assert counted_total(w.seat_a, "short") == 180_00
    entry = AuditEntry.objects.get(detail__event="spending.item.correct")
    assert entry.actor == w.agent
    page = client.get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert "corrects “Leaflets”" in page


def test_correction_errors_are_beside_the_field_and_nothing_is_written(w):
    original = item(w, invoice_number="INV-9")
    client = login(w.agent)
    response = client.post(correct_url(w, original), {"reason": "", "description": "Fix", "amount": "-5",
                                                      "incurred_on": "2024-06-12"})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="e-reason"' in page and 'id="e-amount"' in page and "negative amounts" in page
    response = client.post(correct_url(w, original), {"reason": "typo", "description": "Fix", "amount": "1.234",
                                                      "incurred_on": "2024-06-12"})  # fmt: skip
    assert response.status_code == 400 and "whole pence" in response.content.decode()
    assert SpendingItem.objects.count() == 1
    assert not AuditEntry.objects.filter(detail__event="spending.item.correct").exists()


def test_withdrawing_a_planned_item_from_its_page(w):
    planned = item(w, status="planned", description="Hall booking")
    client = login(w.agent)
    response = client.post(withdraw_url(w, planned), {"reason": ""})
    assert response.status_code == 400 and 'id="e-reason"' in response.content.decode()
    assert client.post(withdraw_url(w, planned), {"reason": "meeting cancelled"}).status_code == 302
    planned.refresh_from_db()
    assert planned.withdrawn and planned.version == 2 and counted_total(w.seat_a, "short") == 0
    assert AuditEntry.objects.filter(detail__event="spending.item.withdraw", reason="meeting cancelled").exists()


def test_an_invoiced_item_is_corrected_not_withdrawn(w):
    invoiced = item(w, invoice_number="INV-1")
    client = login(w.agent)
    response = client.post(withdraw_url(w, invoiced), {"reason": "changed my mind"})
    assert response.status_code == 400 and "enter a correction" in response.content.decode()
    invoiced.refresh_from_db()
    assert not invoiced.withdrawn


def test_read_only_roles_and_other_seats_cannot_put_items_right(w):
    planned = item(w, status="planned")
    assert login(w.auditor).post(withdraw_url(w, planned), {"reason": "x"}).status_code == 403
    assert login(w.agent_b).get(correct_url(w, planned)).status_code == 403
