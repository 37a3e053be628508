"""Webhooks: signatures, processing once, out-of-order events, unknown objects, the endpoint and the fake pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from groundswell.payments import testing
from groundswell.payments.models import Payment, StatusChange, Subscription, WebhookEvent
from groundswell.payments.providers.fake import SIGNATURE_HEADER, event_body, sign
from groundswell.payments.services import SignatureError, handle_webhook, start_checkout, start_direct_debit

pytestmark = pytest.mark.django_db


def checkout(key="w1", amount=1000, interval=None):
    return start_checkout(
        amount_pence=amount,
        purpose="donation",
        purpose_ref="fundraising.gift:7",
        description="Gift",
        success_url="/thanks/",
        cancel_url="/sorry/",
        idempotency_key=key,
        interval=interval,
    )


def post(client, body: bytes, headers: dict) -> object:
    return client.post(
        reverse("payments:webhook", args=["fake_card"]),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_bad_signature_is_400_and_stores_nothing(client):
    payment = checkout().payment
    body = event_body("payment.paid", {"payment": payment.provider_ref, "amount_pence": 1000})
    response = post(client, body, {SIGNATURE_HEADER: "0" * 64})
    assert response.status_code == 400
    assert "signature does not match" in response.content.decode()
    assert not WebhookEvent.objects.exists()
    assert post(client, body, {}).status_code == 400
    with pytest.raises(SignatureError):
        handle_webhook("fake_card", body + b" ", sign(body))


def test_duplicate_delivery_is_200_and_changes_nothing(client):
    payment = checkout().payment
    body = event_body("payment.paid", {"payment": payment.provider_ref, "amount_pence": 1000}, event_id="evt-1")
    first = post(client, body, sign(body))
    second = post(client, body, sign(body))
    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["events"][0]["outcome"] == "processed"
    assert second.json()["events"][0]["outcome"] == "duplicate"
    event = WebhookEvent.objects.get()
    assert event.deliveries == 2 and event.outcome == "processed"
    assert StatusChange.objects.filter(event=event).count() == 1


def test_unknown_subscription_is_a_recorded_error_not_a_crash(client):
    body = event_body(
        "payment.paid",
        {"subscription": "fksub_nope", "payment": "fkpay_x", "amount_pence": 500},
        event_id="evt-unknown",
    )
    response = post(client, body, sign(body))
    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evt-unknown")
    assert event.outcome == "error" and "Unknown subscription fksub_nope" in event.error
    assert not Payment.objects.exists()


def test_payment_for_unknown_mandate_is_recorded():
    result = testing.deliver("fake_dd", "payment.paid", {"payment": "fkpay_1", "mandate": "fkmd_zz", "amount_pence": 1})
    assert result.events[0].outcome == "error"
    assert "unknown mandate fkmd_zz" in result.events[0].reason


def test_amount_mismatch_is_an_error_and_nothing_counts():
    payment = checkout(amount=1000).payment
    result = testing.deliver("fake_card", "payment.paid", {"payment": payment.provider_ref, "amount_pence": 100000})
    assert result.events[0].outcome == "error" and "Amount mismatch" in result.events[0].reason
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_paid_before_created_then_created_is_no_change():
    subscription = testing.complete_checkout(checkout(interval="month"))
    at = timezone.now()
    data = {"subscription": subscription.provider_ref, "payment": "fkpay_late", "amount_pence": 1000}
    paid = testing.deliver("fake_card", "payment.paid", data, at=at)
    created = testing.deliver("fake_card", "payment.created", data, at=at - dt.timedelta(seconds=5))
    assert paid.events[0].outcome == "processed"
    assert created.events[0].outcome == "ignored" and "already known" in created.events[0].reason
    assert Payment.objects.get(provider_ref="fkpay_late").status == "paid"


def test_failed_older_than_paid_is_out_of_order_and_ignored():
    payment = checkout().payment
    at = timezone.now()
    testing.deliver("fake_card", "payment.paid", {"payment": payment.provider_ref}, at=at)
    late = testing.deliver("fake_card", "payment.failed", {"payment": payment.provider_ref}, at=at - dt.timedelta(1))
    assert late.events[0].outcome == "ignored" and "Out of order" in late.events[0].reason
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_failed_after_paid_is_a_late_failure():
    payment = testing.complete_checkout(checkout())
    payment = testing.fail_payment(payment)
    assert payment.status == "failed"
    assert StatusChange.objects.filter(object_id=payment.pk, to_status="failed", note__contains="late").exists()


def test_cancelled_is_final():
    payment = checkout().payment
    testing.deliver("fake_card", "payment.cancelled", {"payment": payment.provider_ref})
    result = testing.deliver("fake_card", "payment.paid", {"payment": payment.provider_ref})
    assert result.events[0].outcome == "ignored" and "cannot become paid" in result.events[0].reason


def test_refund_webhook_once_and_never_beyond_the_amount():
    payment = testing.complete_checkout(checkout(amount=1000))
    data = {"payment": payment.provider_ref, "refund": "fkre_1", "amount_pence": 600}
    assert testing.deliver("fake_card", "payment.refunded", data).events[0].outcome == "processed"
    assert testing.deliver("fake_card", "payment.refunded", data).events[0].outcome == "ignored"
    too_much = testing.deliver("fake_card", "payment.refunded", {**data, "refund": "fkre_2"})
    assert too_much.events[0].outcome == "error" and "more than the £4.00 left" in too_much.events[0].reason
    payment.refresh_from_db()
    assert payment.refunded_pence == 600 and payment.status == "paid"


def test_unknown_event_type_is_ignored_with_reason():
    body = json.dumps({"id": "evt-o", "type": "customer.updated", "data": {}}).encode()
    result = handle_webhook("fake_card", body, sign(body))
    assert result.events[0].outcome == "ignored" and "not one Groundswell acts on" in result.events[0].reason


def test_fake_checkout_page_pay_redirects_to_success(client):
    started = checkout()
    page = client.get(started.url)
    assert page.status_code == 200 and b"Pay" in page.content
    response = client.post(started.url, {"outcome": "pay", "card": "4242424242424242"})
    assert response.status_code == 302 and response.url == "/thanks/"
    started.payment.refresh_from_db()
    assert started.payment.status == "paid"


def test_fake_checkout_page_decline_redirects_to_cancel(client):
    started = checkout()
    response = client.post(started.url, {"outcome": "decline"})
    assert response.status_code == 302 and response.url == "/sorry/"


def test_direct_debit_page(client):
    started = start_direct_debit(
        amount_pence=500,
        interval="month",
        purpose="dues",
        purpose_ref="dues.subscription:1",
        description="Dues",
        return_url="/member/",
        name="Dee",
        email="d@example.org",
        idempotency_key="dd-page",
    )
    bad = client.post(started.url, {"account_holder": "Dee", "sort_code": "1", "account_number": "12345678"})
    assert bad.status_code == 400 and b"sort code has 6 digits" in bad.content
    ok = client.post(started.url, {"account_holder": "Dee", "sort_code": "20-00-00", "account_number": "12345678"})
    assert ok.status_code == 302 and ok.url == "/member/"
    subscription = Subscription.objects.get(pk=started.subscription.pk)
    assert subscription.status == "active" and subscription.mandate.status == "active"
    assert subscription.payments.filter(status="paid").count() == 1
