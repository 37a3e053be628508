"""Background sending through the Django Tasks API (database backend in production; see settings.TASKS)."""

from __future__ import annotations

from django_tasks import task

from . import sending


@task()
def send_email_task(send_id: int) -> dict[str, int]:
    return sending.run_send("email", send_id)


@task()
def send_sms_task(send_id: int) -> dict[str, int]:
    return sending.run_send("sms", send_id)
