"""Two secretaries taking the eligible list at once: each gets its own version number, neither is lost."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from groundswell.selections import services
from groundswell.selections.models import Selection, Snapshot

from .world import build_world

TAKERS = 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_snapshots_get_distinct_versions():
    world = build_world(members=3)
    services.take_snapshot(world.secretary, world.selection)
    barrier = threading.Barrier(TAKERS)
    # PostgreSQL: the selection row is locked while a version number is chosen. SQLite's in-memory test database
    # refuses a second writer instead of waiting, so the threads take turns as SQLite's one writer would.
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    errors: list[BaseException] = []

    def take(i: int) -> None:
        try:
            selection = Selection.objects.get(pk=world.selection.pk)
            barrier.wait()
            with writer:
                services.take_snapshot(world.secretary, selection, reason=f"Re-check number {i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(TAKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    versions = sorted(Snapshot.objects.filter(selection=world.selection).values_list("version", flat=True))
    assert versions == list(range(1, TAKERS + 2))
