"""`groundswell bench phonebank --callers N --contacts M --minutes T [--fault] [--database-url …]`

1. Seeds a scratch database: M people with phone numbers on one call campaign's list (a few of them put on
   the do-not-call/TPS lists *after* the list was built, which assignment must honour), N callers with seats in
   one phonebank session.
2. Starts the app under gunicorn (gthread workers, as in production) on 127.0.0.1.
3. A sample of callers goes through the real pages (session login, the join form, the call page that issues the
   seat token); the rest get their seat tokens minted the same way directly (rendering 20,000 call pages first
   would only measure the set-up).
4. For T minutes every caller presses 'next', "talks" for a random time drawn from a realistic outcome mix,
   and submits (result + next call in one request), retrying on errors with the same client id as the page does.
5. A short saturation phase (a few callers with no talk time) finds the app's assignment capacity; the same
   number of connections then saturate the bare Django request (`/healthz`) on the same server, the HTTP stack's
   own limit (`http_limit_per_s`, and `ratio_to_http`); and a raw phase runs the claim SQL in a loop straight
   against the database: `ratio_to_raw` is the app's capacity over that raw rate.
6. `EXPLAIN (ANALYZE, BUFFERS)` of the claim on the queue as the run left it (rolled back), and
   `callers_at_p99_100ms`: short runs stepping the caller count up (`--steps`) until the worst endpoint's p99
   passes 100 ms.
7. Checks the database: every acknowledged result stored once, no contact held by two callers at once, none
   called outside the window, beyond max attempts, before its retry delay, or after being suppressed.

`--fault`: kills one app worker a third of the way through and restarts PostgreSQL two thirds of the way
(`--db-restart-command`, default `pg_ctlcluster <version> main restart`); the checks must still all be zero.
"""

from __future__ import annotations

import asyncio
import datetime
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from groundswell.accounts.models import User
from groundswell.db.bulk import allocate_ids, insert_with_defaults
from groundswell.loadgen import HOST, Pool, RequestFailed, percentile, start_gunicorn, stop_server
from groundswell.people.models import OrganisationUnit, Person, PhoneNumber, Suppression
from groundswell.questions.models import Question, QuestionSet

from . import queue, rules
from . import seats as seat_tokens
from .models import CallAttempt, CallCampaign, CallTarget, PhonebankSession, SessionCaller

DEFAULT_CALLERS = 20_000
DEFAULT_CONTACTS = 500_000
DEFAULT_MINUTES = 3.0
REAL_LOGINS = 20  # callers who go through the real login → join → call page flow
SUPPRESSED_AFTER_BUILD = 200
POOL_CONNECTIONS = 64
SATURATION_SECONDS = 15
SATURATION_CALLERS = 48
RAW_SECONDS = 5
RAW_THREADS = 8
HTTP_SECONDS = 10
STEP_SECONDS = 60
DEFAULT_STEPS = (1000, 2000, 4000, 7000, 10000, 15000, 20000, 25000, 30000)
P99_LIMIT_MS = 100.0

# (outcome, share, talk seconds low, high): a voter-ID call round — half the numbers do not answer; a quick
# script when they do. Mean cycle ≈ 20 s, so 20,000 callers offer ≈ 1,000 requests a second.
OUTCOME_MIX = [
    ("no_answer", 0.50, 10, 20),
    ("busy", 0.10, 2, 5),
    ("voicemail", 0.10, 15, 25),
    ("wrong_number", 0.03, 5, 10),
    ("refused", 0.05, 5, 15),
    ("completed", 0.20, 20, 70),
    ("call_back", 0.02, 10, 20),
]
# Short retry delays so retries happen inside a few minutes' run (and can be checked).
BENCH_RETRY = {
    "no_answer": 1,
    "busy": 1,
    "voicemail": 1,
    "call_back": "requested",
    "completed": None,
    "wrong_number": None,
    "refused": None,
    "do_not_call": None,
    "deceased": None,
}


