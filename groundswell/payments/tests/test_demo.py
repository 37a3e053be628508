"""The payments demo builds once, gives the treasurer something on every page, and runs again harmlessly."""

from __future__ import annotations

import pytest

from groundswell.payments.demo import build_payments_demo
from groundswell.payments.models import Payment, Subscription, WebhookEvent
from groundswell.payments.reconciliation import stored_differences
from groundswell.tests.factories import UnitTreeFactory

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_shows_each_kind_of_thing():
    UnitTreeFactory.build_tree()
    build_payments_demo()
    count = Payment.objects.count()
    build_payments_demo()
    assert Payment.objects.count() == count
    assert Payment.objects.filter(status="paid").count() >= 6
    assert Payment.objects.filter(status="failed").count() == 2
    assert Payment.objects.filter(refunded_pence__gt=0).exists()
    assert Subscription.objects.filter(status="active", method="direct_debit").exists()
    assert WebhookEvent.objects.filter(outcome="error").exists()
    assert {d.kind for d in stored_differences()} >= {"not_ours"}
