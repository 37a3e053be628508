"""One payment credited by several workers at once is credited once (PostgreSQL: a real race on the unique
source reference; SQLite: the workers take turns, as its one writer would)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.db import connection, connections

from groundswell.dues import services
from groundswell.dues.models import DuesPayment
from groundswell.people.models import Membership

from . import world

WORKERS = 6


@pytest.mark.django_db(transaction=True)
def test_simultaneous_credits_of_one_payment_count_once():
    w = world.build()
    membership_id = world.member(w.tree.clp_a).pk
    barrier = threading.Barrier(WORKERS)
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results: list[int] = []
    errors: list[BaseException] = []

    def credit() -> None:
        try:
            membership = Membership.objects.get(pk=membership_id)
            barrier.wait()
            with writer:
                p = services.record_payment(
                    membership=membership, amount_pence=550, paid_on=dt.date(2026, 1, 5), method="direct_debit",
                    source_ref="payments.payment:77",
                )  # fmt: skip
            results.append(p.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=credit) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(results)) == 1 and len(results) == WORKERS
    assert DuesPayment.objects.count() == 1
