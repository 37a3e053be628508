"""The GoCardless adapter against mocked HTTP (no network): a billing request from our Direct Debit page, the
subscription on the new mandate, Idempotency-Key headers, webhook signatures and batched events."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import responses
from responses import matchers

from groundswell.payments.fingerprints import bank_fingerprint
from groundswell.payments.models import Payment, Subscription
from groundswell.payments.providers import get_provider
from groundswell.payments.services import SignatureError, complete_direct_debit, handle_webhook, start_direct_debit

pytestmark = pytest.mark.django_db
API = "https://api-sandbox.gocardless.com"
SECRET = "gc-webhook-secret"


@pytest.fixture(autouse=True)
def gocardless_settings(settings):
    settings.PAYMENTS_DD_PROVIDER = "gocardless"
    settings.GOCARDLESS_ACCESS_TOKEN = "sandbox_token"
    settings.GOCARDLESS_ENVIRONMENT = "sandbox"
    settings.GOCARDLESS_WEBHOOK_SECRET = SECRET
    get_provider.cache_clear()
    yield
    get_provider.cache_clear()


def signed(events: list[dict], secret: str = SECRET) -> tuple[bytes, dict]:
    body = json.dumps({"events": events, "meta": {"webhook_id": "WB1"}}).encode()
    return body, {"Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def gc_event(event_id: str, resource: str, action: str, **links) -> dict:
    return {
        "id": event_id,
        "created_at": "2026-12-01T10:00:00.000Z",
        "resource_type": resource,
        "action": action,
        "links": links,
        "details": {"cause": action, "description": f"The {resource[:-1]} is {action}."},
    }


def mock_setup():
    key = {"Idempotency-Key": "br:dd-1"}
    responses.post(
        f"{API}/billing_requests", json={"billing_requests": {"id": "BRQ1"}}, match=[matchers.header_matcher(key)]
    )
    for action in ("collect_customer_details", "collect_bank_account", "confirm_payer_details"):
        responses.post(f"{API}/billing_requests/BRQ1/actions/{action}", json={"billing_requests": {"id": "BRQ1"}})
    responses.post(
        f"{API}/billing_requests/BRQ1/actions/fulfil",
        json={"billing_requests": {"id": "BRQ1", "links": {"mandate_request_mandate": "MD1"}}},
    )
    responses.post(
        f"{API}/subscriptions",
        json={"subscriptions": {"id": "SB1"}},
        match=[matchers.header_matcher({"Idempotency-Key": "subscription:dd-1"})],
    )


def start():
    return start_direct_debit(
        amount_pence=450,
        interval="month",
        purpose="dues",
        purpose_ref="dues.subscription:8",
        description="Membership dues",
        return_url="/joined/",
        name="Rosa Parkes",
        email="rosa@example.org",
        idempotency_key="dd-1",
    )


@responses.activate
def test_bank_details_become_a_mandate_and_subscription_at_gocardless():
    mock_setup()
    checkout = start()
    assert checkout.url.startswith("/payments/direct-debit/gcpage_")
    mandate = complete_direct_debit(
        checkout.subscription, account_holder="Rosa Parkes", sort_code="20-00-00", account_number="55779911"
    )
    assert mandate.provider_ref == "MD1" and mandate.method_fingerprint == bank_fingerprint("200000", "55779911")
    subscription = Subscription.objects.get(pk=checkout.subscription.pk)
    assert subscription.provider_ref == "SB1" and subscription.mandate == mandate
    bank_call = next(c for c in responses.calls if c.request.url.endswith("collect_bank_account"))
    sent = json.loads(bank_call.request.body)["data"]
    assert sent["branch_code"] == "200000" and sent["account_number"] == "55779911"
    sub_call = next(c for c in responses.calls if c.request.url.endswith("/subscriptions"))
    assert json.loads(sub_call.request.body)["subscriptions"]["interval_unit"] == "monthly"
    assert all("Idempotency-Key" in c.request.headers for c in responses.calls)


@responses.activate
def test_batched_webhook_events_apply_in_order_and_once():
    mock_setup()
    checkout = start()
    complete_direct_debit(
        checkout.subscription, account_holder="Rosa Parkes", sort_code="200000", account_number="55779911"
    )
    events = [
        gc_event("EV1", "mandates", "active", mandate="MD1"),
        gc_event("EV2", "subscriptions", "created", subscription="SB1", mandate="MD1"),
        gc_event("EV3", "payments", "created", payment="PM1", subscription="SB1", mandate="MD1"),
        gc_event("EV4", "payments", "confirmed", payment="PM1", subscription="SB1", mandate="MD1"),
        gc_event("EV5", "payments", "paid_out", payment="PM1", payout="PO1"),
    ]
    body, headers = signed(events)
    result = handle_webhook("gocardless", body, headers)
    assert [e.outcome for e in result.events] == ["processed", "processed", "processed", "processed", "ignored"]
    payment = Payment.objects.get(provider_ref="PM1")
    assert payment.status == "paid" and payment.amount_pence == 450 and payment.method == "direct_debit"
    assert payment.method_fingerprint == bank_fingerprint("200000", "55779911")
    again = handle_webhook("gocardless", body, headers)
    assert again.duplicate


def test_bad_gocardless_signature_is_refused():
    body, _ = signed([gc_event("EV9", "mandates", "active", mandate="MD1")])
    with pytest.raises(SignatureError, match="GoCardless signature does not match"):
        handle_webhook("gocardless", body, {"Webhook-Signature": "00"})


def test_payment_for_unknown_mandate_is_an_error_with_reason():
    body, headers = signed([gc_event("EV7", "payments", "confirmed", payment="PMX", mandate="MDX")])
    result = handle_webhook("gocardless", body, headers)
    assert result.events[0].outcome == "error" and "unknown mandate MDX" in result.events[0].reason


@responses.activate
def test_payouts_from_payout_items():
    responses.get(
        f"{API}/payouts",
        json={
            "payouts": [{"id": "PO1", "amount": 870, "arrival_date": "2026-12-03", "deducted_fees": 30}],
            "meta": {"cursors": {"after": None}, "limit": 50},
        },
    )
    responses.get(
        f"{API}/payout_items",
        json={
            "payout_items": [
                {"type": "payment_paid_out", "amount": "450", "links": {"payment": "PM1"}},
                {"type": "gocardless_fee", "amount": "-15", "links": {"payment": "PM1"}},
                {"type": "payment_paid_out", "amount": "450", "links": {"payment": "PM2"}},
                {"type": "gocardless_fee", "amount": "-15", "links": {"payment": "PM2"}},
            ],
            "meta": {"cursors": {"after": None}, "limit": 50},
        },
    )
    (payout,) = get_provider("gocardless").list_payouts(None)
    assert payout.provider_ref == "PO1" and payout.amount_pence == 870 and payout.fees_pence == 30
    assert [(line.payment_ref, line.amount_pence, line.fee_pence) for line in payout.lines] == [
        ("PM1", 450, 15),
        ("PM2", 450, 15),
    ]
