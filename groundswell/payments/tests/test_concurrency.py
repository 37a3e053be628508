"""The same event delivered several times at the same moment is processed once (real threads on PostgreSQL; on
SQLite the threads take turns as its one writer would, and the event still counts once)."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from groundswell.accounts.models import Role
from groundswell.payments import testing
from groundswell.payments.listeners import listen, unlisten
from groundswell.payments.models import Payment, StatusChange, WebhookEvent
from groundswell.payments.providers.fake import event_body, sign
from groundswell.payments.services import PaymentError, handle_webhook, refund, start_checkout
from groundswell.tests.factories import UnitTreeFactory, user_with_role

DELIVERIES = 6


@pytest.mark.django_db(transaction=True)
def test_simultaneous_redeliveries_of_one_event_count_once():
    payment = start_checkout(
        amount_pence=1200,
        purpose="race",
        purpose_ref="race:1",
        description="Race",
        success_url="/",
        cancel_url="/",
        idempotency_key="race-1",
    ).payment
    body = event_body("payment.paid", {"payment": payment.provider_ref, "amount_pence": 1200}, event_id="evt-race")
    headers = sign(body)
    heard: list[str] = []

    def hear(notice) -> None:
        heard.append(notice.kind)

    listen("race", hear)
    barrier = threading.Barrier(DELIVERIES)
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            with writer:
                result = handle_webhook("fake_card", body, headers)
            outcomes.append(result.events[0].outcome)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        unlisten("race", hear)
    assert not errors, errors
    assert sorted(outcomes) == ["duplicate"] * (DELIVERIES - 1) + ["processed"]
    assert heard == ["payment_paid"]
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert StatusChange.objects.filter(object_type="payment", object_id=payment.pk).count() == 1
    event = WebhookEvent.objects.get(event_id="evt-race")
    assert event.deliveries == DELIVERIES and event.outcome == "processed"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_refunds_never_exceed_the_payment():
    """Two treasurers refunding the last £10 at once: one succeeds, the other is told what is left."""
    tree = UnitTreeFactory.build_tree()
    treasurer = user_with_role(Role.TREASURER, tree.clp_a)
    checkout = start_checkout(
        amount_pence=1000,
        purpose="race",
        purpose_ref="race:2",
        description="Race",
        success_url="/",
        cancel_url="/",
        idempotency_key="race-2",
        unit=tree.clp_a,
    )
    payment = testing.complete_checkout(checkout)
    barrier = threading.Barrier(2)
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    outcomes: list[str] = []

    def refund_all() -> None:
        try:
            barrier.wait()
            with writer:
                refund(Payment.objects.get(pk=payment.pk), amount_pence=1000, actor=treasurer, reason="race")
            outcomes.append("refunded")
        except PaymentError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refund_all) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Refund of £10.00 is more than the £0.00 left to refund.", "refunded"]
    assert Payment.objects.get(pk=payment.pk).refunded_pence == 1000
