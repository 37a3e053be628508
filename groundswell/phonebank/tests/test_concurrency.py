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
        card = services.claim_next(world.campaign, callers[i].pk, NOON, method=method)
        for n in range(ROUNDS):
            assert isinstance(card, services.ContactCard), card
            got.append((card.target_id, callers[i].pk))
            if n < ROUNDS - 1:
                # Result and next call in one step, as the page does; a refusal is never called again.
                result = services.submit_result(
                    world.session,
                    callers[i],
                    client_id=f"c{i}-{n}",
                    target_id=card.target_id,
                    lease_seq=card.lease_seq,
                    outcome="refused",
                    now=NOON,
                )
                assert result.applied
                card = result.next
        return got

    claims = [c for per in _run_threads(caller, CALLERS) for c in per]
    counts = Counter(t for t, _ in claims)
    assert len(claims) == CALLERS * ROUNDS
    assert max(counts.values()) == 1, "a contact went to two callers"
    owners = dict(CallTarget.objects.values_list("pk", "lease_owner_id"))
    last = {u: t for t, u in claims}
    assert all(owners[t] == u for u, t in last.items())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_caller_racing_requests_on_postgresql_still_holds_one_contact():
    """A caller firing many requests at once (next, skips and results for contacts they do not hold, each with a
    fresh client id) ends up with one contact, and every answer names that one."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the SQLite path has its own test below)")
    world = build_world(people=CALLERS * 2)
    user = world.caller
    others = list(CallTarget.objects.values_list("pk", flat=True))

    def request(i: int) -> int | None:
        if i % 3 == 0:
            card = services.next_call(world.session, user.pk, NOON)
        elif i % 3 == 1:
            card = services.skip_call(world.session, user, target_id=others[i], lease_seq=0, now=NOON)
        else:
            result = services.submit_result(
                world.session, user, client_id=f"x{i}", target_id=others[i], lease_seq=0, outcome="deceased", now=NOON
            )
            assert not result.applied
            card = result.next
        return card.target_id if isinstance(card, services.ContactCard) else None

    got = _run_threads(request, CALLERS)
    held = list(CallTarget.objects.filter(lease_owner=user, state="open").values_list("pk", flat=True))
    assert len(held) == 1, held
    assert set(got) <= {held[0], None}
    assert held[0] in got


@pytest.fixture
def queue_file(tmp_path, django_db_blocker):
    """A file SQLite database in WAL mode holding just the queue table, as alias 'queue_file'."""
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
        # Only this alias is used; pytest-django guards the test database, not this file.
        with django_db_blocker.unblock():
            yield path
    finally:
        connections[alias].close()
        del connections.settings[alias]


SQLITE_NOW = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=datetime.UTC)


def _file_claim(caller_id: int) -> queue.Lease | None:
    return queue.claim(
        1,
        caller_id,
        now=SQLITE_NOW,
        lease_until=SQLITE_NOW + datetime.timedelta(minutes=15),
        max_attempts=3,
        method="conditional",
        using="queue_file",
    )


def test_concurrent_claims_on_sqlite_get_distinct_contacts(queue_file):
    def caller(i: int) -> list[int]:
        got = []
        for _ in range(ROUNDS):
            lease = _file_claim(1000 + i)
            assert lease is not None
            got.append(lease.target_id)
            # The call is made: the contact is done, so the caller may take the next.
            with connections["queue_file"].cursor() as cursor:
                cursor.execute("UPDATE phonebank_calltarget SET state = 'done' WHERE id = %s", [lease.target_id])
        return got

    claims = [t for per in _run_threads(caller, CALLERS) for t in per]
    path = queue_file
    assert len(claims) == CALLERS * ROUNDS
    assert max(Counter(claims).values()) == 1, "a contact went to two callers"
    check = sqlite3.connect(path)
    owners = check.execute("SELECT COUNT(DISTINCT lease_owner_id), SUM(lease_seq) FROM phonebank_calltarget").fetchone()
    assert owners == (CALLERS, CALLERS * ROUNDS)


def test_one_caller_claiming_from_many_threads_on_sqlite_gets_one_contact(queue_file):
    leases = _run_threads(lambda i: _file_claim(1000), CALLERS)
    assert len([lease for lease in leases if lease is not None]) == 1
    check = sqlite3.connect(queue_file)
    assert check.execute("SELECT COUNT(*) FROM phonebank_calltarget WHERE lease_owner_id = 1000").fetchone() == (1,)
