"""The demo appeal: payments, gifts, the ledger and the progress bar agree; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from groundswell.donations.models import Donation
from groundswell.fundraising import selectors
from groundswell.fundraising.demo import SLUG, build_fundraising_demo
from groundswell.fundraising.models import Appeal, Gift, GiftPayment
from groundswell.payments.models import Payment
from groundswell.tests.factories import EmailFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_the_demo_appeal_agrees_with_payments_and_the_ledger():
    national = UnitFactory(code="NAT", kind="national")
    clp = UnitFactory(code="CLP-E14000889", name="Reading East", kind="constituency", parent=national)
    for n in range(30):
        EmailFactory(person=PersonFactory(unit=clp, synthetic=True, postcode="RG1 1AA"), address=f"d{n}@example.org")
    appeal = build_fundraising_demo()
    assert appeal.slug == SLUG and appeal.published
    paid_gifts = Gift.objects.filter(appeal=appeal, status=Gift.Status.PAID)
    assert paid_gifts.count() >= 20 and Gift.objects.filter(status=Gift.Status.FAILED).exists()
    assert paid_gifts.filter(interval="month").exists()
    lines = GiftPayment.objects.filter(gift__appeal=appeal)
    paid = Payment.objects.filter(purpose="donation", status="paid").aggregate(n=Sum("amount_pence"))["n"]
    ledger = Donation.objects.filter(pk__in=lines.values("donation_id")).aggregate(n=Sum("amount_pence"))["n"]
    assert selectors.progress(appeal).raised_pence == paid == ledger > 0
    build_fundraising_demo()
    assert Appeal.objects.count() == 1 and GiftPayment.objects.count() == lines.count()
