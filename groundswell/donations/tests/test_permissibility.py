"""Permissibility with evidence: the register as it stood on the acceptance date (a monthly update applied), exact
matches proposed, near matches offered, the decision and evidence stored; companies; returns; the clock."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from groundswell.donations.matching import register_matches
from groundswell.donations.models import Donation, DonorDetails, PermissibilityCheck
from groundswell.donations.selectors import accounting_unit_for
from groundswell.donations.services import accept_donation, record_check, record_donation, return_donation
from groundswell.geography.models import Constituency
from groundswell.payments.models import Payment
from groundswell.register.importing import import_register
from groundswell.register.models import Elector, RegisterImport
from groundswell.register.tests.layouts import XPRESS_14, XPRESS_UPDATE, xpress14, xpress_update

from .world import build_world, give, individual

pytestmark = pytest.mark.django_db
D = dt.date
MARCH_1, MARCH_20 = D(2025, 3, 1), D(2025, 3, 20)
HOME = ("12 Abbey Road", "Reading")


def full_register() -> str:
    return "\n".join([
        XPRESS_14,
        xpress14("AB1", 1, 0, "Okafor", "Adaeze", "RG1 1AA", *HOME),
        xpress14("AB1", 2, 0, "Okafor", "Chidi", "RG1 1AA", *HOME),
        xpress14("AB1", 3, 0, "Nowak", "Zoe", "RG1 1AA", "Flat 3, 12 Abbey Road", "Reading"),
        xpress14("AB2", 1, 0, "Khan", "Aisha", "RG1 2BB", "1 Elm Road", "Reading"),
    ])  # fmt: skip


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


@pytest.fixture
def register():
    """The full register imported on 1 Feb 2025, then March's monthly update (adding Ngozi Okafor at 12 Abbey
    Road) applied on 10 Mar 2025."""
    seat = Constituency.objects.create(code="E14000889", name="Reading East")
    full = import_register(io.BytesIO(full_register().encode()), seat, filename="full.tsv")
    assert full.ok, full.errors
    Elector.objects.update(created_at=_at(D(2025, 2, 1)))
    RegisterImport.objects.update(imported_at=_at(D(2025, 2, 1)))
    text = "\n".join([XPRESS_UPDATE, xpress_update("AB1-5", "Ngozi", "Okafor", "RG1 1AA", HOME, created="Mar",
                                                   month="March 2025")])  # fmt: skip
    update = import_register(io.BytesIO(text.encode()), seat, filename="update.csv")
    assert update.ok and update.created == 1, update.errors
    Elector.objects.filter(forenames="Ngozi").update(created_at=_at(D(2025, 3, 10)))
    RegisterImport.objects.filter(pk=update.import_id).update(imported_at=_at(D(2025, 3, 10)))
    return seat


def test_a_donor_added_by_the_monthly_update_matches_only_from_the_day_it_was_applied(register):
    w = build_world()
    d = give(w, 1_000, MARCH_1, donor=individual("Ngozi Okafor"))
    before = register_matches(d.donor, MARCH_1)
    assert not any(m.exact for m in before)
    after = register_matches(d.donor, MARCH_20)
    best = after[0]
    assert best.exact and best.elector_number == "AB1-5"
    update = RegisterImport.objects.get(kind="update")
    assert best.register_import == update
    check = record_check(d, actor=w.treasurer, outcome="permissible", on=MARCH_20, elector=best.elector)
    assert check.register_import == update
    assert check.evidence["elector_number"] == "AB1-5" and check.evidence["register_month"] == "March 2025"
    accepted = accept_donation(d, actor=w.treasurer, on=MARCH_20)
    assert (accepted.status, accepted.decided_on, accepted.decided_by) == ("accepted", MARCH_20, w.treasurer)


def test_a_misspelt_name_is_offered_as_a_near_match_not_proposed(register):
    w = build_world()
    d = give(w, 1_000, MARCH_1, donor=individual("Adaze Okafor"))  # register: Adaeze Okafor
    matches = register_matches(d.donor, MARCH_20)
    assert matches and not matches[0].exact and matches[0].name == "Adaeze Okafor"
    assert 75 <= matches[0].percent < 100
    # Chidi, a housemate, is not offered for Adaeze.
    assert all("Chidi" not in m.name for m in matches)


def test_an_individual_cannot_be_accepted_without_register_evidence_unless_an_overseas_elector(register):
    w = build_world()
    d = give(w, 1_000, MARCH_1)
    with pytest.raises(ValidationError, match="register"):
        record_check(d, actor=w.treasurer, outcome="permissible", on=MARCH_20)
    with pytest.raises(ValidationError, match="check"):
        accept_donation(d, actor=w.treasurer, on=MARCH_20)
    overseas = give(w, 1_000, MARCH_1, donor=individual("Jo Abroad", overseas_elector=True, country="France"))
    with pytest.raises(ValidationError, match="registering authority"):
        record_check(overseas, actor=w.treasurer, outcome="permissible", on=MARCH_20)
    check = record_check(overseas, actor=w.treasurer, outcome="permissible", on=MARCH_20,
                         note="Overseas elector, registered with Reading Borough Council")  # fmt: skip
    assert check.evidence["overseas_elector"] is True


def test_a_company_needs_a_valid_number_and_business_in_the_uk():
    w = build_world()
    company = DonorDetails(donor_type="company", full_name="Acme Widgets Ltd", address_line1="1 Mill Lane",
                           postcode="RG1 2BB", company_number="SC12345")  # fmt: skip
    with pytest.raises(ValidationError, match="not a company number"):
        give(w, 5_000, MARCH_1, donor=company)
    ok = DonorDetails(**{**company.__dict__, "company_number": "sc 123456"})
    d = give(w, 5_000, MARCH_1, donor=ok)
    assert d.donor.company_number == "SC123456"
    with pytest.raises(ValidationError, match="carries on business in the UK"):
        record_check(d, actor=w.treasurer, outcome="permissible", on=MARCH_20)
    check = record_check(d, actor=w.treasurer, outcome="permissible", on=MARCH_20, note="Companies House, active",
                         carrying_on_business_in_uk=True)  # fmt: skip
    assert check.evidence["company_number"] == "SC123456"
    for good in ("01234567", "NI012345", "OC301234"):
        give(w, 600, MARCH_1, donor=DonorDetails(**{**company.__dict__, "company_number": good}))


def test_returns_to_the_donor_transferrer_or_commission_each_with_its_record_and_date():
    w = build_world()
    d = give(w, 2_000, MARCH_1, donor=individual("Not Registered"))
    with pytest.raises(ValidationError, match="impermissible"):
        return_donation(d, actor=w.treasurer, to="donor", method="cheque", on=MARCH_20)
    record_check(d, actor=w.treasurer, outcome="impermissible", on=MARCH_20, note="On no UK register")
    with pytest.raises(ValidationError, match="unidentifiable"):
        return_donation(d, actor=w.treasurer, to="commission", method="transfer", on=MARCH_20)
    back = return_donation(d, actor=w.treasurer, to="donor", method="cheque 000123 posted", on=D(2025, 3, 21))
    assert (back.status, back.returned_on, back.return_method) == ("returned", D(2025, 3, 21), "cheque 000123 posted")
    anon = give(w, 900, MARCH_1, donor=DonorDetails(donor_type="unidentifiable", full_name=""), channel="cash")
    with pytest.raises(ValidationError):
        record_check(anon, actor=w.treasurer, outcome="permissible", on=MARCH_20, note="?")
    record_check(anon, actor=w.treasurer, outcome="unidentifiable", on=MARCH_20, note="cash in an envelope")
    sent = return_donation(anon, actor=w.treasurer, to="commission", method="bank transfer to the EC", on=MARCH_20)
    assert sent.status == Donation.Status.FORFEITED
    assert PermissibilityCheck.objects.filter(donation=anon).get().checked_by == w.treasurer


def test_writes_check_the_actor_holds_the_accounting_unit():
    w = build_world()
    d = give(w, 1_000, MARCH_1, au=w.clp_a)
    with pytest.raises(PermissionDenied):
        record_check(d, actor=w.treasurer_b, outcome="impermissible", note="x")
    with pytest.raises(PermissionDenied):
        give(w, 1_000, MARCH_1, au=w.clp_a, actor=w.treasurer_b)
    with pytest.raises(PermissionDenied):
        give(w, 1_000, MARCH_1, au=w.central, actor=w.treasurer_a)
    assert give(w, 1_000, MARCH_1, au=w.clp_a, actor=w.treasurer_a).recorded_by == w.treasurer_a


def test_accounting_unit_for_walks_up_the_tree():
    w = build_world()
    assert accounting_unit_for(w.units.branch_a1) == w.clp_a
    assert accounting_unit_for(w.units.clp_a) == w.clp_a
    assert accounting_unit_for(w.units.branch_b1) == w.central  # CLP B is not registered


@pytest.mark.parametrize(
    ("amount", "message"),
    [(-100, "positive"), (0, "positive"), (True, "positive"), (12.5, "positive")],
)
def test_bad_amounts_are_refused(amount, message):
    w = build_world()
    with pytest.raises(ValidationError, match=message):
        record_donation(accounting_unit=w.central, amount_pence=amount, received_on=MARCH_1, channel="cash",
                        donor=individual())  # fmt: skip
    assert not Donation.objects.exists()


def test_no_donor_address_is_a_clear_error_only_when_permissibility_matters():
    w = build_world()
    with pytest.raises(ValidationError, match="donor address"):
        give(w, 501, MARCH_1, donor=individual(address_line1="", postcode=""))
    small = give(w, 20, MARCH_1, donor=individual(address_line1="", postcode=""))
    assert small.status == "below"
    with pytest.raises(ValidationError, match="say what was given"):
        give(w, 800, MARCH_1, channel="in_kind")
    kind = give(w, 800, MARCH_1, channel="in_kind", description="Use of a hall for a public meeting")
    assert kind.nature == "non_cash"


def test_a_repeated_reference_counts_once():
    w = build_world()
    first = give(w, 1_000, MARCH_1, reference="CHQ-1")
    again = give(w, 1_000, MARCH_1, reference="CHQ-1")
    assert first.pk == again.pk and Donation.objects.count() == 1


def test_a_payment_recorded_twice_is_one_donation():
    w = build_world()
    payment = Payment.objects.create(provider="manual", method="cheque", amount_pence=1_000_00, provider_ref="m-1",
                                     purpose="donation", purpose_ref="donations.test:1")  # fmt: skip
    first = give(w, 1_000, MARCH_1, payment=payment)
    again = give(w, 1_000, MARCH_1, payment=payment)
    assert first.pk == again.pk and first.payment == payment and Donation.objects.count() == 1
