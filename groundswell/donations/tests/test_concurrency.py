"""One payment (or one cheque reference) delivered to record_donation by several threads at once: one donation.
A redelivered webhook, or two treasurers importing the same file, never counts a pound twice."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.db import connection, connections

from groundswell.donations.models import Donation
from groundswell.payments.models import Payment

from .world import build_world, give

THREADS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", ["payment", "reference"])
def test_simultaneous_deliveries_record_one_donation(by):
    w = build_world()
    payment = Payment.objects.create(provider="manual", method="cheque", amount_pence=1_000_00, provider_ref="race",
                                     purpose="donation", purpose_ref="donations.race:1")  # fmt: skip
    barrier = threading.Barrier(THREADS)
    # PostgreSQL: a real race on the unique index. SQLite's in-memory test database refuses a second writer
    # instead of waiting, so the threads take turns as SQLite's one writer would.
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    ids: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            with writer:
                extra = {"payment": payment} if by == "payment" else {"reference": "CHQ-RACE"}
                ids.append(give(w, 1_000, dt.date(2024, 3, 1), channel="online", **extra).pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(ids)) == 1 and len(ids) == THREADS
    assert Donation.objects.count() == 1