def _now() -> datetime.datetime:
    return timezone.now()


# ------------------------------------------------------------------------------------------ seeding


@dataclass
class World:
    campaign: Any
    session: Any
    seats: list[tuple[int, int]]  # (user id, seat id)
    suppressed_targets: set[int]
    window: tuple[datetime.time, datetime.time]


def seed(contacts: int, callers: int, minutes: float, progress: bool) -> World:
    unit = OrganisationUnit.objects.create(code="BENCH-CLP", name="Bench CLP", kind="constituency")
    london = ZoneInfo("Europe/London")
    local = _now().astimezone(london)
    # A window around the run (the check then proves nothing is assigned outside it).
    start = (local - datetime.timedelta(minutes=10)).time().replace(second=0, microsecond=0)
    end = (local + datetime.timedelta(minutes=minutes + 15)).time().replace(second=0, microsecond=0)
    script = QuestionSet.objects.create(unit=unit, name="Bench script", purpose=QuestionSet.Purpose.CALL)
    Question.objects.create(
        question_set=script,
        key="intention",
        text="Will you vote for us?",
        kind=Question.Kind.SINGLE,
        order=1,
        required=True,
        branches={"against": "end"},
        choices=[{"value": v, "label": v} for v in ("yes", "maybe", "against")],
    )
    Question.objects.create(
        question_set=script, key="volunteer", text="Would you help?", kind=Question.Kind.YES_NO, order=2
    )
    campaign = CallCampaign.objects.create(
        unit=unit,
        name="Bench call round",
        status=CallCampaign.Status.ACTIVE,
        question_set=script,
        purpose="promotion",
        window_start=start,
        window_end=end,
        max_attempts=3,
        retry_rules=BENCH_RETRY,
        lease_minutes=15,
    )
    session = PhonebankSession.objects.create(campaign=campaign, title="Bench session")

    person_ids = allocate_ids(Person, contacts)
    insert_with_defaults(
        Person,
        ["id", "unit", "given_name", "family_name", "synthetic"],
        [(pk, unit.pk, f"Bench{pk}", "Person", True) for pk in person_ids],
    )
    # Ofcom's drama range has only 1,000 mobile numbers; the benchmark needs more, so it uses distinct
    # well-formed +447… numbers that are never dialled.
    insert_with_defaults(
        PhoneNumber,
        ["person", "number", "kind", "primary"],
        [(pk, f"+447{pk:09d}", "mobile", True) for pk in person_ids],
    )
    target_ids = allocate_ids(CallTarget, contacts)
    now = _now()
    insert_with_defaults(
        CallTarget,
        ["id", "campaign", "person", "phone", "priority", "state", "available_at"],
        [
            (tid, campaign.pk, pk, f"+447{pk:09d}", 100 + (i % 3), "open", now)
            for i, (tid, pk) in enumerate(zip(target_ids, person_ids, strict=True))
        ],
    )
    # Suppressed after the list was built, spread through the queue: assignment must skip them.
    rng = random.Random(7)
    chosen = rng.sample(range(min(contacts, 50_000)), min(SUPPRESSED_AFTER_BUILD, contacts // 10))
    suppressed = set()
    rows = []
    for n, i in enumerate(chosen):
        kind = "tps" if n % 2 else "do_not_contact"
        rows.append(
            (
                kind,
                None if kind == "tps" else person_ids[i],
                "" if kind != "tps" else f"+447{person_ids[i]:09d}",
                "bench",
                "bench",
            )
        )
        suppressed.add(target_ids[i])
    insert_with_defaults(Suppression, ["kind", "person", "phone", "reason", "source"], rows)

    user_ids = allocate_ids(User, callers)
    insert_with_defaults(
        User,
        ["id", "email", "password", "is_active"],
        [(uid, f"caller{uid}@bench.example", "!", True) for uid in user_ids],
    )
    seat_ids = allocate_ids(SessionCaller, callers)
    insert_with_defaults(
        SessionCaller,
        ["id", "session", "user"],
        [(sid, session.pk, uid) for sid, uid in zip(seat_ids, user_ids, strict=True)],
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return World(campaign, session, list(zip(user_ids, seat_ids, strict=True)), suppressed, (start, end))


# ------------------------------------------------------------------------------------------ server


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def real_login_seats(world: World, port: int, count: int) -> dict[int, str]:
    """Seat tokens obtained the way a volunteer gets one: signed in, join form, call page."""
    seats = {}
    token = world.session.token
    for user_id, _seat in world.seats[:count]:
        client = Client()
        client.force_login(User.objects.get(pk=user_id))
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

        def get(path: str, headers: dict) -> tuple[int, Any, str]:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            body = r.read().decode()
            conn.close()
            return r.status, r.headers, body

        status, headers, _ = get(f"/phonebank/join/{token}/", {"Cookie": cookie})
        jar = SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            jar.load(value)
        csrf = jar[settings.CSRF_COOKIE_NAME].value
        cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf}"
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request(
            "POST",
            f"/phonebank/join/{token}/",
            body=f"csrfmiddlewaretoken={csrf}",
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{port}/",
            },
        )
        r = conn.getresponse()
        r.read()
        conn.close()
        if r.status != 302:
            raise RuntimeError(f"join answered {r.status}")
        status, _, page = get(f"/phonebank/call/{token}/", {"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"call page answered {status}")
        config = json.loads(re.search(r'id="phonebank-config" type="application/json">(.*?)</script>', page).group(1))
        seats[user_id] = config["seat"]
    return seats


# ------------------------------------------------------------------------------------------ callers


@dataclass
class Record:
    acked: set[tuple[int, str]] = field(default_factory=set)  # (user id, client id) acknowledged
    leases: dict[tuple[int, int], set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )  # (target, lease) → callers
    assignments: int = 0
    submissions: int = 0
    request_failures: int = 0
    server_errors: int = 0


def _pick(rng: random.Random) -> tuple[str, float]:
    x = rng.random()
    for outcome, share, low, high in OUTCOME_MIX:
        if x < share:
            return outcome, rng.uniform(low, high)
        x -= share
    return OUTCOME_MIX[0][0], 15.0


async def _call(pool: Pool, rec: Record, name: str, path: str, seat: str, body: dict, until: float) -> dict | None:
    """POST until answered (as the page does: same body, so the same client id), or give up at `until`."""
    wait = 0.5
    while True:
        try:
            status, data = await pool.request(name, "POST", path, {"X-Caller-Seat": seat}, body)
        except RequestFailed:
            rec.request_failures += 1
            status, data = 0, None
        if status == 200:
            return data
        if status >= 500 or status == 0:
            rec.server_errors += status >= 500
            if time.monotonic() > until:
                return None
            await asyncio.sleep(wait)
            wait = min(wait * 2, 5)
            continue
        raise RuntimeError(f"{name} answered {status}: {data}")


def _note(rec: Record, user_id: int, data: dict | None) -> dict | None:
    call = (data or {}).get("call")
    if call:
        rec.leases[(call["target"], call["lease"])].add(user_id)
        rec.assignments += 1
    return call


async def caller(
    pool: Pool,
    rec: Record,
    token: str,
    user_id: int,
    seat: str,
    start_at: float,
    end_at: float,
    rng: random.Random,
    think: bool = True,
) -> None:
    next_path, result_path = f"/phonebank/api/{token}/next", f"/phonebank/api/{token}/result"
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    call = _note(rec, user_id, await _call(pool, rec, "next", next_path, seat, {}, end_at + 60))
    n = 0
    while time.monotonic() < end_at:
        if call is None:
            await asyncio.sleep(5 if think else 0.2)
            call = _note(rec, user_id, await _call(pool, rec, "next", next_path, seat, {}, end_at + 60))
            continue
        outcome, talk = _pick(rng)
        if think:
            await asyncio.sleep(talk)
        n += 1
        client_id = f"{user_id}-{n}"
        body = {"client_id": client_id, "target": call["target"], "lease": call["lease"], "outcome": outcome}
        if outcome == "completed":
            body["answers"] = rng.choice(
                [
                    {"intention": "yes", "volunteer": "no"},
                    {"intention": "against"},
                    {"intention": "maybe", "volunteer": "yes"},
                ]
            )
        elif outcome == "call_back":
            body["callback_at"] = (_now() + datetime.timedelta(seconds=60)).isoformat()
        data = await _call(pool, rec, "result", result_path, seat, body, end_at + 60)
        if data is None:
            return
        rec.acked.add((user_id, client_id))
        rec.submissions += 1
        call = _note(rec, user_id, data)


async def run_callers(
    port: int,
    token: str,
    seats: list[tuple[int, str]],
    seconds: float,
    ramp: float,
    think: bool,
    faults: list[tuple[float, Any]] | None = None,
) -> tuple[Pool, Record, float]:
    pool = Pool(port, POOL_CONNECTIONS)
    rec = Record()
    rng = random.Random(11)
    begin = time.monotonic()
    end = begin + seconds
    tasks = [
        asyncio.create_task(
            caller(pool, rec, token, uid, seat, begin + rng.uniform(0, ramp), end, random.Random(uid), think)
        )
        for uid, seat in seats
    ]
    for at, action in faults or []:
        asyncio.get_running_loop().call_later(at, lambda a=action: threading.Thread(target=a, daemon=True).start())
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - begin
    await pool.close()
    return pool, rec, elapsed


async def http_limit(port: int, connections_: int, seconds: float) -> float:
    """Requests/s of the bare Django request (`/healthz`) through the same server, `connections_` at a time."""
    pool = Pool(port, connections_)
    stop = time.monotonic() + seconds

    async def loop() -> None:
        while time.monotonic() < stop:
            try:
                await pool.request("healthz", "GET", "/healthz", {})
            except RequestFailed:
                pass

    begin = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(connections_)))
    elapsed = time.monotonic() - begin
    await pool.close()
    stats = pool.stats.get("healthz")
    return (stats.statuses.get(200, 0) if stats else 0) / elapsed


def step_capacity(port: int, token: str, seats: list[tuple[int, str]], steps: list[int], log: Any) -> dict[str, Any]:
    """Short runs at increasing caller counts: the largest whose worst endpoint p99 is within P99_LIMIT_MS."""
    best, tried = 0, []
    for count in steps:
        if count > len(seats):
            break
        log(f"step: {count:,} callers for {STEP_SECONDS} s…")
        pool, _rec, elapsed = asyncio.run(
            run_callers(port, token, seats[:count], STEP_SECONDS, ramp=min(20.0, STEP_SECONDS / 3), think=True)
        )
        figures = _endpoint_figures(pool, elapsed)
        p99 = max((e["p99_ms"] for e in figures.values()), default=0.0)
        rate = round(sum(e["requests"] for e in figures.values()) / elapsed, 1)
        tried.append({"callers": count, "p99_ms": p99, "requests_per_s": rate})
        if p99 > P99_LIMIT_MS:
            break
        best = count
    return {"callers_at_p99_100ms": best, "steps": tried}


def explain_claim(campaign_id: int, max_attempts: int, caller_id: int) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of the queue statements on the queue as the run left it, rolled back: time and
    pages touched by a direct claim (one contact) and by a block claim (leasing.BLOCK_SIZE contacts)."""
    if connection.vendor != "postgresql":
        return {}
    out = {}
    for statement in ("claim", "block"):
        plan = queue.explain(campaign_id, caller_id, now=_now(), max_attempts=max_attempts, statement=statement)
        text = "\n".join(plan)
        hits = [int(x) for x in re.findall(r"shared hit=(\d+)", text)]
        reads = [int(x) for x in re.findall(r"read=(\d+)", text)]
        execution = re.search(r"Execution Time: ([\d.]+) ms", text)
        out[statement] = {
            "execution_ms": float(execution.group(1)) if execution else None,
            "top_shared_hit": hits[0] if hits else 0,
            "top_shared_read": reads[0] if reads else 0,
            "plan": plan,
        }
    return out


def queue_table_stats() -> dict[str, Any]:
    """PostgreSQL's counters for the queue table after the run: updates, how many were HOT, dead rows left and
    how often autovacuum ran (the cost behind the claim's buffers)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd, n_dead_tup, n_live_tup, autovacuum_count, autoanalyze_count "
            "FROM pg_stat_user_tables WHERE relname = 'phonebank_calltarget'"
        )
        row = cursor.fetchone()
    keys = ("updates", "hot_updates", "dead_rows", "live_rows", "autovacuums", "autoanalyzes")
    return {"server_autovacuum": autovacuum, **(dict(zip(keys, row, strict=True)) if row else {})}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; 0 for any gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def _machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has used (all cores, Linux /proc/stat), idle and I/O wait excluded."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuSplit:
    """CPU used over a phase by the app's workers, this load generator, and the rest of the machine (PostgreSQL's
    processes and the kernel's network and disk work for them): the capacity model's per-request costs (Linux
    only; empty elsewhere)."""

    def __init__(self, master_pid: int) -> None:
        self.app = worker_pids(master_pid)
        self.start = self._now()

    def _now(self) -> tuple[float, float, float]:
        own = os.times()
        return _cpu_seconds(self.app), own.user + own.system, _machine_cpu_seconds()

    def per_request(self, requests: int) -> dict[str, float]:
        if not requests or not os.path.isfile("/proc/stat"):
            return {}
        end = self._now()
        app, load, machine = (b - a for a, b in zip(self.start, end, strict=True))
        return {
            "app_cpu_ms_per_request": round(1000 * app / requests, 3),
            "db_cpu_ms_per_request": round(1000 * max(0.0, machine - app - load) / requests, 3),
            "loadgen_cpu_ms_per_request": round(1000 * load / requests, 3),
        }


# ------------------------------------------------------------------------------------------ raw rate


def raw_claim_rate(campaign_id: int, max_attempts: int, caller_ids: list[int]) -> float:
    """Claims per second running the assignment SQL itself in a loop on RAW_THREADS connections."""
    stop = time.monotonic() + RAW_SECONDS
    counts = [0] * RAW_THREADS

    def loop(i: int) -> None:
        try:
            while time.monotonic() < stop:
                now = _now()
                # A lease that ends as it starts: the claim's "holds nothing yet" test runs, as in the app, but
                # never stops the loop (a caller with a live lease claims nothing more).
                lease = queue.claim(
                    campaign_id,
                    caller_ids[i % len(caller_ids)],
                    now=now,
                    lease_until=now,
                    max_attempts=max_attempts,
                )
                if lease is None:
                    break
                counts[i] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(RAW_THREADS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


# ------------------------------------------------------------------------------------------ checks


def check_store(world: World, rec: Record) -> dict[str, int]:
    campaign = world.campaign
    campaign.refresh_from_db()
    stored: dict[tuple[int, str], int] = defaultdict(int)
    by_target: dict[int, list[tuple]] = defaultdict(list)
    for caller_id, client_id, target_id, assigned, submitted, outcome, applied, callback in (
        CallAttempt.objects.filter(campaign=campaign)
        .values_list(
            "caller_id", "client_id", "target_id", "assigned_at", "submitted_at", "outcome", "applied", "callback_at"
        )
        .iterator(chunk_size=10_000)
    ):
        stored[(caller_id, client_id)] += 1
        by_target[target_id].append((assigned, submitted, outcome, applied, caller_id, callback))
    lost = sum(1 for key in rec.acked if key not in stored)
    duplicates = sum(n - 1 for n in stored.values() if n > 1)
    double = sum(1 for callers in rec.leases.values() if len(callers) > 1)
    violations = 0
    for attempts in by_target.values():
        applied_rows = sorted((a for a in attempts if a[3] and a[0] is not None), key=lambda a: a[0])
        if len(applied_rows) > campaign.max_attempts:
            violations += 1
        for a in applied_rows:
            if not rules.in_window(campaign, a[0]):
                violations += 1
        for prev, nxt in zip(applied_rows, applied_rows[1:], strict=False):
            # Held by two callers at once (server's own times), or tried again before the retry delay.
            if nxt[0] < prev[1] and nxt[4] != prev[4]:
                double += 1
            earliest = rules.retry_at(campaign, prev[2], 1, prev[1], prev[5])
            if earliest is None or nxt[0] < earliest - datetime.timedelta(seconds=1):
                violations += 1
    called_suppressed = sum(1 for t in world.suppressed_targets if by_target.get(t))
    over = CallTarget.objects.filter(campaign=campaign, attempts__gt=campaign.max_attempts).count()
    stuck = CallTarget.objects.filter(
        campaign=campaign,
        state="open",
        lease_owner__isnull=False,
        available_at__gt=_now() + datetime.timedelta(minutes=campaign.lease_minutes),
    ).count()
    return {
        "lost_submissions": lost,
        "duplicate_submissions": duplicates,
        "double_assignments": double,
        "rule_violations": violations + called_suppressed + over,
        "called_after_suppression": called_suppressed,
        "stuck_contacts": stuck,
        "stored_attempts": sum(stored.values()),
    }


# ------------------------------------------------------------------------------------------ run


def _endpoint_figures(pool: Pool, elapsed: float) -> dict[str, Any]:
    out = {}
    for name, st in sorted(pool.stats.items()):
        ms = [x * 1000 for x in st.latencies]
        out[name] = {
            "requests": len(ms),
            "per_s": round(len(ms) / elapsed, 1),
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2) if ms else 0,
            "statuses": {str(k): v for k, v in sorted(st.statuses.items())},
            "unanswered": st.failures,
        }
    return out


def run(
    size: int | None = None,
    progress: bool = True,
    callers: int | None = None,
    contacts: int | None = None,
    minutes: float | None = None,
    fault: bool = False,
    workers: int = 3,
    threads: int = 4,
    db_restart_command: str | None = None,
    steps: str | None = None,
) -> dict[str, Any]:
    contacts = contacts or size or DEFAULT_CONTACTS
    callers = callers or (max(10, contacts // 25) if size else DEFAULT_CALLERS)
    step_list = _steps(steps, callers, fault)
    minutes = minutes or DEFAULT_MINUTES
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if progress else (lambda *a: None)
    t0 = time.perf_counter()
    log(f"seeding {contacts:,} contacts and {callers:,} callers…")
    world = seed(contacts, callers, minutes, progress)
    seed_s = time.perf_counter() - t0
    proc, port = start_gunicorn(workers, threads)
    faults = []
    try:
        log(f"gunicorn on {HOST}:{port} ({workers} workers × {threads} threads); signing in {REAL_LOGINS} callers…")
        real = real_login_seats(world, port, min(REAL_LOGINS, callers))
        seat_rows = {s.pk: s for s in SessionCaller.objects.filter(session=world.session)}
        seats = [(uid, real.get(uid) or seat_tokens.issue(seat_rows[sid])) for uid, sid in world.seats]
        seconds = minutes * 60
        if fault:
            restart = db_restart_command or _default_restart_command()

            def kill_worker() -> None:
                pids = worker_pids(proc.pid)
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    log(f"fault: killed app worker {pids[0]}")

            def restart_db() -> None:
                log(f"fault: restarting the database ({restart})")
                subprocess.run(restart, shell=True, check=False)

            faults = [(seconds / 3, kill_worker), (2 * seconds / 3, restart_db)]
        log(f"{callers:,} callers calling for {minutes:g} min…")
        pool, rec, elapsed = asyncio.run(
            run_callers(port, world.session.token, seats, seconds, ramp=20.0, think=True, faults=faults)
        )
        log("saturation phase…")
        cpu = CpuSplit(proc.pid)
        sat_pool, sat_rec, sat_elapsed = asyncio.run(
            run_callers(
                port, world.session.token, seats[-SATURATION_CALLERS:], SATURATION_SECONDS, ramp=0.5, think=False
            )
        )
        cpu_split = cpu.per_request(sum(len(s.latencies) for s in sat_pool.stats.values()))
        log("the bare Django request (/healthz) saturated on the same server…")
        http_rate = asyncio.run(http_limit(port, SATURATION_CALLERS, HTTP_SECONDS))
        capacity = step_capacity(port, world.session.token, seats, step_list, log) if step_list else {}
    finally:
        stop_server(proc)
    # This process's own connection may predate a database restart (commands get no per-request health check).

    connections.close_all()
    log("raw claim rate…")
    # Callers of its own: the run's callers may still hold leases, and a caller holding one claims nothing.
    raw_callers = allocate_ids(User, RAW_THREADS)
    insert_with_defaults(
        User, ["id", "email", "password", "is_active"], [(u, f"raw{u}@bench.example", "!", True) for u in raw_callers]
    )
    raw = raw_claim_rate(world.campaign.pk, world.campaign.max_attempts, raw_callers)
    plan = explain_claim(world.campaign.pk, world.campaign.max_attempts, raw_callers[0])
    table = queue_table_stats()
    log("checking the store…")
    checks = check_store(world, rec)
    sat_checks = check_store(world, sat_rec)
    endpoints = _endpoint_figures(pool, elapsed)
    worst_p99 = max((e["p99_ms"] for e in endpoints.values()), default=0.0)
    answered = sum(e["requests"] for e in endpoints.values())
    saturated_assign = sat_rec.assignments / sat_elapsed
    saturated_requests = sum(len(s.latencies) for s in sat_pool.stats.values()) / sat_elapsed
    for key in ("lost_submissions", "duplicate_submissions", "double_assignments", "rule_violations"):
        checks[key] += sat_checks[key]
    return {
        "callers": callers,
        "contacts": contacts,
        "minutes": minutes,
        "server": f"gunicorn gthread {workers}×{threads}",
        "fault_run": fault,
        "faults": ["killed one app worker", "restarted the database"] if fault else [],
        "seed_s": round(seed_s, 1),
        "requests_per_s": round(answered / elapsed, 1),
        "assignments_per_s": round(rec.assignments / elapsed, 1),
        "submissions_per_s": round(rec.submissions / elapsed, 1),
        "p99_ms": worst_p99,
        "endpoints": endpoints,
        "request_failures": rec.request_failures,
        "server_errors": rec.server_errors,
        **checks,
        "saturated_assignments_per_s": round(saturated_assign, 1),
        "saturated_requests_per_s": round(saturated_requests, 1),
        "http_limit_per_s": round(http_rate, 1),
        "ratio_to_http": round(saturated_requests / http_rate, 3) if http_rate else None,
        "raw_assignments_per_s": round(raw, 1),
        "ratio_to_raw": round(saturated_assign / raw, 3) if raw else None,
        **capacity,
        "saturated_cpu": cpu_split,
        "queue_table": table,
        "claim_explain": plan,
    }


def _steps(steps: str | None, callers: int, fault: bool) -> list[int]:
    """The caller counts to step through: `--steps` (0 for none), else the defaults up to the run's callers (none
    in a fault run, whose p99 measures the faults)."""
    if steps is not None:
        return [int(x) for x in str(steps).split(",") if x.strip() and int(x) > 0]
    return [] if fault else [n for n in DEFAULT_STEPS if n <= callers]


def _default_restart_command() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        raise SystemExit("--fault needs --db-restart-command (no local PostgreSQL cluster found)")
    return f"pg_ctlcluster {versions[-1]} main restart"
