"""Reminders 24 h and 2 h before: due ones are sent by the sweep or a deferred task, each exactly once however
often either runs (a restarted worker re-running a task included); cancelled places get none."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from groundswell.events import tasks
from groundswell.events.models import RSVP, ReminderDelivery
from groundswell.events.services import reminders, rsvps

from .world import EventFactory

pytestmark = pytest.mark.django_db


def _booking(starts_in: datetime.timedelta) -> RSVP:
    event = EventFactory(starts_at=timezone.now() + starts_in)
    return rsvps.rsvp(event, given_name="Ada", email=f"ada{event.pk}@example.org", notify_person=False).rsvp


def test_sweep_sends_each_due_reminder_once():
    day = _booking(datetime.timedelta(hours=20))
    soon = _booking(datetime.timedelta(hours=1))
    later = _booking(datetime.timedelta(days=3))
    mail.outbox.clear()
    first = reminders.send_due_reminders()
    assert first == {"24h": 2, "2h": 1}
    assert reminders.send_due_reminders() == {"24h": 0, "2h": 0}
    assert len(mail.outbox) == 3
    kinds = set(ReminderDelivery.objects.values_list("rsvp_id", "kind"))
    assert kinds == {(day.pk, "24h"), (soon.pk, "24h"), (soon.pk, "2h")}
    assert not ReminderDelivery.objects.filter(rsvp=later).exists()
    assert all(d.sent_at for d in ReminderDelivery.objects.all())


def test_a_task_run_again_after_a_restart_does_not_resend():
    booking = _booking(datetime.timedelta(hours=1, minutes=30))
    mail.outbox.clear()
    assert tasks.send_reminder.call(booking.pk, "2h") is True
    assert tasks.send_reminder.call(booking.pk, "2h") is False  # the same task delivered twice
    reminders.send_due_reminders()
    assert sum("Reminder" in m.subject and "soon" in m.subject for m in mail.outbox) == 1


def test_not_due_yet_or_cancelled_gets_nothing():
    booking = _booking(datetime.timedelta(hours=30))
    assert reminders.deliver_reminder(booking.pk, "24h") is False
    rsvps.cancel_rsvp(booking)
    now = booking.event.starts_at - datetime.timedelta(hours=1)
    assert reminders.deliver_reminder(booking.pk, "2h", now=now) is False
    assert not ReminderDelivery.objects.exists()


def test_a_failed_send_releases_its_claim_for_a_retry():
    booking = _booking(datetime.timedelta(hours=1))
    with mock.patch("groundswell.events.notify.reminder", side_effect=OSError("smtp down")):
        with pytest.raises(OSError):
            reminders.deliver_reminder(booking.pk, "2h")
    assert not ReminderDelivery.objects.exists()
    assert reminders.deliver_reminder(booking.pk, "2h") is True


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_rsvp_queues_deferred_reminder_tasks_when_the_backend_can_defer():
    from django_tasks_db.models import DBTaskResult

    booking = _booking(datetime.timedelta(days=2))
    rows = DBTaskResult.objects.filter(task_path="groundswell.events.tasks.send_reminder")
    runs = sorted((r.args_kwargs["args"][1], r.run_after) for r in rows)
    assert [k for k, _ in runs] == ["24h", "2h"]
    assert dict(runs)["2h"] == booking.event.starts_at - datetime.timedelta(hours=2)


def test_the_cron_command_prints_what_it_sent(capsys):
    from django.core.management import call_command

    _booking(datetime.timedelta(hours=1))
    call_command("event_reminders")
    call_command("event_reminders")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ['{"24h": 1, "2h": 1}', '{"24h": 0, "2h": 0}']
