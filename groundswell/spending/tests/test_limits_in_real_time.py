"""Headroom per seat and period, the 75/90/100% warnings, the over-limit refusal and the agent's override."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.messaging.models import EmailSend
from groundswell.spending.models import LimitWarning
from groundswell.spending.selectors import dashboard, seat_figures

from .test_pages import login
from .world import build_world, item

pytestmark = pytest.mark.django_db
LIMIT_A = 17_619_92  # Brentford & Isleworth, 77,874 electors


@pytest.fixture
def w():
    return build_world()


def test_figures_split_spent_committed_planned_and_headroom(w):
    item(w, amount_pence=1_000_00, status="invoiced", invoice_number="1")
    item(w, amount_pence=500_00, status="committed", invoice_number="2")
    item(w, amount_pence=250_00, status="planned", invoice_number="3")
    short = seat_figures(w.seat_a, today=dt.date(2024, 6, 16))["short"]
    assert (short.spent, short.committed, short.planned) == (1_000_00, 500_00, 250_00)
    assert short.limit_pence == LIMIT_A and short.headroom == LIMIT_A - 1_750_00
    # 18 of the campaign's 36 days gone: spent and committed run on at the same daily rate.
    assert short.forecast == 1_500_00 * 36 // 18
    rows = {r.candidacy: r for r in dashboard(w.seat_a.election.candidacies.all())}
    assert rows[w.seat_a].headroom == LIMIT_A - 1_750_00 and rows[w.seat_b].spent == 0


def test_warnings_at_75_90_and_100_percent_reach_the_agent_once(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=LIMIT_A * 76 // 100, invoice_number="a")
    assert [m.subject for m in mail.outbox] == [
        "Spending in Brentford and Isleworth has reached 75% of the short campaign limit"
    ]
    assert mail.outbox[0].to == ["agent@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=LIMIT_A * 15 // 100, invoice_number="b")
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=100, invoice_number="c")
    assert sorted(LimitWarning.objects.values_list("threshold", flat=True)) == [75, 90]
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=LIMIT_A - (LIMIT_A * 76 // 100) - (LIMIT_A * 15 // 100) - 100, invoice_number="d")
    assert sorted(LimitWarning.objects.values_list("threshold", flat=True)) == [75, 90, 100]


def test_over_the_limit_is_refused_unless_the_agent_overrides_with_a_reason(w):
    item(w, amount_pence=LIMIT_A, invoice_number="x")
    with pytest.raises(ValidationError) as exc:
        item(w, amount_pence=1, invoice_number="y")
    assert "over the limit" in exc.value.message_dict["amount_pence"][0]
    with pytest.raises(ValidationError) as exc:
        item(w, actor=w.sub_agent, amount_pence=1, invoice_number="y", override_reason="urgent")
    assert "only the election agent" in exc.value.message_dict["override_reason"][0]
    it = item(w, amount_pence=1, invoice_number="y", override_reason="RO confirmed the electorate was higher")
    assert it.override_reason.startswith("RO confirmed")
    entry = AuditEntry.objects.get(detail__event="spending.limit.override")
    assert entry.reason == "RO confirmed the electorate was higher" and entry.detail["total"] == LIMIT_A + 1


def test_one_crossing_sends_exactly_one_warning_per_threshold_through_messaging(w, django_capture_on_commit_callbacks):
    # One invoice takes the seat from nothing to 95%: the 75% and 90% warnings, one send each, never again.
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=LIMIT_A * 95 // 100, invoice_number="big")
    warnings = {x.threshold: x for x in LimitWarning.objects.select_related("email_send")}
    assert sorted(warnings) == [75, 90]
    sends = EmailSend.objects.filter(source__startswith="spending warning")
    assert sends.count() == 2 and {x.email_send_id for x in warnings.values()} == set(
        sends.values_list("pk", flat=True)
    )
    assert all(s.purpose == "service" for s in sends)
    assert sorted(m.subject[-40:] for m in mail.outbox) == sorted(
        f"has reached {t}% of the short campaign limit"[-40:] for t in (75, 90)
    )
    assert all(m.to == ["agent@example.org"] for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=100, invoice_number="small")  # still between 90% and 100%
    assert EmailSend.objects.filter(source__startswith="spending warning").count() == 2 and len(mail.outbox) == 2
    page = login(w.agent).get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert "90% of the short campaign limit" in page and "emailed through messaging" in page


def test_an_agent_messaging_cannot_reach_is_named_on_the_ledger(w, django_capture_on_commit_callbacks):
    w.agent.person = None
    w.agent.email = ""  # no person record and no address at all (one with an address is emailed at it)
    w.agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        item(w, amount_pence=LIMIT_A * 80 // 100, invoice_number="a")
    assert LimitWarning.objects.get().email_send is None and mail.outbox == []
    page = login(w.agent).get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert "not sent: the seat has no agent with an email address" in page
