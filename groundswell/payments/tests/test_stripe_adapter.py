"""The Stripe adapter against mocked HTTP (no network): hosted Checkout, idempotency keys, signatures, fingerprints,
refunds, regular payments' invoices."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import responses
from responses import matchers

from groundswell.accounts.models import Role
from groundswell.payments.fingerprints import card_fingerprint
from groundswell.payments.models import Payment, Subscription
from groundswell.payments.providers import get_provider
from groundswell.payments.services import SignatureError, handle_webhook, refund, start_checkout
from groundswell.tests.factories import UnitTreeFactory, user_with_role

pytestmark = pytest.mark.django_db
API = "https://api.stripe.com/v1"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def stripe_settings(settings):
    settings.PAYMENTS_CARD_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    get_provider.cache_clear()
    yield
    get_provider.cache_clear()


def signed(event: dict, secret: str = SECRET) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    ts = int(time.time())
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={ts},v1={sig}"}


def event(type_: str, obj: dict, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": type_, "created": int(time.time()), "data": {"object": obj}}


def start(key="gift-1", interval=None, amount=2500):
    return start_checkout(
        amount_pence=amount,
        purpose="donation",
        purpose_ref="fundraising.gift:5",
        description="Gift to the Reading appeal",
        success_url="/thanks/",
        cancel_url="/sorry/",
        email="donor@example.org",
        idempotency_key=key,
        interval=interval,
    )


@responses.activate
def test_checkout_session_is_created_with_an_idempotency_key():
    responses.post(
        f"{API}/checkout/sessions",
        json={"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_1"},
        match=[matchers.header_matcher({"Idempotency-Key": "checkout:gift-1"})],
    )
    checkout = start()
    assert checkout.url == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert checkout.payment.provider == "stripe" and checkout.payment.checkout_ref == "cs_test_1"
    sent = responses.calls[0].request.body
    assert "mode=payment" in sent and "[unit_amount]=2500" in sent and "[currency]=gbp" in sent
    assert "success_url=http" in sent  # made absolute for Stripe


@responses.activate
def test_completed_session_marks_paid_with_the_card_fingerprint():
    responses.post(f"{API}/checkout/sessions", json={"id": "cs_1", "object": "checkout.session", "url": "https://x"})
    responses.get(
        f"{API}/payment_intents/pi_1",
        json={
            "id": "pi_1",
            "object": "payment_intent",
            "payment_method": {"id": "pm_1", "object": "payment_method", "card": {"fingerprint": "Xq7fp"}},
        },
    )
    payment = start().payment
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": "pi_1",
        "amount_total": 2500,
        "client_reference_id": f"payment:{payment.pk}",
    }
    body, headers = signed(event("checkout.session.completed", session))
    result = handle_webhook("stripe", body, headers)
    assert result.events[0].outcome == "processed"
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.provider_ref == "pi_1"
    assert payment.method_fingerprint == card_fingerprint("Xq7fp")
    again = handle_webhook("stripe", body, headers)
    assert again.duplicate


def test_bad_stripe_signature_is_refused():
    body, headers = signed(event("checkout.session.completed", {"id": "cs_1"}), secret="whsec_wrong")
    with pytest.raises(SignatureError, match="Stripe signature does not verify"):
        handle_webhook("stripe", body, headers)
    with pytest.raises(SignatureError, match="no usable Stripe-Signature"):
        handle_webhook("stripe", body, {})


@responses.activate
def test_refund_carries_an_idempotency_key_and_its_webhook_counts_once():
    responses.post(f"{API}/checkout/sessions", json={"id": "cs_2", "object": "checkout.session", "url": "https://x"})
    responses.get(f"{API}/payment_intents/pi_2", json={"id": "pi_2", "object": "payment_intent"})
    tree = UnitTreeFactory.build_tree()
    payment = start("gift-2").payment
    payment.unit = tree.clp_a
    payment.save()
    session = {
        "id": "cs_2",
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": "pi_2",
        "amount_total": 2500,
    }
    handle_webhook("stripe", *signed(event("checkout.session.completed", session, "evt_2")))
    payment.refresh_from_db()
    responses.post(
        f"{API}/refunds",
        json={"id": "re_1", "object": "refund", "amount": 1000},
        match=[matchers.header_matcher({"Idempotency-Key": f"refund:{payment.pk}:1:1000"})],
    )
    refund(payment, amount_pence=1000, actor=user_with_role(Role.TREASURER, tree.clp_a), reason="donor asked")
    assert "payment_intent=pi_2" in responses.calls[-1].request.body
    reported = {"id": "re_1", "object": "refund", "amount": 1000, "payment_intent": "pi_2"}
    result = handle_webhook("stripe", *signed(event("refund.created", reported, "evt_3")))
    assert result.events[0].outcome == "ignored"
    payment.refresh_from_db()
    assert payment.refunded_pence == 1000


@responses.activate
def test_subscription_checkout_then_invoices_make_payments():
    responses.post(f"{API}/checkout/sessions", json={"id": "cs_s", "object": "checkout.session", "url": "https://x"})
    responses.get(
        f"{API}/subscriptions/sub_1",
        json={"id": "sub_1", "object": "subscription", "default_payment_method": {"card": {"fingerprint": "F1"}}},
    )
    subscription = start("monthly-1", interval="month", amount=1000).subscription
    assert "[recurring][interval]=month" in responses.calls[0].request.body
    completed = {"id": "cs_s", "mode": "subscription", "subscription": "sub_1", "payment_status": "paid"}
    # The first invoice arrives before the session's completion: found by our id in the subscription's metadata.
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "amount_paid": 1000,
        "period_start": int(time.time()),
        "parent": {
            "subscription_details": {"subscription": "sub_1", "metadata": {"groundswell_id": str(subscription.pk)}}
        },
    }
    first = handle_webhook("stripe", *signed(event("invoice.paid", invoice, "evt_i1")))
    assert first.events[0].outcome == "processed"
    handle_webhook("stripe", *signed(event("checkout.session.completed", completed, "evt_c")))
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert subscription.status == "active" and subscription.provider_ref == "sub_1"
    assert subscription.method_fingerprint == card_fingerprint("F1")
    payment = Payment.objects.get(provider_ref="in_1")
    assert payment.status == "paid" and payment.subscription == subscription and payment.amount_pence == 1000
    deleted = handle_webhook("stripe", *signed(event("customer.subscription.deleted", {"id": "sub_1"}, "evt_d")))
    assert deleted.events[0].outcome == "processed"
    assert Subscription.objects.get(pk=subscription.pk).status == "cancelled"


@responses.activate
def test_payouts_are_listed_with_their_lines():
    responses.get(
        f"{API}/payouts",
        json={
            "object": "list",
            "has_more": False,
            "url": "/v1/payouts",
            "data": [{"id": "po_1", "object": "payout", "amount": 2380, "arrival_date": 1767225600}],
        },
    )
    responses.get(
        f"{API}/balance_transactions",
        json={
            "object": "list",
            "has_more": False,
            "url": "/v1/balance_transactions",
            "data": [
                {
                    "id": "txn_1",
                    "type": "charge",
                    "amount": 2500,
                    "fee": 120,
                    "source": {"id": "ch_1", "payment_intent": "pi_9"},
                },
                {"id": "txn_2", "type": "payout", "amount": -2380, "fee": 0, "source": "po_1"},
            ],
        },
    )
    payouts = get_provider("stripe").list_payouts(None)
    assert len(payouts) == 1 and payouts[0].provider_ref == "po_1" and payouts[0].fees_pence == 120
    assert payouts[0].lines[0].payment_ref == "pi_9" and payouts[0].lines[0].amount_pence == 2500
