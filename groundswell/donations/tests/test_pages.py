"""The treasurer's pages: reachable from home, scoped to their accounting units, forms answering in plain words,
the permissibility panel, the clock, reports downloaded (audited) and the CSV import."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.donations.models import Donation
from groundswell.donations.reports import COLUMNS

from .world import build_world, give, individual

pytestmark = pytest.mark.django_db
D = dt.date


def login(user) -> Client:
    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return client


@pytest.fixture
def w():
    return build_world()


def test_treasurer_reaches_every_page_from_home(w):
    client = login(w.treasurer)
    home = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("donations:ledger") in home and reverse("donations:clock") in home
    ledger = client.get(reverse("donations:ledger")).content.decode()
    for name in ("clock", "reports", "new", "import"):
        assert reverse(f"donations:{name}") in ledger
        assert client.get(reverse(f"donations:{name}")).status_code == 200
    assert "<svg" in ledger and "Money received by month" in ledger


def test_entering_a_cheque_shows_errors_after_submit_then_records_it(w):
    client = login(w.treasurer_a)
    form = {"accounting_unit": w.clp_a.pk, "channel": "cheque", "amount": "1,250.505", "received_on": "2024-06-10",
            "donor_type": "individual", "full_name": "Ada Lovelace", "address_line1": "", "postcode": ""}  # fmt: skip
    bad = client.post(reverse("donations:new"), form)
    assert bad.status_code == 400 and "fraction of a penny" in bad.content.decode()
    form["amount"] = "-5"
    assert "more than £0.00" in client.post(reverse("donations:new"), form).content.decode()
    form["amount"] = "1,250.50"
    page = client.post(reverse("donations:new"), form).content.decode()
    assert "donor address" in page and 'value="Ada Lovelace"' in page
    assert not Donation.objects.exists()
    form.update(address_line1="12 Abbey Road", postcode="rg1 1aa", town="Reading")
    response = client.post(reverse("donations:new"), form)
    donation = Donation.objects.get()
    assert response.status_code == 302 and donation.amount_pence == 1_250_50 and donation.donor.postcode == "RG1 1AA"
    page = client.get(reverse("donations:detail", args=[donation.pk])).content.decode()
    assert "Permissibility" in page and "Decide by Wednesday 10 July 2024" in page and "overdue" in page


def test_scope_a_clp_treasurer_sees_only_their_units_gifts(w):
    mine = give(w, 1_000, D(2024, 3, 1), au=w.clp_a, donor=individual("Ada Lovelace"))
    central = give(w, 1_000, D(2024, 3, 1), donor=individual("Mary Somerville"))
    client = login(w.treasurer_a)
    ledger = client.get(reverse("donations:ledger")).content.decode()
    assert "Ada Lovelace" in ledger and "Mary Somerville" not in ledger
    assert client.get(reverse("donations:detail", args=[central.pk])).status_code == 403
    assert client.post(reverse("donations:check", args=[central.pk]), {"outcome": "impermissible",
                                                                      "note": "x"}).status_code == 403  # fmt: skip
    # The auditor reads but cannot decide.
    auditor = login(w.auditor)
    assert auditor.get(reverse("donations:detail", args=[mine.pk])).status_code == 200
    assert auditor.post(reverse("donations:check", args=[mine.pk]), {"outcome": "impermissible",
                                                                    "note": "x"}).status_code == 403  # fmt: skip
    assert auditor.get(reverse("donations:new")).status_code == 403


def test_the_decision_flow_through_the_page_and_a_bad_decision_explained(w):
    d = give(w, 1_000, D(2024, 3, 1))
    client = login(w.treasurer)
    page = client.post(reverse("donations:check", args=[d.pk]), {"outcome": "permissible", "on": "2024-03-10"})
    assert (
        page.status_code == 400 and "confirm the donor&#x27;s entry on the electoral register" in page.content.decode()
    )
    client.post(reverse("donations:check", args=[d.pk]), {"outcome": "impermissible", "note": "not registered",
                                                         "on": "2024-03-10"})  # fmt: skip
    client.post(reverse("donations:return", args=[d.pk]), {"to": "donor", "method": "cheque 12", "on": "2024-03-12"})
    d.refresh_from_db()
    assert (d.status, d.returned_on) == ("returned", D(2024, 3, 12))


def test_reports_download_as_csv_in_the_upload_columns_and_are_audited(w):
    give(w, 12_000, D(2024, 8, 1), donor=individual("Big Giver"))
    client = login(w.treasurer)
    response = client.get(reverse("donations:download", args=["quarterly"]), {"year": 2024, "quarter": 3})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == COLUMNS and rows[1][4] == "Big Giver" and rows[1][13] == "12000.00"
    assert rows[1][0] == "Q3 2024" and rows[1][14] == "01/08/2024"
    entry = AuditEntry.objects.filter(action="exported").latest("pk")
    assert entry.detail["event"] == "donations.report.export" and entry.detail["rows"] == 1
    assert client.get(reverse("donations:download", args=["quarterly"]), {"year": "x"}).status_code == 302
    pre = client.get(reverse("donations:download", args=["prepoll"]), {"start": "2024-07-27", "end": "2024-08-02"})
    assert "Big Giver" in pre.content.decode()
    assert client.get(reverse("donations:download", args=["impermissible"])).status_code == 200


def test_the_csv_import_answers_each_row(w):
    text = (
        "accounting_unit,donor_type,full_name,address_line1,postcode,amount,received_on,channel,reference\n"
        "CLP-A,individual,Ada Lovelace,12 Abbey Road,RG1 1AA,600,2024-05-01,cheque,C1\n"
        "CLP-A,individual,No Address,,,600,2024-05-01,cheque,C2\n"
        "CLP-A,individual,Bad Amount,1 Elm Road,RG1 2BB,6.001,2024-05-01,cheque,C3\n"
        "CLP-B,individual,Not Mine,1 Elm Road,RG1 2BB,60,2024-05-01,cash,C4\n"
        "BR-A1,individual,Branch Gift,1 Elm Road,RG1 2BB,25,01/05/2024,cash,C5\n"
        "CLP-A,individual,Ada Lovelace,12 Abbey Road,RG1 1AA,600,2024-05-01,cheque,C1\n"
    )
    client = login(w.treasurer_a)
    upload = SimpleUploadedFile("gifts.csv", text.encode(), content_type="text/csv")
    page = client.post(reverse("donations:import"), {"file": upload}).content.decode()
    assert "2 recorded, 1 skipped, 3 refused" in page
    assert "donor address" in page and "fraction of a penny" in page and "you do not keep CLP-B" in page
    assert sorted(Donation.objects.values_list("reference", flat=True)) == ["C1", "C5"]
    assert Donation.objects.get(reference="C5").accounting_unit == w.clp_a
