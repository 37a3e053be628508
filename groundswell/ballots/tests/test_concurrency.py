"""Two (or eight) simultaneous casts with one code: exactly one vote counts, on PostgreSQL and on SQLite."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from groundswell.ballots import services
from groundswell.ballots.models import Ballot, CastBallot, EligibleVoter

from .world import build_world

CASTERS = 8


@pytest.mark.django_db(transaction=True)
def test_simultaneous_casts_with_one_code_count_once():
    world = build_world(voters=2)
    code, ballot_id = world.codes[0], world.ballot.pk
    barrier = threading.Barrier(CASTERS)
    # PostgreSQL: a real race on the voter's row. SQLite: pytest's in-memory test database answers a second
    # writer with "table is locked" instead of waiting as a database file does (BEGIN IMMEDIATE, 30 s
    # timeout), so the threads take turns as SQLite's one writer would, and the code is still spent once.
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def cast(i: int) -> None:
        try:
            ballot = Ballot.objects.get(pk=ballot_id)
            barrier.wait()
            with writer:
                services.cast_vote(ballot, code, ["Ada Adams", "Ben Brown"] if i % 2 else ["Ben Brown"])
            outcomes.append("counted")
        except services.VoteRefused as exc:
            outcomes.append(exc.reason)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(CASTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(outcomes) == ["code_used"] * (CASTERS - 1) + ["counted"]
    assert CastBallot.objects.count() == 1
    assert EligibleVoter.objects.filter(voted=True).count() == 1
