"""Background sending through the Django Tasks API (database backend in production; see settings.TASKS).

The sending engine (`sending.run_send`) knows nothing of tasks: a task runs it and, if rows are still open but
not claimable for a while, queues itself again for when they fall due. So the imports run one way:
services -> tasks -> sending.
"""

from __future__ import annotations

import datetime

from django_tasks import default_task_backend, task

from . import sending


@task()
def send_email_task(send_id: int) -> dict[str, int]:
    report = sending.run_send("email", send_id)
    _schedule_follow_up("email", send_id)
    return report


@task()
def send_sms_task(send_id: int) -> dict[str, int]:
    report = sending.run_send("sms", send_id)
    _schedule_follow_up("sms", send_id)
    return report


def _schedule_follow_up(channel_name: str, send_id: int) -> None:
    """Rows still open but not claimable for a while (a long retry delay, or leases held by a worker that may
    have died): queue this task again for when they fall due, where the task backend can defer."""
    due = sending.next_due(sending.CHANNELS[channel_name].recipient_model, send_id)
    if due is None or not default_task_backend.supports_defer:
        return  # `groundswell resume_sends` (run it from cron) picks such sends up
    again = send_email_task if channel_name == "email" else send_sms_task
    again.using(run_after=due + datetime.timedelta(seconds=1)).enqueue(send_id)
