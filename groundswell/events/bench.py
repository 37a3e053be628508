"""`groundswell bench events [--size N] [--minutes T] [--workers W --threads T] [--database-url …]`

1. Seeds a scratch database with N public events (default 100,000) across Great Britain: most clustered round
   towns and cities in proportion to their size, the rest scattered; starting over the next 90 days. Plus a
   few thousand postcodes near those places to search from.
2. Starts the app under gunicorn (`groundswell/loadgen.py`, shared by the HTTP benchmarks) on 127.0.0.1.
3. Sends map searches at a fixed rate (default 200 requests a second; open loop, so a slow answer does not
   slow the sender and hide its own delay) for T minutes after a short warm-up: mostly postcode + radius
   through the JSON feed, some by point, some with a type filter or 'this weekend'.
4. Latency is timed from when each request was due to be sent to when its answer was read.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import sys
import time
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from groundswell.geography.models import Postcode
from groundswell.loadgen import Pool, RequestFailed, percentile, start_gunicorn, stop_server
from groundswell.people.models import OrganisationUnit

from . import geo
from .models import Event, new_token

DEFAULT_EVENTS = 100_000
DEFAULT_RATE = 200.0
DEFAULT_MINUTES = 0.5
WARMUP_SECONDS = 5
POSTCODES = 3000
# (name, lat, lon, weight ~ population in 100,000s): where events cluster.
PLACES = [
    ("London", 51.507, -0.128, 35),
    ("Birmingham", 52.486, -1.890, 11),
    ("Manchester", 53.481, -2.243, 10),
    ("Leeds", 53.801, -1.549, 8),
    ("Glasgow", 55.864, -4.252, 6),
    ("Sheffield", 53.381, -1.470, 6),
    ("Bradford", 53.795, -1.759, 5),
    ("Liverpool", 53.408, -2.991, 5),
    ("Edinburgh", 55.953, -3.189, 5),
    ("Bristol", 51.454, -2.588, 5),
    ("Cardiff", 51.481, -3.179, 4),
    ("Leicester", 52.637, -1.140, 4),
    ("Coventry", 52.407, -1.512, 4),
    ("Nottingham", 52.955, -1.158, 3),
    ("Newcastle", 54.978, -1.618, 3),
    ("Reading", 51.454, -0.978, 2),
    ("Southampton", 50.910, -1.404, 2),
    ("Brighton", 50.822, -0.137, 3),
    ("Plymouth", 50.376, -4.143, 3),
    ("Hull", 53.767, -0.327, 3),
    ("Aberdeen", 57.150, -2.094, 2),
    ("Swansea", 51.621, -3.944, 2),
    ("Norwich", 52.630, 1.297, 1),
    ("Exeter", 50.726, -3.527, 1),
    ("Oxford", 51.752, -1.258, 2),
    ("Cambridge", 52.205, 0.122, 1),
    ("York", 53.960, -1.087, 2),
    ("Dundee", 56.462, -2.971, 1),
    ("Inverness", 57.478, -4.225, 1),
    ("Carlisle", 54.892, -2.934, 1),
    ("Middlesbrough", 54.574, -1.235, 1),
    ("Stoke", 53.003, -2.179, 3),
    ("Derby", 52.922, -1.476, 3),
    ("Wolverhampton", 52.587, -2.129, 3),
    ("Sunderland", 54.906, -1.381, 3),
    ("Preston", 53.763, -2.703, 1),
    ("Ipswich", 52.057, 1.148, 1),
    ("Bournemouth", 50.720, -1.880, 2),
    ("Milton Keynes", 52.041, -0.760, 2),
    ("Wrexham", 53.046, -2.993, 1),
]
KINDS = ["canvass", "phonebank", "meetup", "discussion", "stall", "training", "social"]
RADII = ["2", "5", "10", "10", "10", "25"]


def _point(rng: random.Random) -> tuple[float, float]:
    name, lat, lon, weight = rng.choices(PLACES, weights=[p[3] for p in PLACES])[0]
    # Bigger places sprawl further; some events are out in the country round them.
    spread = 0.03 + 0.02 * weight**0.5 if rng.random() < 0.85 else 0.6
    return lat + rng.gauss(0, spread), lon + rng.gauss(0, spread * 1.6)


def seed(events: int, rng: random.Random, progress: bool) -> list[str]:
    unit = OrganisationUnit.objects.create(code="BENCH-NAT", name="Bench national", kind="national")
    now = timezone.now()
    batch: list[Event] = []
    bar = tqdm(total=events, desc="events", disable=not progress, file=sys.stderr)
    for i in range(events):
        lat, lon = _point(rng)
        starts = now + datetime.timedelta(minutes=rng.randint(-60, 90 * 24 * 60))
        batch.append(
            Event(
                unit=unit,
                kind=KINDS[i % len(KINDS)],
                title=f"Bench event {i}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                venue_name="Community centre",
                latitude=lat,
                longitude=lon,
                grid_cell=geo.cell_of(lat, lon),
                token=new_token(),
            )
        )
        if len(batch) == 5000:
            Event.objects.bulk_create(batch)
            bar.update(len(batch))
            batch = []
    if batch:
        Event.objects.bulk_create(batch)
        bar.update(len(batch))
    bar.close()
    codes, used = [], set()
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    while len(codes) < POSTCODES:
        code = f"BX{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        if code not in used:
            used.add(code)
            codes.append(code)
    Postcode.objects.bulk_create(
        [
            Postcode(postcode=c, latitude=p[0], longitude=p[1], synthetic=True)
            for c, p in zip(codes, (_point(rng) for _ in codes), strict=False)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would after a day's writes: the visibility map lets the search use index-only scans.
            cursor.execute("VACUUM ANALYZE events_event")
            cursor.execute("ANALYZE")
    return codes


def _query(rng: random.Random, codes: list[str]) -> str:
    roll = rng.random()
    if roll < 0.7:
        params: dict[str, Any] = {"near": rng.choice(codes), "radius": rng.choice(RADII)}
    else:
        lat, lon = _point(rng)
        params = {"lat": f"{lat:.5f}", "lng": f"{lon:.5f}", "radius": rng.choice(RADII)}
    if 0.85 < roll < 0.93:
        params["kind"] = rng.choice(KINDS)
    elif roll >= 0.93:
        params["weekend"] = "1"
    return "/events/feed.json?" + urlencode(params)


async def _drive(port: int, paths: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: request i is due at i/rate seconds; latency counts from then, so queueing shows."""
    pool = Pool(port, size=128, timeout=30)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    results: list[int] = []
    failures = 0
    total = int(rate * seconds)
    started = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal failures
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status, body = await pool.request("search", "GET", paths[i % len(paths)], {})
        except RequestFailed:
            failures += 1
            return
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1
        if isinstance(body, dict):
            results.append(body.get("count", 0))

    await asyncio.gather(*(one(i) for i in range(total)))
    elapsed = time.perf_counter() - started
    await pool.close()
    ms = [x * 1000 for x in latencies]
    return {
        "requests": total,
        "answered": len(ms),
        "elapsed_s": round(elapsed, 2),
        "requests_per_s": round(len(ms) / elapsed, 1),
        "search_p50_ms": round(percentile(ms, 50), 2),
        "search_p95_ms": round(percentile(ms, 95), 2),
        "search_p99_ms": round(percentile(ms, 99), 2),
        "search_max_ms": round(max(ms), 2) if ms else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unanswered": failures,
        "mean_events_found": round(sum(results) / len(results), 1) if results else 0,
    }


def run(
    size: int | None = None,
    progress: bool = True,
    minutes: float | None = None,
    workers: int = 2,
    threads: int = 4,
    rate: float = DEFAULT_RATE,
) -> dict[str, Any]:
    events = size or DEFAULT_EVENTS
    seconds = (minutes or DEFAULT_MINUTES) * 60
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if progress else (lambda *a: None)
    rng = random.Random(2026)
    t0 = time.perf_counter()
    log(f"seeding {events:,} events…")
    codes = seed(events, rng, progress)
    seed_s = time.perf_counter() - t0
    paths = [_query(rng, codes) for _ in range(5000)]
    proc, port = start_gunicorn(workers, threads)
    try:
        log(f"gunicorn on port {port} ({workers} workers × {threads} threads); warming up…")
        asyncio.run(_drive(port, paths[::-1], rate, min(WARMUP_SECONDS, seconds / 2)))
        log(f"searching at {rate:g} requests/s for {seconds:g} s…")
        figures = asyncio.run(_drive(port, paths, rate, seconds))
    finally:
        stop_server(proc)
    return {
        "events": events,
        "target_requests_per_s": rate,
        "server": f"gunicorn gthread {workers}×{threads}",
        "seed_s": round(seed_s, 1),
        **figures,
    }
