"""Operations endpoints and the scheduler: /healthz, /metrics, /favicon.ico, JSON logs, deploy checks."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from groundswell.audit import checkpoints
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.core import health
from groundswell.core.jsonlog import JsonFormatter
from groundswell.core.management.commands import scheduler
from groundswell.core.models import Heartbeat
from groundswell.core.tasks import worker_heartbeat
from groundswell.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# ------------------------------------------------------------------------------------------ /healthz


def test_healthz_says_stale_until_a_worker_has_run_a_task(client):
    body = client.get("/healthz").json()
    assert body == {"database": "ok", "worker": "stale", "last_worker_seen": None, "last_scheduler_seen": None}
    worker_heartbeat.call()  # what the worker does when it runs the scheduler's heartbeat task
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "ok"
    assert response.json()["last_worker_seen"] == Heartbeat.objects.get(name="worker").seen_at.isoformat()


def test_healthz_counts_any_finished_task_as_the_worker_seen(client):
    finished = timezone.now() - datetime.timedelta(seconds=30)
    DBTaskResult.objects.create(
        task_path="x.y",
        args_kwargs={"args": [], "kwargs": {}},
        status=TaskResultStatus.SUCCESSFUL,
        run_after=finished,
        finished_at=finished,
        backend_name="default",
    )
    assert client.get("/healthz").json()["worker"] == "ok"


@override_settings(WORKER_STALE_SECONDS=600)
def test_a_worker_quiet_for_longer_than_the_threshold_is_stale(client):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - datetime.timedelta(seconds=601))
    assert client.get("/healthz").json()["worker"] == "stale"
    Heartbeat.objects.filter(name="worker").update(seen_at=timezone.now() - datetime.timedelta(seconds=599))
    assert client.get("/healthz").json()["worker"] == "ok"


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "worker_last_seen", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response["Cache-Control"].startswith("max-age=0")


# ------------------------------------------------------------------------------------------ /metrics


def test_metrics_do_not_exist_for_the_public_and_refuse_a_wrong_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    client.force_login(UserFactory(is_staff=False))
    assert client.get("/metrics").status_code == 404


def test_no_token_configured_means_no_bearer_gets_in(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_count_requests_queue_depth_and_age(client, settings):
    # Both through the fixture: an @override_settings around it would be undone out of order and leak TASKS.
    settings.TASKS = DB_TASKS
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    client.get("/healthz")
    worker_heartbeat.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=90))
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'groundswell_http_requests_total{method="GET",status="200",view="core:healthz"}' in text
    assert 'groundswell_http_request_duration_seconds_bucket{le="0.005",method="GET",view="core:healthz"}' in text
    assert 'groundswell_task_queue_depth{queue="default"} 1.0' in text
    age = next(line for line in text.splitlines() if line.startswith("groundswell_task_queue_oldest_age_seconds"))
    assert 89 <= float(age.split()[-1]) < 200
    assert 'groundswell_tasks{queue="default",status="ready"} 1.0' in text
    assert 'groundswell_messages{channel="email",status="sent"} 0.0' in text
    assert 'groundswell_phonebank_targets{state="open"} 0.0' in text
    assert "groundswell_phonebank_assigned 0.0" in text


def test_staff_may_read_the_metrics_without_a_token(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"groundswell_worker_last_seen_age_seconds" in response.content


# ------------------------------------------------------------------------------------------ favicon


def test_favicon_is_linked_and_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/img/favicon.ico"
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in page


# ------------------------------------------------------------------------------------------ scheduler


@override_settings(TASKS=DB_TASKS)
def test_one_scheduler_round_runs_every_job_and_queues_the_worker_heartbeat():
    call_command("scheduler", once=True)
    assert DBTaskResult.objects.filter(task_path__endswith="worker_heartbeat").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="complaints_housekeeping").count() == 1
    assert Heartbeat.objects.filter(name="scheduler").exists()


def test_a_failing_job_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran = []

    def broken() -> str:
        raise RuntimeError("reminders exploded")

    monkeypatch.setattr(
        scheduler,
        "jobs",
        lambda: [("event_reminders", broken), ("resume_sends", lambda: ran.append("resume") or "ok")],
    )
    with caplog.at_level(logging.INFO, logger="groundswell.scheduler"):
        results = scheduler.run_round()
    assert results == {"event_reminders": False, "resume_sends": True}
    assert ran == ["resume"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "event_reminders" in failure.getMessage() and "reminders exploded" in failure.exc_text


def test_a_scheduler_round_anchors_the_audit_log_in_the_checkpoint_file():
    names = [name for name, _ in scheduler.jobs()]
    assert names == [
        "event_reminders",
        "resume_sends",
        "spending reminders",
        "dues daily",
        "donations reminders",
        "selections reminders",
        "audit checkpoint",
        "worker heartbeat",
        "complaints housekeeping",
    ]
    record("viewed", actor=UserFactory(), object_type="test", object_id=1)
    before = checkpoints.latest_checkpoint()
    with override_settings(TASKS=DB_TASKS):
        results = scheduler.run_round()
    assert results["audit checkpoint"] is True
    latest = checkpoints.latest_checkpoint()
    assert latest is not None and latest != before
    assert latest.count == AuditEntry.objects.count()


# ------------------------------------------------------------------------------------------ logs and checks


def test_json_log_lines_carry_level_logger_extra_fields_and_the_traceback():
    record = logging.LogRecord("groundswell.x", logging.ERROR, __file__, 1, "sent %s", (3,), None)
    record.send_id = 42
    try:
        raise ValueError("boom")
    except ValueError:
        import sys  # only here: the formatter needs the live exception

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["logger"] == "groundswell.x" and line["message"] == "sent 3"
    assert line["send_id"] == 42 and "ValueError: boom" in line["exception"]
    assert line["time"].endswith("+00:00")


def test_check_deploy_warns_when_lockouts_would_be_counted_per_process(settings):
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "groundswell.W001" in ids
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/9"}
    }
    assert "groundswell.W001" not in {m.id for m in run_checks(include_deployment_checks=True)}
