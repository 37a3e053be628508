"""A send reaches each recipient exactly once: when the task runs twice, when a worker dies mid-batch, when
two workers run at once (real threads on PostgreSQL), and through retries after provider errors."""

from __future__ import annotations

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from groundswell.messaging import sending, services
from groundswell.messaging.models import EmailRecipient, RecipientStatus
from groundswell.messaging.tasks import send_email_task
from groundswell.people.models import Person, TimelineEntry

from .backends import FlakyBackend
from .helpers import contact


def _email_send(unit, n):
    for _ in range(n):
        contact(unit)
    send = services.create_email_send(
        unit=unit, subject="Hi", body_text="Hello {{ given_name }}", people=Person.objects.all(), actor=None
    )
    send.status = "queued"
    send.save(update_fields=["status"])
    return send


def _in_threads(n, work):
    """Run `work` in n threads started together, each on its own connection; their results."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def _delivered_ids():
    return Counter(m.extra_headers["Message-ID"] for m in mail.outbox)


@pytest.mark.django_db
def test_running_the_task_twice_sends_once(tree):
    send = _email_send(tree.clp_a, 5)
    first = sending.run_send("email", send.pk, batch_size=2)
    second = sending.run_send("email", send.pk, batch_size=2)
    assert (first["sent"], second["sent"]) == (5, 0)
    assert len(mail.outbox) == 5 and max(_delivered_ids().values()) == 1
    assert TimelineEntry.objects.filter(kind="email").count() == 5


@pytest.mark.django_db
def test_a_dead_workers_rows_are_sent_after_its_lease_and_not_before(tree):
    send = _email_send(tree.clp_a, 4)
    # A worker claimed everything, sent one message and recorded it, then was killed (no timeline written).
    ids = sending.claim(EmailRecipient, send.pk, "dead:1", 10)
    assert len(ids) == 4
    EmailRecipient.objects.filter(pk=ids[0]).update(status="sent", sent_at=timezone.now())
    # While its lease runs, nobody else takes those rows.
    assert sending.run_send("email", send.pk)["sent"] == 0 and mail.outbox == []
    EmailRecipient.objects.filter(send=send).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    report = sending.run_send("email", send.pk)
    assert report["sent"] == 3 and len(mail.outbox) == 3
    assert EmailRecipient.objects.get(pk=ids[0]).address not in [m.to[0] for m in mail.outbox]
    # The dead worker's sent row got its timeline entry from the next run; every row is on the timeline once.
    assert TimelineEntry.objects.filter(kind="email").count() == 4
    assert set(EmailRecipient.objects.values_list("status", flat=True)) == {"sent"}
    send.refresh_from_db()
    assert send.status == "done"


@pytest.mark.django_db
def test_a_claim_never_takes_rows_another_claim_holds(tree):
    send = _email_send(tree.clp_a, 3)
    a = sending.claim(EmailRecipient, send.pk, "a:1", 2)
    b = sending.claim(EmailRecipient, send.pk, "b:1", 10)
    assert len(a) == 2 and len(b) == 1 and not set(a) & set(b)
    assert sending.claim(EmailRecipient, send.pk, "c:1", 10) == []


@pytest.mark.django_db
def test_the_sqlite_claim_keeps_only_rows_its_update_changed(tree, monkeypatch):
    """Simulate the race the conditional UPDATE guards against: another worker takes a candidate between our
    SELECT and our UPDATE."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite claim path")
    send = _email_send(tree.clp_a, 3)
    real_update = type(EmailRecipient.objects.all()).update
    stolen = EmailRecipient.objects.order_by("id").first()

    def update(qs, **kwargs):
        if kwargs.get("lease_owner") == "slow:1":
            EmailRecipient.objects.filter(pk=stolen.pk).update(
                status="sending", lease_owner="fast:1", lease_until=timezone.now() + datetime.timedelta(minutes=2)
            )
        return real_update(qs, **kwargs)

    monkeypatch.setattr(type(EmailRecipient.objects.all()), "update", update)
    got = sending.claim(EmailRecipient, send.pk, "slow:1", 10)
    assert stolen.pk not in got and len(got) == 2


@pytest.mark.django_db
def test_provider_errors_are_retried_then_recorded(tree, settings):
    settings.EMAIL_BACKEND = "groundswell.messaging.tests.backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    send = _email_send(tree.clp_a, 1)
    sending.run_send("email", send.pk)
    row = EmailRecipient.objects.get(send=send)
    assert row.status == "sent" and row.attempts == 3 and len(mail.outbox) == 1

    settings.EMAIL_BACKEND = "groundswell.messaging.tests.backends.BrokenBackend"
    other = services.create_email_send(
        unit=tree.clp_a, subject="Again", body_text="Hello", people=Person.objects.all(), actor=None
    )
    services.queue_send(other)
    row = EmailRecipient.objects.get(send=other)
    assert row.status == RecipientStatus.FAILED and row.attempts == sending.MAX_ATTEMPTS
    assert "provider unavailable" in row.error
    assert services.send_stats(other)["failed"] == 1


