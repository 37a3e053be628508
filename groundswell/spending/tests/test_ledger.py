"""The ledger: items, bad input (nothing half-written), authorisation, notional spending, evidence rules,
versions and the lock after submission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.spending import services
from groundswell.spending.models import Allocation, Evidence, ItemVersion, SpendingItem
from groundswell.spending.selectors import counted_total
from groundswell.spending.services import Split

from .world import JUNE, PNG, build_world, item, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def test_an_item_counts_whole_against_its_seat_with_a_version_and_an_audit_entry(w):
    it = item(w, invoice_number="INV-1")
    assert [(a.candidacy, a.period, a.amount_pence) for a in it.allocations.all()] == [(w.seat_a, "short", 150_00)]
    assert ItemVersion.objects.get(item=it).data["allocations"][0]["pence"] == 150_00
    assert AuditEntry.objects.filter(detail__event="spending.item.create", object_id=str(it.pk)).exists()


def _refused(w, field, **kwargs):
    before = (SpendingItem.objects.count(), Allocation.objects.count())
    with pytest.raises(ValidationError) as exc:
        item(w, **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert (SpendingItem.objects.count(), Allocation.objects.count()) == before
    return exc.value.message_dict[field][0]


@pytest.mark.parametrize("amount", [-500, 0, 12.5, "abc", "12.5"])
def test_bad_amounts_are_refused_by_name(w, amount):
    _refused(w, "amount_pence", amount_pence=amount)


def test_duplicate_supplier_invoice_number_is_refused(w):
    item(w, invoice_number="INV-7")
    assert "already entered" in _refused(w, "invoice_number", invoice_number="inv-7", supplier="PRINT CO")
    item(w, invoice_number="INV-7", supplier="Another Printer")  # another supplier's invoice 7 is fine


def test_dates_outside_every_period_are_refused(w):
    message = _refused(w, "incurred_on", incurred_on=dt.date(2024, 3, 1))
    assert "outside every period" in message and "2024-05-30" in message


def test_unknown_category_and_missing_description(w):
    _refused(w, "category", category="bribes")
    _refused(w, "description", description=" ")


def test_authorised_person_needs_a_name_and_the_uploaded_authority(w):
    _refused(w, "authorised_person", authorised_by="authorised")
    authority = services.upload_evidence(actor=w.agent, election=w.election, unit=w.units.clp_a,
                                         upload=pdf("authority.pdf"), kind="authority")  # fmt: skip
    it = item(w, authorised_by="authorised", authorised_person="Sam Organiser", authority=authority)
    assert it.authority == authority


def test_notional_spending_needs_all_five_tests_and_counts_its_value(w):
    tests = {"for_candidate": True, "free_or_discount": True, "over_50": True, "used": True}
    message = _refused(w, "notional_tests", notional=True, notional_tests=tests, market_value_pence=400_00,
                       amount_pence=400_00)  # fmt: skip
    assert "would have been election expenses" in message
    it = item(w, notional=True, notional_tests={**tests, "election_expense": True}, market_value_pence=500_00,
              amount_pence=350_00, description="Office lent free by a supporter")  # fmt: skip
    assert it.allocations.get().amount_pence == 350_00


def test_a_payment_over_200_pounds_needs_its_invoice(w):
    _refused(w, "evidence", amount_pence=200_01, paid_on=JUNE, status="paid")
    invoice = services.upload_evidence(actor=w.agent, election=w.election, unit=w.units.clp_a, upload=pdf())
    it = item(w, amount_pence=200_01, paid_on=JUNE, status="paid", evidence=[invoice])
    assert list(it.evidence.all()) == [invoice]
    item(w, amount_pence=200_00, paid_on=JUNE, status="paid")  # exactly £200: no invoice needed


def test_manual_splits_must_add_up_exactly(w):
    splits = [Split(w.seat_a, amount_pence=100_00), Split(w.seat_b, amount_pence=49_99)]
    message = _refused(w, "splits", unit=w.units.region, actor=w.treasurer, method="manual", method_note="agreed",
                       splits=splits)  # fmt: skip
    assert "149.99" in message and "150.00" in message
    _refused(w, "method_note", unit=w.units.region, actor=w.treasurer, method="manual",
             splits=[Split(w.seat_a, amount_pence=100_00), Split(w.seat_b, amount_pence=50_00)])  # fmt: skip


def test_households_split_is_exact_and_states_its_rounding(w):
    it = item(w, unit=w.units.region, actor=w.treasurer, amount_pence=1_000_00, method="households",
              splits=[Split(w.seat_a, basis=1), Split(w.seat_b, basis=2)])  # fmt: skip
    shares = sorted(it.allocations.values_list("amount_pence", flat=True))
    assert shares == [333_33, 666_67] and sum(shares) == 1_000_00
    assert "rounded down to the penny" in it.method_note


def test_party_item_in_the_regulated_period(w):
    it = item(w, unit=w.units.national, actor=w.treasurer, category="p_advertising", authorised_by="party",
              splits=[Split(None)], incurred_on=dt.date(2023, 9, 1))  # fmt: skip
    assert it.allocations.get().period == "regulated"
    _refused(w, "incurred_on", unit=w.units.national, actor=w.treasurer, category="p_advertising",
             authorised_by="party", splits=[Split(None)], incurred_on=dt.date(2023, 7, 5))  # fmt: skip
    _refused(w, "category", unit=w.units.national, actor=w.treasurer, category="advertising", authorised_by="party",
             splits=[Split(None)])  # fmt: skip


def test_an_agent_cannot_write_to_another_seat(w):
    with pytest.raises(PermissionDenied):
        item(w, actor=w.agent_b)
    with pytest.raises(PermissionDenied):
        item(w, actor=w.auditor)
    with pytest.raises(ValidationError):
        item(w, splits=[Split(w.seat_b)])  # seat B is not clp_a's


def test_changes_are_versioned_and_a_submitted_return_locks_its_items(w):
    it = item(w, invoice_number="INV-9")
    it = services.update_item(actor=w.agent, item=it, amount_pence=175_00, reason="invoice corrected")
    assert it.version == 2 and it.allocations.get().amount_pence == 175_00
    assert [v.data["amount_pence"] for v in it.versions.all()] == [150_00, 175_00]
    services.submit_return(actor=w.agent, candidacy=w.seat_a)
    with pytest.raises(ValidationError, match="correction"):
        services.update_item(actor=w.agent, item=it, amount_pence=180_00)
    with pytest.raises(ValidationError, match="correction"):
        services.withdraw_item(actor=w.agent, item=it, reason="oops")
    _refused(w, "splits", description="Late leaflets")
    correction = item(w, corrects=it, amount_pence=5_00, description="Correction: INV-9 was £180")
    assert correction.corrects == it
    assert SpendingItem.objects.filter(pk=it.pk).exists()


def test_withdrawn_items_are_kept_but_not_counted(w):
    it = item(w)
    services.withdraw_item(actor=w.agent, item=it, reason="entered twice")
    it.refresh_from_db()
    assert it.withdrawn and it.version == 2
    assert counted_total(w.seat_a, "short") == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [("invoice.pdf", b"MZ\x90\x00 not a pdf", "not a PDF, JPEG or PNG document"), ("empty.pdf", b"", "empty")],
)
def test_uploads_are_sniffed(w, name, data, message):
    with pytest.raises(ValidationError, match=message):
        services.upload_evidence(actor=w.agent, election=w.election, unit=w.units.clp_a, upload=pdf(name, data))
    assert not Evidence.objects.exists()


def test_uploads_are_size_limited(w, settings):
    settings.SPENDING_EVIDENCE_MAX_BYTES = 20
    with pytest.raises(ValidationError, match="largest allowed"):
        services.upload_evidence(actor=w.agent, election=w.election, unit=w.units.clp_a, upload=pdf())
    settings.SPENDING_EVIDENCE_MAX_BYTES = 1000
    png = services.upload_evidence(actor=w.agent, election=w.election, unit=w.units.clp_a,
                                   upload=pdf("receipt.pdf", PNG))  # fmt: skip
    assert (png.content_type, png.extension) == ("image/png", "png")  # the content decides, not the name
