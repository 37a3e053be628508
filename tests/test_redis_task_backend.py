"""The Redis task queue (TASKS_BACKEND=rq, django-tasks-rq) as it runs: one process queues Groundswell's heartbeat
task (now, and again with run_after), a separate `groundswell rqworker` process runs both, and a third reads the
results back through django-tasks, /healthz and /metrics.

Runs on SQLite, or on PostgreSQL when DATABASE_URL points there (in a database of its own, dropped after). Redis
keys live in one Redis database of their own (GROUNDSWELL_TEST_RQ_REDIS_URL, default db 15 on 127.0.0.1), held by
a lock for the run; only RQ's keys there are deleted. Skipped only when that Redis does not answer.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import secrets
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql

import groundswell.settings.base as base

from .stack import BIN, REPO, groundswell, process_env, stop

RQ_REDIS_URL = os.environ.get("GROUNDSWELL_TEST_RQ_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
LOCK = "groundswell-test:rq-backend-lock"  # two checkouts running this test at once share one RQ keyspace

QUEUE = """
import datetime, json
from django.test import Client
from django.utils import timezone
from groundswell.core.tasks import worker_heartbeat
from django_tasks import task_backends
import django_rq

now = worker_heartbeat.enqueue()
# RQ keeps a scheduled time in whole seconds (truncated), so a due time with a fraction could start up to
# that fraction early: queue it on a whole second.
due = (timezone.now() + datetime.timedelta(seconds=2)).replace(microsecond=0)
later = worker_heartbeat.using(run_after=due).enqueue()
metrics = Client().get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer {token}").content.decode()
print(json.dumps({{
    "backend": type(task_backends["default"]).__name__,
    "now": now.id, "later": later.id, "due": due.isoformat(),
    "rq_queued": django_rq.get_queue("default").count,
    "rq_scheduled": django_rq.get_queue("default").scheduled_job_registry.count,
    "timeout": django_rq.get_queue("default").fetch_job(now.id).timeout,
    "healthz": Client().get("/healthz", HTTP_HOST="localhost").json(),
    "depth_samples": [l for l in metrics.splitlines() if l.startswith("groundswell_task_queue_depth{{")],
}}))
"""

CHECK = """
import json, time
from django.test import Client
from django_tasks import default_task_backend
from groundswell.core.models import Heartbeat

ids = {ids!r}
deadline = time.monotonic() + 30
while True:
    results = {{k: default_task_backend.get_result(v) for k, v in ids.items()}}
    if all(r.is_finished for r in results.values()) or time.monotonic() > deadline:
        break
    time.sleep(0.3)
