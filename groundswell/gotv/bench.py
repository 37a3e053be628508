"""`groundswell bench telling`: tellers entering 3,000 numbers a minute over HTTP while committee rooms
regenerate knock-up lists.

A synthetic constituency (75,000 electors in 50 polling districts, 40 stations: 30 with one district and 10
with two) is written straight into the scratch database. A real HTTP server on 127.0.0.1 (a subprocess, so
its Python does not share a GIL with the simulated tellers) serves the project's WSGI application with a
fixed pool of worker threads, as a gthread-style production server does. Forty tellers, each signed in with
a real session and CSRF cookie from the telling page, post to the page's sync endpoint one number at a time
(75 a minute each, on a fixed schedule, whatever the server's speed: an open loop), at their own station.
About 5% of numbers are a neighbouring station's voters already taken there (two tellers taking one voter)
and 1% are unknown numbers. Meanwhile coordinators (a third process) regenerate the 8 committee rooms'
knock-up lists in turn with `gotv.knockup.regenerate`, each room once a minute: far more often than a real
room (every 15-30 minutes), so the telling figures include that load.

Figures: entry latency p50/p99 (one HTTP request per entry, as the page sends when typed one at a time),
knock-up regeneration time, lost entries (distinct numbers sent but not stored) and duplicate entries
(electors with more than one live entry).
"""

from __future__ import annotations

import datetime
import gc
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.canvassing.selectors import parse_elector_number
from groundswell.geography.models import Constituency
from groundswell.geography.selectors import current_boundary_set
from groundswell.loadgen import HOST, free_port, wait_until_serving
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Elector, Property

from .knockup import regenerate
from .models import CommitteeRoom, PollingDay, PollingStation, StationTeller, TellingEntry

DEFAULT_ELECTORS = 75_000
STATIONS = 40
DOUBLE_STATIONS = 10  # stations with two districts: 50 districts in all
TELLERS = 40
ENTRIES_PER_MINUTE = 3_000
FULL_DURATION_S = 60.0
ROOMS = 8
REGEN_EVERY_S = 7.5  # the 8 rooms each regenerate once a minute (a real room: every 15-30 minutes)
SERVER_WORKERS = 16
DUPLICATE_SHARE = 0.05
UNKNOWN_SHARE = 0.01


# ---------------------------------------------------------------- the synthetic day


@dataclass
class Day:
    polling_day: Any
    stations: list[Any]
    rooms: list[Any]
    coordinator: Any
    tellers: list[Any]
    numbers: dict[int, list[str]]  # station id → typed numbers available there ('123', 'AB1-123/1')
    electors: int = 0


def _districts() -> list[list[str]]:
    """Station → its districts: BA01 … BA50, the last DOUBLE_STATIONS stations taking two each."""
    codes = [f"BA{i:02d}" for i in range(1, STATIONS + DOUBLE_STATIONS + 1)]
    single = STATIONS - DOUBLE_STATIONS
    out = [[codes[i]] for i in range(single)]
    rest = codes[single:]
    out += [rest[i : i + 2] for i in range(0, len(rest), 2)]
    return out


