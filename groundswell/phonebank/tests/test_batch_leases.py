"""Batch leasing (leasing.py, PostgreSQL): app processes take contacts a block at a time and hand them out from
memory. Blocks never overlap between processes; a process killed with a block in memory loses nothing; a contact
suppressed after its block was claimed is never handed out; a process that stops puts its block back at once.

The process tests start real `python` processes on the test database and kill one with SIGKILL."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from django.db import connection

from groundswell.people.models import Suppression
from groundswell.people.services import add_suppression
from groundswell.phonebank import leasing, queue, services
from groundswell.phonebank.models import CallTarget
from groundswell.tests.factories import UserFactory

from .world import NOON, build_world

pytestmark = pytest.mark.postgres


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("batch leasing is PostgreSQL's (SQLite claims straight off the queue)")


def _claim(world, caller, at=NOON):
    return services.claim_next(world.campaign, caller.pk, at, method="block")


@pytest.mark.django_db
def test_callers_share_one_block_in_queue_order_and_each_gets_a_different_contact():
    _needs_postgresql()
    world = build_world(people=5)
    CallTarget.objects.filter(person=world.people[4]).update(priority=1)
    first = _claim(world, world.caller)
    second = _claim(world, world.caller2)
    assert first.target_id == CallTarget.objects.get(person=world.people[4]).pk  # priority first
    assert second.target_id != first.target_id
    # One block holds the rest, in this process's memory and marked in the database.
    waiting = leasing.waiting(world.campaign.pk)
    assert len(waiting) == 3 and len({w.block_id for w in waiting}) == 1
    blocked = CallTarget.objects.filter(block=waiting[0].block_id)
    assert blocked.count() == 3 and not blocked.filter(lease_owner__isnull=False).exists()
    # A caller holding a contact gets it back, not a second one, and the block keeps its contacts.
    assert _claim(world, world.caller).target_id == first.target_id
    assert len(leasing.waiting(world.campaign.pk)) == 3


@pytest.mark.django_db
def test_a_contact_suppressed_after_its_block_was_claimed_is_never_handed_out():
    _needs_postgresql()
    world = build_world(people=3)
    got = _claim(world, world.caller)
    waiting = [w.target_id for w in leasing.waiting(world.campaign.pk)]
    assert len(waiting) == 2
    victim = CallTarget.objects.get(pk=waiting[0])
    add_suppression(Suppression.Kind.DO_NOT_CONTACT, person=victim.person, reason="asked", source="test")
    handed = {got.target_id}
    for caller in (world.caller2, UserFactory()):
        card = _claim(world, caller)
        if isinstance(card, services.ContactCard):
            handed.add(card.target_id)
    assert victim.pk not in handed
    victim.refresh_from_db()
    assert victim.state == CallTarget.State.EXCLUDED and victim.lease_owner_id is None and victim.block is None
    assert len(handed) == 2


@pytest.mark.django_db
def test_a_skipped_contact_waits_in_the_block_for_someone_else():
    _needs_postgresql()
    world = build_world(people=2)
    first = _claim(world, world.caller)
    services.skip_call(world.session, world.caller, target_id=first.target_id, lease_seq=first.lease_seq, now=NOON)
    # The skipper got the other contact; the skipped one goes to the next caller, not back to the skipper.
    mine = services.current_lease(world.campaign, world.caller.pk, NOON)
    assert mine.target_id != first.target_id
    assert _claim(world, world.caller2).target_id == first.target_id


@pytest.mark.django_db
def test_a_process_that_stops_puts_its_block_back_at_once():
    _needs_postgresql()
    world = build_world(people=4)
    _claim(world, world.caller)
    waiting = [w.target_id for w in leasing.waiting(world.campaign.pk)]
    assert leasing.release_all(now=NOON) == 3
    assert leasing.waiting(world.campaign.pk) == []
    rows = CallTarget.objects.filter(pk__in=waiting)
    assert not rows.filter(block__isnull=False).exists()
    assert set(rows.values_list("available_at", flat=True)) == {NOON}


@pytest.mark.django_db
def test_remaining_counts_contacts_in_a_block_as_callable_now():
    _needs_postgresql()
    from groundswell.phonebank import selectors

    world = build_world(people=4)
    _claim(world, world.caller)
    counts = selectors.remaining(world.campaign, NOON)
    assert counts["now"] == 3 and counts["in_call"] == 1 and counts["later"] == 0


# ------------------------------------------------------------------------------------------ real processes

CHILD = textwrap.dedent(
    """
    import datetime, json, os, sys, time
    import django
    django.setup()
    from groundswell.phonebank import leasing, queue, services
    from groundswell.phonebank.models import CallCampaign

    mode, campaign_id, caller_id, at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    now = datetime.datetime.fromisoformat(at)
    campaign = CallCampaign.objects.get(pk=campaign_id)
    if mode == "hold":
        card = services.claim_next(campaign, caller_id, now, method="block")
        waiting = [w.target_id for w in leasing.waiting(campaign_id)]
        print(json.dumps({"card": card.target_id, "waiting": waiting}), flush=True)
        time.sleep(600)
    else:
        print("ready", flush=True)
        sys.stdin.readline()  # all processes start claiming together
        got = []
        while True:
            block = int.from_bytes(os.urandom(7), "big") + 1
            rows = queue.claim_block(campaign_id, block, size=5, now=now, until=now + datetime.timedelta(minutes=1),
                                     max_attempts=campaign.max_attempts, tps=True)
            if not rows:
                break
            got += [[r.target_id, block] for r in rows]
        print(json.dumps(got), flush=True)
    """
)


def _child(mode: str, world, caller_id: int, at: datetime.datetime) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="groundswell.settings.development")
    args = [sys.executable, "-c", CHILD, mode, str(world.campaign.pk), str(caller_id), at.isoformat()]
    return subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.django_db(transaction=True)
def test_blocks_never_overlap_between_processes():
    _needs_postgresql()
    world = build_world(people=60)
    children = [_child("blocks", world, world.caller.pk, NOON) for _ in range(3)]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        claimed = [json.loads(child.communicate(timeout=60)[0].strip().splitlines()[-1]) for child in children]
    finally:
        for child in children:
            child.kill()
    every = [target for per in claimed for target, _block in per]
    assert Counter(every).most_common(1)[0][1] == 1, "a contact was in two blocks"
    assert len(every) == 60
    in_db = dict(CallTarget.objects.values_list("pk", "block"))
    assert all(in_db[target] == block for per in claimed for target, block in per)


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_with_a_block_in_memory_loses_nothing():
    _needs_postgresql()
    world = build_world(people=5)
    child = _child("hold", world, world.caller.pk, NOON)
    try:
        state = json.loads(child.stdout.readline())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    assert len(state["waiting"]) == 4
    # Until the dead process's block ends, its contacts are kept from everyone else…
    assert _claim(world, world.caller2).reason == "empty"
    # …then every one of them is handed out, once each; the contact the dead process handed out stays with its
    # caller until that lease ends.
    later = NOON + datetime.timedelta(seconds=leasing.block_seconds() + 1)
    handed = []
    for _ in range(4):
        card = _claim(world, UserFactory(), at=later)
        assert isinstance(card, services.ContactCard), card
        handed.append(card.target_id)
    assert sorted(handed) == sorted(state["waiting"])
    assert _claim(world, UserFactory(), at=later).reason == "empty"
    kept = CallTarget.objects.get(pk=state["card"])
    assert kept.lease_owner_id == world.caller.pk and kept.available_at > later


@pytest.mark.django_db(transaction=True)
def test_the_claim_plan_can_be_explained():
    _needs_postgresql()
    world = build_world(people=3)
    plan = queue.explain(world.campaign.pk, world.caller.pk, now=NOON, max_attempts=world.campaign.max_attempts)
    text = "\n".join(plan)
    assert "Buffers" in text and "Execution Time" in text
    # Rolled back: nothing was claimed.
    assert not CallTarget.objects.filter(block__isnull=False).exists()
    assert not CallTarget.objects.filter(lease_owner__isnull=False).exists()
