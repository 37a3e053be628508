"""What the return's last parts need: corrections that take money off (never below what the item counted) and
that spread across the seats an item was split over; disputed claims (counted, listed apart, versioned); the
candidate's personal expenses (on the return, outside the limit); and warnings that reach an agent whose login
has no person record."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.spending import services
from groundswell.spending.models import LimitWarning, PersonalExpense, SpendingItem
from groundswell.spending.returns import build_return, return_csv, return_pdf
from groundswell.spending.selectors import counted_total
from groundswell.spending.services import Split

from .test_pages import login
from .world import JUNE, build_world, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def correct(w, original, amount, **kwargs):
    base = {"actor": w.agent, "original": original, "candidacy": w.seat_a, "reason": "credit note CN-1",
            "amount_pence": amount, "description": "Correction"}  # fmt: skip
    return services.record_correction(**{**base, **kwargs})


def test_a_reduction_takes_money_off_the_seat_and_the_return_after_submission(w):
    original = item(w, invoice_number="INV-1", amount_pence=150_00)
    services.submit_return(actor=w.agent, candidacy=w.seat_a)
    reduction = correct(w, original, 40_00, reduce=True)
    assert reduction.reduces and reduction.amount_pence == 40_00
    assert [a.amount_pence for a in reduction.allocations.all()] == [-40_00]
    assert counted_total(w.seat_a, "short") == 110_00
    ret = build_return(w.seat_a)
    assert ret.period_total("short") == 110_00
    assert "−£40.00" not in return_csv(ret) and "-40.00" in return_csv(ret)
    assert not [line for line in ret.lines if line.pence < 0 and line.unpaid]  # a reduction is not an unpaid claim
    assert return_pdf(ret).startswith(b"%PDF")
    assert AuditEntry.objects.filter(detail__event="spending.item.correct", detail__pence=-40_00).exists()


def test_a_reduction_never_takes_more_than_the_item_and_its_corrections_count(w):
    original = item(w, invoice_number="INV-2", amount_pence=100_00)
    correct(w, original, 30_00, reduce=True)
    with pytest.raises(ValidationError) as exc:
        correct(w, original, 70_01, reduce=True)
    assert "£70.00" in exc.value.message_dict["amount_pence"][0]
    correct(w, original, 70_00, reduce=True)  # down to nothing is allowed
    assert counted_total(w.seat_a, "short") == 0


def test_a_reduction_is_not_refused_at_the_limit(w):
    limit = services.candidacy_limit(w.seat_a, "short").limit_pence
    big = item(w, invoice_number="BIG", amount_pence=limit - 100)
    assert correct(w, big, 50_00, reduce=True).reduces


def test_a_correction_of_a_correction_is_refused(w):
    first = correct(w, item(w, invoice_number="INV-3"), 10_00)
    with pytest.raises(ValidationError) as exc:
        correct(w, first, 5_00)
    assert "correct the original" in exc.value.message_dict["item"][0]


def test_a_correction_spreads_across_every_seat_the_item_counted_in_exactly(w):
    shared = item(w, invoice_number="SH-1", amount_pence=300_00, method="manual", method_note="two seats",
                  splits=[Split(w.seat_a, amount_pence=200_00), Split(w.seat_b, amount_pence=100_00)],
                  actor=w.admin, unit=w.units.national)  # fmt: skip
    extra = correct(w, shared, 100_01, spread=True, actor=w.admin)
    shares = sorted(a.amount_pence for a in extra.allocations.all())
    assert sum(shares) == 100_01 and shares in ([33_34, 66_67], [33_33, 66_68])
    assert counted_total(w.seat_a, "short") + counted_total(w.seat_b, "short") == 400_01
    off = correct(w, shared, 30_00, spread=True, reduce=True, actor=w.admin)
    assert sorted(a.amount_pence for a in off.allocations.all()) == [-20_00, -10_00]


def test_disputed_claims_count_are_listed_apart_and_need_a_note(w):
    it = item(w, invoice_number="D-1", amount_pence=80_00)
    with pytest.raises(ValidationError) as exc:
        services.set_disputed(actor=w.agent, item=it, disputed=True, note=" ")
    assert "dispute_note" in exc.value.message_dict
    disputed = services.set_disputed(actor=w.agent, item=it, disputed=True, note="leaflets never delivered")
    assert disputed.disputed and disputed.version == 2
    assert disputed.versions.get(version=2).reason == "claim disputed: leaflets never delivered"
    assert counted_total(w.seat_a, "short") == 80_00  # still counted
    ret = build_return(w.seat_a)
    assert [line.dispute_note for line in ret.lines if line.disputed] == ["leaflets never delivered"]
    rows = list(csv.DictReader(io.StringIO(return_csv(ret))))
    assert rows[0]["disputed"] == "leaflets never delivered"
    settled = services.set_disputed(actor=w.agent, item=disputed, disputed=False, note="paid in part")
    assert not settled.disputed and settled.dispute_note == ""


def test_personal_expenses_are_on_the_return_but_not_against_the_limit(w):
    services.record_personal_expense(actor=w.agent, candidacy=w.seat_a, description="Rail fares", amount_pence=45_50,
                                     incurred_on=JUNE)  # fmt: skip
    ret = build_return(w.seat_a)
    assert not ret.nil and ret.personal_total == 45_50 and ret.period_total("short") == 0
    assert counted_total(w.seat_a, "short") == 0
    assert "Rail fares" in return_csv(ret) and return_pdf(ret).startswith(b"%PDF")
    assert services.submit_return(actor=w.agent, candidacy=w.seat_a).nil is False
    with pytest.raises(ValidationError):
        services.record_personal_expense(actor=w.agent, candidacy=w.seat_a, description="Taxi", amount_pence=1,
                                         incurred_on=JUNE)  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"description": ""}, "description"), ({"amount_pence": -5}, "amount_pence"),
     ({"amount_pence": "1.5"}, "amount_pence"), ({"incurred_on": None}, "incurred_on")],
)  # fmt: skip
def test_bad_personal_expenses_are_refused_by_name(w, fields, field):
    base = {"description": "Hotel", "amount_pence": 90_00, "incurred_on": JUNE}
    with pytest.raises(ValidationError) as exc:
        services.record_personal_expense(actor=w.agent, candidacy=w.seat_a, **{**base, **fields})
    assert field in exc.value.message_dict and not PersonalExpense.objects.exists()


def test_a_sub_agent_of_another_seat_cannot_record_personal_expenses(w):
    with pytest.raises(PermissionDenied):
        services.record_personal_expense(actor=w.agent_b, candidacy=w.seat_a, description="Hotel",
                                         amount_pence=90_00, incurred_on=JUNE)  # fmt: skip


def test_pages_to_dispute_reduce_and_add_personal_expenses(w):
    it = item(w, invoice_number="P-1", amount_pence=120_00)
    client = login(w.agent)
    seat = reverse("spending:seat", args=[w.seat_a.pk])
    dispute = reverse("spending:dispute_item", args=[w.seat_a.pk, it.pk])
    assert dispute in client.get(seat).content.decode()
    refused = client.post(dispute, {"disputed": "yes", "dispute_note": ""})
    assert refused.status_code == 400 and "say what is disputed" in refused.content.decode()
    assert client.post(dispute, {"disputed": "yes", "dispute_note": "wrong quantity"}).status_code == 302
    assert "disputed: wrong quantity" in client.get(seat).content.decode()
    response = client.post(reverse("spending:correct_item", args=[w.seat_a.pk, it.pk]), {
        "reason": "credit note", "description": "Credit note", "amount": "20.00", "direction": "reduce",
        "supplier": "Print Co", "status": "invoiced", "incurred_on": JUNE.isoformat(),
    })  # fmt: skip
    assert response.status_code == 302
    assert SpendingItem.objects.get(corrects=it).reduces and counted_total(w.seat_a, "short") == 100_00
    personal = reverse("spending:add_personal_expense", args=[w.seat_a.pk])
    bad = client.post(personal, {"p_description": "Hotel", "p_amount": "12.345", "p_incurred_on": JUNE.isoformat()})
    assert bad.status_code == 400 and "whole pence" in bad.content.decode()
    ok = client.post(personal, {"p_description": "Hotel", "p_amount": "60.00", "p_incurred_on": JUNE.isoformat()})
    assert ok.status_code == 302 and PersonalExpense.objects.get().amount_pence == 60_00
    assert "Hotel" in client.get(seat).content.decode()
    assert login(w.auditor).post(personal, {"p_description": "x", "p_amount": "1", "p_incurred_on": "2024-06-12"})\
        .status_code == 403  # fmt: skip


def test_an_agent_without_a_person_record_is_emailed_at_their_login(w, django_capture_on_commit_callbacks):
    w.agent.person = None
    w.agent.save()
    limit = services.candidacy_limit(w.seat_a, "short").limit_pence
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=limit * 80 // 100, invoice_number="a")
    warning = LimitWarning.objects.get()
    assert warning.email_send is None and warning.emailed_to == "agent@example.org"
    assert [m.to for m in mail.outbox] == [["agent@example.org"]]
    page = login(w.agent).get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert "emailed to the agent&#x27;s login address" in page or "emailed to the agent's login address" in page
