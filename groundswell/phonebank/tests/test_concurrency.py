"""Many callers pressing 'next call' at the same moment each get a different contact.

PostgreSQL: real threads, each on its own connection, through `claim_next` (SKIP LOCKED and the conditional
UPDATE both). SQLite: real threads on a file database in WAL mode (pytest-django's in-memory test database
cannot be shared between threads), through the same `queue.claim` SQL the app runs there.
"""

from __future__ import annotations

import datetime
import sqlite3
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from groundswell.phonebank import queue, services
from groundswell.phonebank.models import CallTarget
from groundswell.tests.factories import UserFactory

from .world import NOON, build_world

CALLERS = 12
ROUNDS = 6


def _run_threads(work, n: int) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["skip_locked", "conditional"])
def test_concurrent_next_calls_on_postgresql_get_distinct_contacts(method):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the SQLite path has its own test below)")
    world = build_world(people=CALLERS * ROUNDS)
    callers = [UserFactory() for _ in range(CALLERS)]

    def caller(i: int) -> list[tuple[int, int]]:
        got = []
        for _ in range(ROUNDS):
            card = services.claim_next(world.campaign, callers[i].pk, NOON, method=method)
            assert isinstance(card, services.ContactCard), card
            got.append((card.target_id, callers[i].pk))
        return got

    claims = [c for per in _run_threads(caller, CALLERS) for c in per]
    counts = Counter(t for t, _ in claims)
    assert len(claims) == CALLERS * ROUNDS
    assert max(counts.values()) == 1, "a contact went to two callers"
    owners = dict(CallTarget.objects.values_list("pk", "lease_owner_id"))
    assert all(owners[t] == u for t, u in claims)


def test_concurrent_claims_on_sqlite_get_distinct_contacts(tmp_path, django_db_blocker):
    path = tmp_path / "queue.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE phonebank_calltarget (
            id INTEGER PRIMARY KEY, campaign_id INTEGER, person_id INTEGER, elector_id INTEGER, phone TEXT,
            priority INTEGER, state TEXT, available_at TEXT, attempts INTEGER, lease_owner_id INTEGER,
            lease_seq INTEGER, leased_at TEXT, skipped_by_id INTEGER);
        """
    )
    now = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=datetime.UTC)
    rows = [
        (i, 1, i, None, f"+44770090{i:04d}", 100, "open", "2026-11-24 13:00:00", 0, None, 0, None, None)
        for i in range(1, CALLERS * ROUNDS + 1)
    ]
    db.executemany("INSERT INTO phonebank_calltarget VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    alias = "queue_file"
    connections.settings[alias] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"timeout": 30},
        "TEST": {},
    }
    try:

        def caller(i: int) -> list[int]:
            got = []
            for _ in range(ROUNDS):
                lease = queue.claim(
                    1,
                    1000 + i,
                    now=now,
                    lease_until=now + datetime.timedelta(minutes=15),
                    max_attempts=3,
                    method="conditional",
                    using=alias,
                )
                assert lease is not None
                got.append(lease.target_id)
            return got

        # Only this alias is used; pytest-django guards the test database, not this file.
        with django_db_blocker.unblock():
            claims = [t for per in _run_threads(caller, CALLERS) for t in per]
    finally:
        connections[alias].close()
        del connections.settings[alias]
    assert len(claims) == CALLERS * ROUNDS
    assert max(Counter(claims).values()) == 1, "a contact went to two callers"
    check = sqlite3.connect(path)
    owners = check.execute("SELECT COUNT(DISTINCT lease_owner_id), SUM(lease_seq) FROM phonebank_calltarget").fetchone()
    assert owners == (CALLERS, CALLERS * ROUNDS)
