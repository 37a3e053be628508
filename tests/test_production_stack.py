"""The production settings as they run: two gunicorn servers, one task worker, PostgreSQL and Redis.

Checks what only holds ACROSS processes: a login lockout and a public survey's rate limit counted through one
server hold on the other (the shared Redis cache), an email send queued through one server is delivered by
the worker, and /healthz on each sees the worker. Runs against a database it creates on DATABASE_URL's server
and its own Redis key prefix, and drops both after. Skipped only without PostgreSQL or Redis.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.urls import reverse
from psycopg import sql

from groundswell.loadgen import free_port

from .stack import BIN, REPO, Browser, groundswell, process_env, stop, wait_for

pytestmark = pytest.mark.postgres

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("GROUNDSWELL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SURVEY_LIMIT = 3


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


SET_UP = """
import json
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from groundswell.messaging import services as messaging
from groundswell.messaging.tests.helpers import contact
from groundswell.people.models import Person
from groundswell.surveys.tests.world import build_world
from groundswell.tests.factories import Role, user_with_role

world = build_world()
secret = generate_totp_secret()
TOTP.activate(world.organiser, secret)
people = [contact(world.units.clp_a) for _ in range(3)]
send = messaging.create_email_send(
    unit=world.units.clp_a, subject="Canvass Saturday", body_text="Hi {{ given_name }}",
    people=Person.objects.filter(pk__in=[p.pk for p in people]), actor=world.organiser,
)
volunteer = user_with_role(Role.VOLUNTEER, world.units.clp_a, email="lockout@example.org")
print(json.dumps({"organiser": world.organiser.email, "secret": secret, "send": send.pk, "survey": world.survey.slug}))
"""


@pytest.fixture
def stack_database():
    """A database of its own on DATABASE_URL's server, dropped afterwards."""
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL=postgres://… (the production stack runs on PostgreSQL)")
    if not redis_answers():
        pytest.skip(f"needs Redis answering at {REDIS_URL}")
    name = f"gs_stack_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(DATABASE_URL)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def cache_prefix():
    prefix = f"gs-stack-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_two_servers_and_a_worker_share_lockouts_limits_sends_and_health(stack_database, cache_prefix, tmp_path):
    metrics_token = secrets.token_urlsafe(24)
    env = process_env(
        DJANGO_SETTINGS_MODULE="groundswell.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=stack_database,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=cache_prefix,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        SURVEYS_PUBLIC_RATE_LIMIT=str(SURVEY_LIMIT),
        METRICS_TOKEN=metrics_token,
        GROUNDSWELL_VAR_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    started = time.monotonic()
    # As a deploy does: migrate, and collect the static files (into GROUNDSWELL_VAR_DIR) for WhiteNoise.
    collecting = subprocess.Popen(
        [str(BIN / "groundswell"), "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, stderr=subprocess.PIPE
    )
    groundswell(env, "migrate", "--noinput")
    assert collecting.wait(60) == 0, collecting.stderr.read()
    set_up = time.monotonic()
    world = json.loads(groundswell(env, "shell", "-c", SET_UP).strip().splitlines()[-1])

    def recipient_statuses(send: int) -> list[str]:
        with psycopg.connect(stack_database) as conn:
            rows = conn.execute("SELECT status FROM messaging_emailrecipient WHERE send_id = %s", [send])
            return sorted(status for (status,) in rows)

    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        for n, port in enumerate(ports):
            metrics_dir = tmp_path / f"metrics-{n}"  # one per server, as on two machines
            log = (tmp_path / f"web-{n}.log").open("w")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                    cwd=REPO,
                    env={
                        **env,
                        "GUNICORN_BIND": f"127.0.0.1:{port}",
                        "GUNICORN_WORKERS": "2",
                        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                    },
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        worker_log = (tmp_path / "worker.log").open("w")
        logs.append(worker_log)
        processes.append(
            subprocess.Popen(
                [str(BIN / "groundswell"), "db_worker", "--interval", "0.2", "--no-startup-delay"],
                cwd=REPO,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        a, b = (Browser(f"http://127.0.0.1:{port}", https=True) for port in ports)
        for server in (a, b):
            wait_for(lambda s=server: s.get("/healthz").status_code == 200, 40, "gunicorn to answer")

        # (a) Five wrong passwords through A lock the account on B too, even with the right password.
        for _ in range(5):
            wrong = a.post_form("/accounts/login/", {"login": "lockout@example.org", "password": "not-the-password"})
            assert wrong.status_code == 200 and "Too many failed" not in wrong.text
        refused = b.sign_in("lockout@example.org")
        assert refused.status_code == 200 and "Too many failed login attempts" in refused.text

        # (b) The public survey link's limit is counted once across both servers.
        survey = reverse("surveys:public", args=[world["survey"]])
        answer = {"q_do_you_or_your_family_use_social_care": "no"}
        for server in (a, b, a):
            assert server.post_form(survey, answer).status_code == 302
        assert b.post_form(survey, answer).status_code == 429
        assert a.post_form(survey, answer).status_code == 429

        # (c) An email send queued through A is delivered by the worker.
        organiser = a.sign_in(world["organiser"], totp_secret=world["secret"])
        assert organiser.status_code == 302 and "/2fa/" not in organiser.headers["Location"], organiser.text[:1000]
        send_page = reverse("messaging:send", args=["email", world["send"]])
        queued = a.post_form(send_page, {}, action=reverse("messaging:send_queue", args=["email", world["send"]]))
        assert queued.status_code == 302, queued.text[:1000]
        statuses = wait_for(
            lambda: not {"queued", "sending"} & set(s := recipient_statuses(world["send"])) and s, 40, "the sending"
        )
        assert statuses == ["sent", "sent", "sent"]

        # (d) Both servers' /healthz see the worker (plain HTTP from the inside: exempt from the HTTPS redirect).
        # The task's own row is marked finished just after its last recipient: allow it a moment.
        for port in ports:
            inside = Browser(f"http://127.0.0.1:{port}")
            health = wait_for(lambda i=inside: (r := i.get("/healthz").json())["worker"] == "ok" and r, 10, "health")
            assert health["database"] == "ok" and health["last_worker_seen"]

        # Metrics add up both gunicorn workers' counts on each server and read the sends from the database.
        assert a.get("/metrics").status_code == 404
        scrape = Browser(f"http://127.0.0.1:{ports[0]}").get(
            "/metrics", headers={"Authorization": f"Bearer {metrics_token}"}
        )
        assert scrape.status_code == 200
        assert 'groundswell_messages{channel="email",status="sent"} 3.0' in scrape.text
        logins = [
            line
            for line in scrape.text.splitlines()
            if line.startswith('groundswell_http_requests_total{method="POST",status="200",view="account_login"}')
        ]
        assert logins and float(logins[0].split()[-1]) == 5.0
    finally:
        for process in processes:
            stop(process)
        for log in logs:
            log.close()
    # Migrating a fresh PostgreSQL database is most of the set-up (about a minute on a busy 2-core machine);
    # the servers, the worker and every check after it are bounded at two minutes.
    assert time.monotonic() - set_up < 120, f"set-up {set_up - started:.0f} s, then {time.monotonic() - set_up:.0f} s"


def test_collectstatic_succeeds_with_the_production_settings(tmp_path):
    """Deploys run it first; a package's JS naming a source map it does not ship once failed it."""
    env = process_env(
        DJANGO_SETTINGS_MODULE="groundswell.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        GROUNDSWELL_VAR_DIR=str(tmp_path),
    )
    groundswell(env, "collectstatic", "--noinput")
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert manifest["paths"]["img/favicon.ico"].startswith("img/favicon.")
    assert (tmp_path / "static" / manifest["paths"]["css/groundswell.css"]).with_suffix(".css.gz").exists()
