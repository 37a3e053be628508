"""The party's national return: regulated period, categories, payments over £200, deadline by total."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.spending import services
from groundswell.spending.party_return import build_party_return
from groundswell.spending.services import Split

from .test_pages import login
from .world import build_world, item, pdf

pytestmark = pytest.mark.django_db


def test_party_return_totals_payments_over_200_and_deadline():
    w = build_world()
    party = {"actor": w.treasurer, "unit": w.units.national, "authorised_by": "party", "splits": [Split(None)],
             "incurred_on": dt.date(2024, 6, 1)}  # fmt: skip
    invoice = services.upload_evidence(actor=w.treasurer, election=w.election, unit=w.units.national, upload=pdf())
    item(w, **party, category="p_advertising", amount_pence=120_000_00, invoice_number="N1", evidence=[invoice])
    item(w, **party, category="p_rallies", amount_pence=150_00, invoice_number="N2")
    item(w, **party, category="p_media", amount_pence=500_00, invoice_number="N3")
    item(w, actor=w.treasurer, unit=w.units.region, amount_pence=900_00, invoice_number="C1",
         splits=[Split(w.seat_a)])  # candidate spending: on the candidate's return, not the party's  # fmt: skip
    ret = build_party_return(w.election, w.units.national)
    assert ret.total == 120_650_00
    assert ret.by_category["p_advertising"] == 120_000_00 and ret.by_category["p_rallies"] == 150_00
    assert [i.invoice_number for i in ret.over_200] == ["N1", "N3"]
    assert [i.invoice_number for i in ret.missing_evidence] == ["N3"]
    assert ret.due == dt.date(2024, 10, 4) and not ret.auditor_report
    assert ret.limits["england"] == (2, 1_458_440_00)  # two seats: the floor
    second = services.upload_evidence(actor=w.treasurer, election=w.election, unit=w.units.national, upload=pdf())
    item(w, **party, category="p_broadcasts", amount_pence=130_000_00, invoice_number="N4", evidence=[second])
    ret = build_party_return(w.election, w.units.national)
    assert ret.due == dt.date(2025, 1, 4) and ret.auditor_report
    client = login(w.treasurer)
    assert "Party national return" in client.get(reverse("spending:party_return")).content.decode()
    csv_text = client.get(reverse("spending:party_return") + "?format=csv").content.decode()
    assert "MISSING INVOICE" in csv_text and "2025-01-04 with an independent auditor's report" in csv_text
    assert AuditEntry.objects.filter(detail__report="party_return").exists()
    assert login(w.agent).get(reverse("spending:party_return")).status_code == 403