def test_token_bucket_holds_the_rate():
    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    bucket = sending.TokenBucket(10, clock=lambda: clock[0], sleep=sleep)
    for _ in range(30):
        bucket.take()
    # A burst of 10, then one every 0.1 s: 20 more messages take 2 s.
    assert clock[0] == pytest.approx(2.0)
    assert sending.TokenBucket(None).rate is None


@pytest.mark.django_db
def test_a_throttled_send_waits_between_messages(tree, monkeypatch):
    send = _email_send(tree.clp_a, 3)
    send.rate_per_second = 1
    send.save(update_fields=["rate_per_second"])
    waits = []
    monkeypatch.setattr(sending.time, "sleep", waits.append)
    sending.run_send("email", send.pk)
    assert len(mail.outbox) == 3 and len(waits) == 2 and all(w > 0.5 for w in waits)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_on_postgresql_send_each_message_once(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SKIP LOCKED with real concurrent transactions)")
    send = _email_send(tree.clp_a, 120)
    reports = _in_threads(6, lambda: sending.run_send("email", send.pk, batch_size=7))
    delivered = _delivered_ids()
    assert len(delivered) == 120 and max(delivered.values()) == 1
    assert sum(r["sent"] for r in reports) == 120
    assert sum(1 for r in reports if r["sent"]) > 1, "the work was not shared"
    assert TimelineEntry.objects.filter(kind="email").count() == 120
    assert services.send_stats(send)["sent"] == 120


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_task_enqueued_twice_concurrently_on_postgresql_sends_once(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    send = _email_send(tree.clp_a, 40)
    _in_threads(2, lambda: send_email_task.call(send.pk))
    assert len(mail.outbox) == 40 and max(_delivered_ids().values()) == 1


@pytest.mark.django_db
def test_a_short_lease_of_a_dead_worker_is_waited_for_inline(tree, settings):
    settings.MESSAGING_LEASE_SECONDS = 10
    send = _email_send(tree.clp_a, 3)
    sending.claim(EmailRecipient, send.pk, "dead:1", 1, lease_seconds=10)
    EmailRecipient.objects.filter(lease_owner="dead:1").update(
        lease_until=timezone.now() + datetime.timedelta(seconds=1)
    )
    report = sending.run_send("email", send.pk)
    assert report["sent"] == 3 and len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_long_wait_is_left_to_a_deferred_task_and_resume_sends(tree, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send = _email_send(tree.clp_a, 2)
    sending.claim(EmailRecipient, send.pk, "dead:1", 1)  # a 2-minute lease held by a dead worker
    send_email_task.call(send.pk)  # the task runs the send, then queues its own follow-up
    assert len(mail.outbox) == 1
    follow_up = DBTaskResult.objects.get()
    assert follow_up.run_after is not None and follow_up.run_after > timezone.now()
    # `resume_sends` (cron) re-queues the unfinished send at once; the held row still waits for its lease.
    call_command("resume_sends")
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_message_a_dead_worker_had_in_flight_is_never_resent(tree):
    send = _email_send(tree.clp_a, 3)
    ids = sending.claim(EmailRecipient, send.pk, "dead:1", 10)
    # Killed while handing the first message to the provider: it may have gone, so it must not go again.
    EmailRecipient.objects.filter(pk=ids[0]).update(in_flight_at=timezone.now())
    EmailRecipient.objects.filter(send=send).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    report = sending.run_send("email", send.pk)
    assert report["sent"] == 2 and len(mail.outbox) == 2
    uncertain = EmailRecipient.objects.get(pk=ids[0])
    assert uncertain.status == "failed" and uncertain.error.startswith("uncertain")
    assert uncertain.address not in [m.to[0] for m in mail.outbox]
    assert services.send_stats(send)["failed"] == 1


@pytest.mark.django_db
def test_each_message_is_marked_in_flight_before_the_backend_sees_it(tree, settings):
    """What a SIGKILL at any point would leave behind: the row being sent is always already in flight."""
    settings.EMAIL_BACKEND = "groundswell.messaging.tests.backends.SnoopingBackend"
    from .backends import SnoopingBackend

    SnoopingBackend.seen = []
    send = _email_send(tree.clp_a, 3)
    sending.run_send("email", send.pk)
    assert len(SnoopingBackend.seen) == 3
    for status, in_flight, previous_sent in SnoopingBackend.seen:
        assert status == "sending" and in_flight and previous_sent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_adopting_a_dead_workers_timeline_rows_write_each_entry_once(tree):
    """Seen in the benchmark before the fix: two workers finishing together both wrote the entries of rows a
    killed worker had sent."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises the writers)")
    send = _email_send(tree.clp_a, 60)
    past = timezone.now() - datetime.timedelta(seconds=5)
    EmailRecipient.objects.filter(send=send).update(status="sent", sent_at=past, lease_owner="dead:1", lease_until=past)
    _in_threads(4, lambda: sending.run_send("email", send.pk))
    assert TimelineEntry.objects.filter(kind="email").count() == 60
    assert not EmailRecipient.objects.filter(on_timeline=False).exists()