metrics = Client().get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer {token}").content.decode()
print(json.dumps({{
    "status": {{k: r.status.name for k, r in results.items()}},
    "returned": {{k: r.return_value if r.status.name == "SUCCESSFUL" else None for k, r in results.items()}},
    "errors": {{k: [e.traceback for e in r.errors] for k, r in results.items()}},
    "started": {{k: r.started_at.isoformat() if r.started_at else None for k, r in results.items()}},
    "heartbeat": Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first().isoformat(),
    "healthz": Client().get("/healthz", HTTP_HOST="localhost").json(),
    "worker_age": [l for l in metrics.splitlines() if l.startswith("groundswell_worker_last_seen_age_seconds ")],
}}))
"""


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def rq_redis():
    """The test's own Redis database, locked for the run; RQ's keys there are cleared before and after."""
    client = redis.Redis.from_url(RQ_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis answering at {RQ_REDIS_URL} ({error})")
    lock = client.lock(LOCK, timeout=120, blocking_timeout=90)
    if not lock.acquire():
        pytest.fail(f"another run held {LOCK} in {RQ_REDIS_URL} for 90 s")

    def clear() -> None:
        for key in client.scan_iter("rq:*"):
            client.delete(key)

    clear()
    try:
        yield RQ_REDIS_URL
    finally:
        clear()
        lock.release()


@pytest.fixture
def database_url(tmp_path):
    """A fresh database: a SQLite file, or one of its own on DATABASE_URL's PostgreSQL server, dropped after."""
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'rq.sqlite3'}"
        return
    name = f"gs_rq_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(DATABASE_URL)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_task_queued_in_redis_is_run_by_a_separate_rq_worker(rq_redis, database_url, tmp_path):
    token = secrets.token_urlsafe(16)
    env = process_env(
        DJANGO_SETTINGS_MODULE="groundswell.settings.development",
        DATABASE_URL=database_url,
        TASKS_BACKEND="rq",
        TASKS_REDIS_URL=rq_redis,
        REDIS_URL="",  # the cache stays in-process: only the task queue is under test
        METRICS_TOKEN=token,
        GROUNDSWELL_VAR_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    groundswell(env, "migrate", "--noinput", "-v0")

    queued = last_json(groundswell(env, "shell", "-c", QUEUE.format(token=token)))
    assert queued["backend"] == "RQBackend"
    # Queued in Redis, not in the database: one job waiting, one held by the scheduler until its run_after.
    assert (queued["rq_queued"], queued["rq_scheduled"]) == (1, 1)
    assert queued["timeout"] == -1  # no time limit, as under db_worker
    assert queued["healthz"]["worker"] == "stale"  # no worker has run anything yet
    # The queue-depth gauges count django-tasks-db's table, so they cannot see Redis's queue.
    assert queued["depth_samples"] == []

    log = (tmp_path / "rqworker.log").open("w")
    worker = subprocess.Popen(
        [str(BIN / "groundswell"), "rqworker", "default", "--with-scheduler"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        checked = last_json(
            groundswell(
                env, "shell", "-c", CHECK.format(ids={"now": queued["now"], "later": queued["later"]}, token=token)
            )
        )
    finally:
        stop(worker)
        log.close()
    worker_log = (tmp_path / "rqworker.log").read_text()

    assert checked["status"] == {"now": "SUCCESSFUL", "later": "SUCCESSFUL"}, (checked["errors"], worker_log)
    # The task's effect landed in the database: the worker's heartbeat row, which /healthz and /metrics read.
    at = {key: datetime.datetime.fromisoformat(value) for key, value in checked["returned"].items()}
    heartbeat = datetime.datetime.fromisoformat(checked["heartbeat"])
    assert at["now"] <= at["later"] == heartbeat
    # The scheduler held the second one until it was due.
    assert datetime.datetime.fromisoformat(checked["started"]["later"]) >= datetime.datetime.fromisoformat(
        queued["due"]
    )
    assert checked["healthz"]["worker"] == "ok"
    assert checked["healthz"]["last_worker_seen"] == checked["heartbeat"]
    assert len(checked["worker_age"]) == 1 and float(checked["worker_age"][0].split()[-1]) < 60


def reload_base(monkeypatch, **env: str):
    """groundswell.settings.base as the environment `env` makes it (reloaded back by the caller's undo)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(base)


@pytest.fixture
def restore_base(monkeypatch):
    yield
    monkeypatch.undo()
    importlib.reload(base)


def test_the_database_queue_stays_the_default(monkeypatch, restore_base):
    monkeypatch.delenv("TASKS_BACKEND", raising=False)
    settings = reload_base(monkeypatch, REDIS_URL="redis://cache.example.org:6379/0")
    assert settings.TASKS == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert "django_rq" not in settings.INSTALLED_APPS and not hasattr(settings, "RQ_QUEUES")


def test_tasks_backend_rq_switches_the_queue_to_redis(monkeypatch, restore_base):
    settings = reload_base(monkeypatch, TASKS_BACKEND="rq", REDIS_URL="redis://cache.example.org:6379/0")
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert "django_rq" in settings.INSTALLED_APPS
    assert settings.RQ_QUEUES == {"default": {"URL": "redis://cache.example.org:6379/0", "DEFAULT_TIMEOUT": -1}}
    assert settings.RQ == {"JOB_CLASS": "django_tasks_rq.Job"}
    # Its own Redis database (or server) when TASKS_REDIS_URL names one.
    settings = reload_base(monkeypatch, TASKS_REDIS_URL="redis://queue.example.org:6379/1")
    assert settings.RQ_QUEUES["default"]["URL"] == "redis://queue.example.org:6379/1"


def test_tasks_backend_rq_without_a_redis_url_is_refused(monkeypatch, restore_base):
    monkeypatch.delenv("TASKS_REDIS_URL", raising=False)
    with pytest.raises(ImproperlyConfigured, match="TASKS_REDIS_URL or REDIS_URL"):
        reload_base(monkeypatch, TASKS_BACKEND="rq", REDIS_URL="")


def test_production_profile_with_the_redis_queue_passes_check_deploy():
    env = process_env(
        DJANGO_SETTINGS_MODULE="groundswell.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="campaign.example.org",
        # Nothing connects during the check.
        DATABASE_URL="postgres://groundswell@db.example.org:5432/groundswell",
        REDIS_URL="redis://cache.example.org:6379/0",
        TASKS_BACKEND="rq",
        TASKS_REDIS_URL="redis://queue.example.org:6379/1",
    )
    assert "no issues" in groundswell(env, "check", "--deploy", "--fail-level", "WARNING")