def build_day(n_electors: int) -> Day:
    rng = random.Random(11)
    by_station = _districts()
    all_pds = [pd for pds in by_station for pd in pds]
    per_pd = max(1, n_electors // len(all_pds))
    with transaction.atomic():
        constituency = Constituency.objects.create(
            boundary_set_id=current_boundary_set(), code="E14009999", name="Benchton"
        )
        national = OrganisationUnit.objects.create(code="BENCH", name="Bench party", kind="national")
        clp = OrganisationUnit.objects.create(
            code="BENCH-CLP", name="Benchton CLP", kind="constituency", parent=national
        )
        clp.constituency = constituency
        clp.save()
        day = PollingDay.objects.create(
            unit=clp,
            constituency=constituency,
            name="Benchton polling day",
            election="parl.2029-05-03",
            date=datetime.date(2029, 5, 3),
            promise_rule={"support_codes": ["L"], "min_likelihood": 7},
        )
        stations = [
            PollingStation.objects.create(polling_day=day, name=f"Station {i + 1:02d}", polling_districts=pds)
            for i, pds in enumerate(by_station)
        ]
        rooms = [
            CommitteeRoom.objects.create(polling_day=day, name=f"Room {r + 1}", polling_districts=all_pds[r::ROOMS])
            for r in range(ROOMS)
        ]
        # Households of ~2.1 electors, in street order per district; 3% of electors are suffixed additions.
        properties = []
        for pd in all_pds:
            for h in range(per_pd * 10 // 21 + 1):
                properties.append(
                    Property(
                        constituency=constituency,
                        polling_district=pd,
                        address_key=f"{h + 1} BENCH STREET {pd}",
                        address_lines=[f"{h + 1} Bench Street", "Benchton"],
                        street="Bench Street",
                        house_number=h + 1,
                        register_order=h + 1,
                        synthetic=True,
                    )
                )
        Property.objects.bulk_create(properties, batch_size=2000)
        homes: dict[str, list[int]] = {}
        for pk, pd in Property.objects.filter(constituency=constituency).values_list("pk", "polling_district"):
            homes.setdefault(pd, []).append(pk)
        electors = []
        for pd in all_pds:
            for n in range(1, per_pd + 1):
                suffix = 1 if rng.random() < 0.03 else 0
                promise = rng.random() < 0.35
                electors.append(
                    Elector(
                        constituency=constituency,
                        polling_district=pd,
                        number=n,
                        suffix=suffix,
                        surname="Bench",
                        household_id=homes[pd][min(len(homes[pd]) - 1, n * 10 // 21)],
                        current_support="L" if promise else rng.choice(["C", "G", "X", ""]),
                        current_likelihood=rng.randint(7, 10) if promise else rng.randint(0, 10),
                        synthetic=True,
                    )
                )
        Elector.objects.bulk_create(electors, batch_size=2000)
        coordinator = User.objects.create(email="bench-coordinator@example.invalid")
        RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, unit=clp)
        tellers = []
        for t in range(TELLERS):
            teller = User.objects.create(email=f"bench-teller-{t}@example.invalid")
            RoleAssignment.objects.create(user=teller, role=Role.TELLER, unit=clp)
            tellers.append(teller)
        # Tellers read and take numbers only where they are posted: each at their own station and the next one,
        # whose voters they also take (the duplicates the bench sends on purpose).
        StationTeller.objects.bulk_create(
            StationTeller(station=stations[(t + k) % len(stations)], user=teller)
            for t, teller in enumerate(tellers)
            for k in (0, 1)
        )
    numbers: dict[int, list[str]] = {}
    for station, pds in zip(stations, by_station, strict=True):
        typed = []
        for pd, n, s in Elector.objects.filter(constituency=constituency, polling_district__in=pds).values_list(
            "polling_district", "number", "suffix"
        ):
            bare = f"{n}/{s}" if s else str(n)
            # Bare numbers only where they cannot be ambiguous; full numbers half the time anyway.
            typed.append(bare if len(pds) == 1 and rng.random() < 0.5 else f"{pd}-{bare}")
        rng.shuffle(typed)
        numbers[station.pk] = typed
    return Day(day, stations, rooms, coordinator, tellers, numbers, electors=len(electors))


# ---------------------------------------------------------------- the server


def start_server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DEBUG="0")  # DATABASE_URL is the scratch database `groundswell bench` chose
    proc = subprocess.Popen([sys.executable, "-m", "groundswell.gotv.benchproc", "serve", str(port)], env=env)
    wait_until_serving(proc, port, "bench server")
    return proc, port


def serve(port: int) -> None:
    """Run the WSGI app on 127.0.0.1:port with a fixed pool of worker threads (each keeping its connection)."""

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    class PooledWSGIServer(WSGIServer):
        request_queue_size = 256

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pool = ThreadPoolExecutor(SERVER_WORKERS)

        def process_request(self, request: Any, client_address: Any) -> None:
            self.pool.submit(self._work, request, client_address)

        def _work(self, request: Any, client_address: Any) -> None:
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    httpd = PooledWSGIServer((HOST, port), Quiet)
    httpd.set_app(get_wsgi_application())
    httpd.serve_forever()


# ---------------------------------------------------------------- tellers and coordinators


@dataclass
class Teller:
    index: int
    station: Any
    cookie: str = ""
    csrf: str = ""
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    sent: list[tuple[int, str, str]] = field(default_factory=list)  # (station id, text, client id)
    failures: int = 0
    when: list[float] = field(default_factory=list)  # when each latency's request was sent


def _request(port: int, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, Any, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        # One request per connection: a worker thread is never held by an idle keep-alive connection.
        conn.request(method, path, body=body, headers={**headers, "Connection": "close"})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def sign_in(teller: Teller, user: Any, port: int, day_pk: int) -> None:
    """A real session (made with the test client's force_login) and the CSRF cookie the telling page sets."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    teller.cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    status, headers, _ = _request(port, "GET", f"/polling-day/{day_pk}/telling/", {"Cookie": teller.cookie})
    if status != 200:
        raise RuntimeError(f"telling page answered {status}")
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    teller.csrf = jar[settings.CSRF_COOKIE_NAME].value
    teller.cookie += f"; {settings.CSRF_COOKIE_NAME}={teller.csrf}"
    status, _, _ = _request(
        port, "GET", f"/polling-day/{day_pk}/telling/station/{teller.station.pk}/", {"Cookie": teller.cookie}
    )
    if status != 200:
        raise RuntimeError(f"station numbers answered {status}")


def open_pages_together(tellers: list[Teller], port: int, day_pk: int) -> None:
    """Every teller reloads their station at once, as at opening time: the server's worker threads start and
    open their database connections now, not in the first timed seconds (a real server has been up all day)."""

    def load(teller: Teller) -> None:
        path = f"/polling-day/{day_pk}/telling/station/{teller.station.pk}/"
        status, _, _ = _request(port, "GET", path, {"Cookie": teller.cookie})
        if status != 200:
            raise RuntimeError(f"station numbers answered {status}")

    threads = [threading.Thread(target=load, args=(t,)) for t in tellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def plan(day: Day, count: int, rng: random.Random) -> list[list[tuple[int, str]]]:
    """Each teller's (station id, typed number) list: mostly their own station's voters in a random order;
    DUPLICATE_SHARE taken from the next station's first voters (whom that station's teller also takes);
    UNKNOWN_SHARE unknown numbers."""
    plans = []
    for t in range(TELLERS):
        station = day.stations[t % len(day.stations)]
        neighbour = day.stations[(t + 1) % len(day.stations)]
        own = iter(day.numbers[station.pk])
        theirs = day.numbers[neighbour.pk][: max(1, count // 2)]
        items = []
        for _ in range(count):
            roll = rng.random()
            if roll < DUPLICATE_SHARE:
                items.append((neighbour.pk, rng.choice(theirs)))
            elif roll < DUPLICATE_SHARE + UNKNOWN_SHARE:
                items.append((station.pk, str(90_000 + rng.randint(0, 9_999))))
            else:
                items.append((station.pk, next(own)))
        plans.append(items)
    return plans


def run_teller(teller: Teller, port: int, day_pk: int, items: list, interval: float, start: float) -> None:
    path = f"/polling-day/{day_pk}/telling/sync/"
    headers = {"Cookie": teller.cookie, "X-CSRFToken": teller.csrf, "Content-Type": "application/json"}
    for k, (station_id, text) in enumerate(items):
        due = start + (teller.index / TELLERS) * interval + k * interval
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        client_id = uuid.uuid4().hex
        body = json.dumps({"items": [{"op": "enter", "client_id": client_id, "station_id": station_id, "text": text}]})
        teller.sent.append((station_id, text, client_id))
        began = time.monotonic()
        try:
            status, _, raw = _request(port, "POST", path, headers, body.encode())
        except OSError:
            teller.failures += 1
            continue
        teller.latencies.append((time.monotonic() - began) * 1000)
        teller.when.append(began - start)  # seconds into the run, to set against the regenerations
        if status != 200:
            teller.failures += 1
            continue
        result = json.loads(raw)["results"][0]["status"]
        teller.statuses[result] = teller.statuses.get(result, 0) + 1


def regenerate_rooms(room_ids: list[int], coordinator_id: int, begin: float, until: float) -> dict[str, Any]:
    """Coordinators regenerate the rooms' knock-up lists in turn, one every REGEN_EVERY_S from `begin` until
    `until` (time.monotonic() values, which every process on the machine shares). Runs in its own process
    (see `python -m groundswell.gotv.benchproc regen`), so its Python work never delays the tellers' timing."""
    rooms = {r.pk: r for r in CommitteeRoom.objects.filter(pk__in=room_ids).select_related("polling_day__unit")}
    coordinator = User.objects.get(pk=coordinator_id)
    spans: list[tuple[float, float]] = []
    i = 0
    while True:
        due = begin + i * REGEN_EVERY_S
        if due >= until:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        room = rooms[room_ids[i % len(room_ids)]]
        began = time.monotonic()
        # As the committee room's page calls it: in no outer transaction, so the list is computed before any
        # write lock is taken (an outer atomic() would hold SQLite's write lock for the whole of it).
        regenerate(room, coordinator)
        spans.append((began, time.monotonic()))
        i += 1
    return {"how": "groundswell.gotv.knockup.regenerate", "spans": spans}


def start_coordinators(day: Day, begin: float, until: float) -> subprocess.Popen:
    rooms = ",".join(str(r.pk) for r in day.rooms)
    args = ["regen", rooms, str(day.coordinator.pk), repr(begin), repr(until)]
    return subprocess.Popen(
        [sys.executable, "-m", "groundswell.gotv.benchproc", *args], stdout=subprocess.PIPE, text=True
    )


# ---------------------------------------------------------------- checking what was stored


def check_store(day: Day, tellers: list[Teller]) -> dict[str, int]:
    """Lost: a distinct number sent (a voter, or an unknown number's client id) with nothing stored for it.
    Duplicate: an elector with more than one live entry."""
    entries = TellingEntry.objects.filter(polling_day=day.polling_day)
    live = entries.filter(undone_at__isnull=True, elector__isnull=False)
    duplicates = live.values("elector_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    stored_electors = set(live.values_list("elector_id", flat=True))
    stored_clients = set(entries.values_list("client_id", flat=True))
    stations = {s.pk: [pd.upper() for pd in s.polling_districts] for s in day.stations}
    index = {
        (pd, n, s): pk
        for pk, pd, n, s in Elector.objects.filter(constituency_id=day.polling_day.constituency_id).values_list(
            "pk", "polling_district", "number", "suffix"
        )
    }

    wanted: set[int] = set()
    unknown_clients: set[str] = set()
    for teller in tellers:
        for station_id, text, client_id in teller.sent:
            pd, n, s = parse_elector_number(text) or ("", 0, 0)
            pd = pd or stations[station_id][0]
            pk = index.get((pd, n, s))
            if pk is None:
                unknown_clients.add(client_id)
            else:
                wanted.add(pk)
    lost = len(wanted - stored_electors) + len(unknown_clients - stored_clients)
    return {
        "distinct_electors_sent": len(wanted),
        "unknown_numbers_sent": len(unknown_clients),
        "lost_entries": lost,
        "duplicate_entries": duplicates,
        "live_entries": live.count(),
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run(size: int | None = None, progress: bool = True) -> dict:
    """Build the day, serve it over HTTP, and run tellers and coordinators for 60 s (shorter for a small --size)."""
    n = size or DEFAULT_ELECTORS
    duration = max(10.0, FULL_DURATION_S * min(1.0, n / DEFAULT_ELECTORS))
    started = time.perf_counter()
    day = build_day(n)
    build_s = time.perf_counter() - started

    if connection.vendor == "sqlite":
        # The build leaves ~50 MB in the write-ahead log; on a real day the register was loaded long before
        # polling opened and checkpointed since, so start from there rather than time one giant checkpoint.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        # Likewise autovacuum would have analysed the freshly loaded register by polling day; without fresh
        # statistics PostgreSQL believes the constituency has one elector and scans all 75,000 per number.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if progress:
        print(f"built {day.electors} electors, {len(day.stations)} stations in {build_s:.1f} s", file=sys.stderr)
    proc, port = start_server()
    coordinators = None
    try:
        tellers = [Teller(i, day.stations[i % len(day.stations)]) for i in range(TELLERS)]
        for teller, user in zip(tellers, day.tellers, strict=True):
            sign_in(teller, user, port, day.polling_day.pk)
        open_pages_together(tellers, port, day.polling_day.pk)
        interval = 60.0 * TELLERS / ENTRIES_PER_MINUTE  # seconds between one teller's entries
        per_teller = int(duration / interval)
        plans = plan(day, per_teller, random.Random(3))
        # The build left a large heap in this process; a full collection would pause every simulated teller
        # at once and be timed as server latency. Freeze what exists so only the run's own objects are scanned.
        gc.collect()
        gc.freeze()
        start = time.monotonic() + 3.0  # time for the coordinators' process to start Django
        coordinators = start_coordinators(day, start, start + per_teller * interval)
        threads = [
            threading.Thread(target=run_teller, args=(t, port, day.polling_day.pk, plans[t.index], interval, start))
            for t in tellers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        telling_s = time.monotonic() - start
        out, _ = coordinators.communicate(timeout=600)
        regen = json.loads(out.strip().splitlines()[-1])
    finally:
        for helper in (proc, coordinators):
            if helper is not None and helper.poll() is None:
                helper.terminate()
                try:
                    helper.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    helper.kill()
    latencies = [ms for t in tellers for ms in t.latencies]
    # Entries whose request overlapped a regeneration or the second after it (the backlog draining), to show
    # what the regenerations cost the tellers.
    spans = regen["spans"]
    timings = [b - a for a, b in spans]
    windows = [(a - start, b - start + 1.0) for a, b in spans]
    calm = [
        ms
        for t in tellers
        for sent_at, ms in zip(t.when, t.latencies, strict=True)
        if not any(a <= sent_at + ms / 1000 and sent_at <= b for a, b in windows)
    ]
    statuses: dict[str, int] = {}
    for t in tellers:
        for key, value in t.statuses.items():
            statuses[key] = statuses.get(key, 0) + value
    sent = sum(len(t.sent) for t in tellers)
    return {
        "electors": day.electors,
        "stations": len(day.stations),
        "tellers": TELLERS,
        "build_s": round(build_s, 2),
        "telling_s": round(telling_s, 2),
        "entries_sent": sent,
        "entries_per_minute": round(sent / telling_s * 60, 1) if telling_s else None,
        "entry_p50_ms": round(_pct(latencies, 50), 2),
        "entry_p99_ms": round(_pct(latencies, 99), 2),
        "entry_max_ms": round(max(latencies), 2) if latencies else None,
        "entry_p99_ms_outside_regen": round(_pct(calm, 99), 2),
        "entries_outside_regen": len(calm),
        "request_failures": sum(t.failures for t in tellers),
        "statuses": statuses,
        "knockup_regen_s": round(max(timings), 3) if timings else None,
        "knockup_regen_p50_s": round(statistics.median(timings), 3) if timings else None,
        "knockup_regenerations": len(timings),
        "knockup_how": regen["how"],
        "knockup_every_s": REGEN_EVERY_S,
        "server": f"127.0.0.1 subprocess, WSGI, {SERVER_WORKERS} worker threads",
        **check_store(day, tellers),
    }
