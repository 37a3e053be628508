"""`make run`: one command starts the web server, the task worker and the scheduler (honcho and the Procfile),
and a call list built from its page fills with nothing else running; one Ctrl-C stops all three."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.urls import reverse

from groundswell.loadgen import free_port

from .stack import BIN, REPO, Browser, groundswell, process_env, stop, wait_for

SET_UP = """
import json
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from groundswell.phonebank.tests.world import build_world
from groundswell.tests.factories import PersonFactory, PhoneFactory

world = build_world(people=2)
for i in range(3):  # three more contactable people: the build must add them
    PhoneFactory(person=PersonFactory(unit=world.clp), number=f"+44770098{i:04d}")
secret = generate_totp_secret()
TOTP.activate(world.organiser, secret)
print(json.dumps({"campaign": world.campaign.pk, "email": world.organiser.email, "secret": secret}))
"""


def procfile() -> dict[str, str]:
    entries = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def test_the_procfile_runs_web_worker_and_scheduler_and_make_run_uses_it_on_port():
    entries = procfile()
    assert set(entries) == {"web", "worker", "scheduler"}
    assert "$PORT" in entries["web"]
    assert entries["worker"].startswith("groundswell db_worker")
    assert entries["scheduler"].startswith("groundswell scheduler")
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8010"], cwd=REPO, capture_output=True, text=True, timeout=30
    ).stdout
    assert re.search(r"honcho start --procfile Procfile --port 8010", dry_run), dry_run


def processes_of(marker: str) -> list[int]:
    """Live processes (not zombies) whose environment carries `marker`: every descendant, however spawned."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                if (proc / "stat").read_text().split(") ", 1)[1][0] != "Z":
                    found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


@pytest.mark.skipif(not (BIN / "honcho").exists(), reason="honcho is installed by `make setup`")
def test_make_run_builds_a_call_list_from_its_page_and_one_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = process_env(
        DJANGO_SETTINGS_MODULE="groundswell.settings.development",
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        GROUNDSWELL_VAR_DIR=str(tmp_path),
        SCHEDULER_INTERVAL="2",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    env.pop("REDIS_URL", None)
    groundswell(env, "migrate", "--noinput")
    world = json.loads(groundswell(env, "shell", "-c", SET_UP).strip().splitlines()[-1])

    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start", "--procfile", "Procfile", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(lambda: browser.get("/healthz").status_code == 200, 40, "the web server")
        signed_in = browser.sign_in(world["email"], totp_secret=world["secret"])
        assert signed_in.status_code == 302, signed_in.text[:2000]

        campaign_page = reverse("phonebank:campaign", args=[world["campaign"]])
        started = browser.post_form(campaign_page, {}, action=reverse("phonebank:build", args=[world["campaign"]]))
        assert started.status_code == 302 and "?build=" in started.headers["Location"], started.text[:2000]
        result_id = started.headers["Location"].split("?build=")[1]
        status_path = reverse("phonebank:build_status", args=[world["campaign"], result_id])
        done = wait_for(
            lambda: "Call list built" in (text := browser.get(status_path).text) and text, 40, "the worker's build"
        )
        assert "3 added" in done
        # The scheduler queued its heartbeat and the worker ran it: /healthz sees both.
        health = wait_for(
            lambda: (body := browser.get("/healthz").json())["last_scheduler_seen"] and body, 20, "the scheduler"
        )
        assert health["worker"] == "ok"
        marker = f"GROUNDSWELL_VAR_DIR={tmp_path}"
        assert len(processes_of(marker)) >= 4  # honcho and its three
    finally:
        # Ctrl-C: honcho passes it on to every process and waits for them.
        stop(honcho, signal.SIGINT)
        log.close()
    output = (tmp_path / "honcho.log").read_text()
    assert all(f"{name}.1 stopped" in output for name in ("web", "worker", "scheduler")), output
    deadline = time.monotonic() + 10
    while processes_of(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_of(marker), output
