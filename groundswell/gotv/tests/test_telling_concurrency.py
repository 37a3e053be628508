"""Several tellers sending overlapping numbers at once, through the real sync endpoint, each on its own
database connection: one live entry per elector, and every distinct number stored."""

from __future__ import annotations

import json
import random
import threading
import uuid

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.gotv import assignments
from groundswell.gotv.models import TellingEntry
from groundswell.register.models import Elector
from groundswell.tests.factories import user_with_role

from .test_telling import build_telling_world

TELLERS = 8
NUMBERS = 200  # AB1-1 … AB1-200 (plus the world's own AB1 electors 1–10)


@pytest.mark.django_db(transaction=True)
def test_overlapping_tellers_store_each_elector_once_and_lose_nothing():
    if connection.vendor == "sqlite":
        # pytest-django's SQLite test database is in memory, one per connection, so threads cannot share it.
        # On SQLite the race's losing side is covered by test_the_constraint_decides_and_a_fault_is_never_hidden.
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database cannot be shared between threads")
    world = build_telling_world()
    Elector.objects.bulk_create(
        [
            Elector(constituency=world.constituency, polling_district="AB1", number=n, surname="X")
            for n in range(11, NUMBERS + 1)
        ]
    )
    tellers = [world.teller, world.teller2] + [
        user_with_role(Role.TELLER, world.clp, email=f"t{i}@example.org") for i in range(TELLERS - 2)
    ]
    assignments.set_station_tellers(world.hall, tellers)  # all posted at the hall (gotv/assignments.py)
    # Every teller takes every number (in its own order, half typed bare and half in full) plus a few
    # unknown numbers of its own: the worst overlap, as when tellers at one door all take every voter.
    rng = random.Random(5)
    plans = []
    for t in range(TELLERS):
        order = list(range(1, NUMBERS + 1))
        rng.shuffle(order)
        texts = [str(n) if (n + t) % 2 else f"AB1-{n}" for n in order] + [f"9{t}9{k}" for k in range(5)]
        plans.append(texts)
    barrier = threading.Barrier(TELLERS)
    statuses: list[list[str]] = [[] for _ in range(TELLERS)]
    errors: list[BaseException] = []
    url = reverse("gotv:telling_sync", args=[world.day.pk])

    def teller(index: int) -> None:
        try:
            client = Client()
            client.force_login(tellers[index])
            barrier.wait()
            texts = plans[index]
            for start in range(0, len(texts), 7):  # small batches, as a page syncing every few numbers does
                items = [
                    {"op": "enter", "client_id": uuid.uuid4().hex, "station_id": world.hall.pk, "text": text}
                    for text in texts[start : start + 7]
                ]
                response = client.post(url, data=json.dumps({"items": items}), content_type="application/json")
                assert response.status_code == 200, response.content
                statuses[index].extend(r["status"] for r in response.json()["results"])
        except BaseException as exc:  # reported below, so a thread's failure fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=teller, args=(i,)) for i in range(TELLERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    live = TellingEntry.objects.filter(polling_day=world.day, undone_at__isnull=True, elector__isnull=False)
    assert not live.values("elector").annotate(n=Count("pk")).filter(n__gt=1).exists()  # no duplicates
    stored = set(live.values_list("elector__number", flat=True))
    assert stored == set(range(1, NUMBERS + 1))  # nothing lost
    flat = [s for per in statuses for s in per]
    assert flat.count("recorded") == NUMBERS
    assert flat.count("already_voted") == NUMBERS * (TELLERS - 1)
    assert flat.count("unknown") == TELLERS * 5
    assert TellingEntry.objects.filter(elector__isnull=True).count() == TELLERS * 5
