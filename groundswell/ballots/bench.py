"""`groundswell bench ballots [--size N] [--minutes T] [--database-url …]`: the count at scale, casting over HTTP.

1. Counts N ballots (default 500,000) over 12 candidates, drawn Plackett–Luce style (candidates of unequal
   appeal, each ballot ranking 1–12 of them), by STV for 3 seats (`count_stv_s`) and by eliminating ballot for
   1 (`count_irv_s`): from the list of ballots, through grouping, to the published rounds.
2. Sets up a ballot whose roll holds one voter per cast, starts gunicorn (as deployed) and casts at
   2,000 ballots a minute through the JSON endpoint for T minutes (default 1), open loop (latency counts from
   each request's due time, so queueing shows). One cast in ten is sent twice at the same moment (a double
   click), and 2% use a forged code. `double_votes` = votes stored beyond one per voter who voted, plus codes
   accepted twice; it must be 0.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.ballots.counting import count
from groundswell.ballots.models import Ballot, Candidate, CastBallot, EligibleVoter
from groundswell.ballots.services import code_hash
from groundswell.loadgen import Pool, RequestFailed, percentile, start_gunicorn, stop_server
from groundswell.people.models import OrganisationUnit, Person

DEFAULT_BALLOTS = 500_000
CANDIDATES = [f"Candidate {chr(65 + i)}" for i in range(12)]
RATE_PER_MINUTE = 2000
DUPLICATE_EVERY = 10
FORGED_EVERY = 50


def random_ballots(n: int, seed: int = 2026) -> list[tuple[str, ...]]:
    """n ballots as preference tuples: Plackett–Luce orders (Gumbel trick) cut to a random length."""
    rng = np.random.default_rng(seed)
    appeal = np.log(rng.uniform(0.2, 1.2, size=len(CANDIDATES)))
    orders = np.argsort(-(appeal + rng.gumbel(size=(n, len(CANDIDATES)))), axis=1)
    lengths = rng.integers(1, len(CANDIDATES) + 1, size=n)
    return [tuple(CANDIDATES[i] for i in orders[row, : lengths[row]]) for row in range(n)]


def _time_count(ballots: list[tuple[str, ...]], method: str, seats: int) -> tuple[float, dict]:
    started = time.perf_counter()
    result = count(CANDIDATES, Counter(ballots), method=method, seats=seats)
    return time.perf_counter() - started, result.as_dict()


def _seed_ballot(voters: int) -> tuple[Ballot, list[str]]:
    unit = OrganisationUnit.objects.create(code="BENCH-CLP", name="Bench CLP", kind="constituency")
    officer = User.objects.create_user(email="bench-ro@example.org", password="bench-password-123")
    RoleAssignment.objects.create(user=officer, role=Role.MEMBER, unit=unit)
    now = timezone.now()
    ballot = Ballot.objects.create(
        unit=unit,
        title="Bench ballot",
        method="stv",
        seats=3,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        returning_officer=officer,
    )
    Candidate.objects.bulk_create(Candidate(ballot=ballot, name=n, position=i) for i, n in enumerate(CANDIDATES, 1))
    people = Person.objects.bulk_create(
        Person(unit=unit, given_name="Voter", family_name=str(i)) for i in range(voters)
    )
    codes = [f"B{i:07d}" for i in range(voters)]  # known to the bench only; the database keeps the hash
    EligibleVoter.objects.bulk_create(
        (
            EligibleVoter(ballot=ballot, person=p, code_hash=code_hash(ballot, c), code_sent_at=now)
            for p, c in zip(people, codes, strict=True)
        ),
        batch_size=2000,
    )
    return ballot, codes


async def _cast_load(port: int, ballot_id: int, codes: list[str], seconds: float) -> dict[str, Any]:
    pool = Pool(port, size=64, timeout=30)
    rate = RATE_PER_MINUTE / 60
    total = int(rate * seconds)
    ballots = random_ballots(total, seed=11)
    latencies: list[float] = []
    statuses: Counter = Counter()
    accepted: Counter = Counter()
    failures = 0
    started = time.perf_counter()
    path = f"/ballots/{ballot_id}/cast.json"

    async def send(code: str, prefs: list[str], due: float) -> None:
        nonlocal failures
        try:
            status, body = await pool.request("cast", "POST", path, {}, {"code": code, "preferences": prefs})
        except RequestFailed:
            failures += 1
            return
        latencies.append(time.perf_counter() - due)
        statuses[status] += 1
        if status == 200:
            accepted[code] += 1

    async def one(i: int) -> None:
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        prefs = list(ballots[i])
        code = codes[i] if i % FORGED_EVERY else f"FORGED{i:06d}"
        if i % DUPLICATE_EVERY == 0:
            await asyncio.gather(send(code, prefs, due), send(code, prefs[::-1], due))
        else:
            await send(code, prefs, due)

    # Warm up every worker before the clock starts: the first request to each imports the count's library
    # (votekit with numba, a few seconds). Concurrent page loads reach both workers.
    for _ in range(3):
        await asyncio.gather(*(pool.request("warm", "GET", f"/ballots/{ballot_id}/vote/", {}) for _ in range(24)))
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(total)))
    elapsed = time.perf_counter() - started
    await pool.close()
    ms = [x * 1000 for x in latencies]
    return {
        "casts_attempted": sum(statuses.values()) + failures,
        "casts_accepted": sum(accepted.values()),
        "elapsed_s": round(elapsed, 1),
        "cast_per_minute": round(sum(accepted.values()) / elapsed * 60, 1),
        "cast_p50_ms": round(percentile(ms, 50), 1),
        "cast_p95_ms": round(percentile(ms, 95), 1),
        "cast_p99_ms": round(percentile(ms, 99), 1),
        "cast_max_ms": round(max(ms), 1) if ms else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unanswered": failures,
        "codes_accepted_twice": sum(1 for n in accepted.values() if n > 1),
    }


def run(
    size: int | None = None, progress: bool = True, minutes: float | None = None, workers: int = 2, threads: int = 4
) -> dict[str, Any]:
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if progress else (lambda *a: None)
    n = size or DEFAULT_BALLOTS
    log(f"drawing {n:,} ballots over {len(CANDIDATES)} candidates…")
    ballots = random_ballots(n)
    stv_s, stv = _time_count(ballots, "stv", 3)
    log(f"STV, 3 seats: {stv_s:.2f} s, elected {stv['elected']}")
    irv_s, irv = _time_count(ballots, "irv", 1)
    log(f"IRV: {irv_s:.2f} s, elected {irv['elected']}")
    seconds = (minutes or 1) * 60
    casts = int(RATE_PER_MINUTE / 60 * seconds)
    ballot, codes = _seed_ballot(casts)
    proc, port = start_gunicorn(workers, threads)
    try:
        log(f"casting at {RATE_PER_MINUTE}/minute for {seconds:g} s over HTTP (gunicorn {workers}×{threads})…")
        load = asyncio.run(_cast_load(port, ballot.pk, codes, seconds))
    finally:
        stop_server(proc)
    stored = CastBallot.objects.filter(ballot=ballot).count()
    voted = EligibleVoter.objects.filter(ballot=ballot, voted=True).count()
    return {
        "ballots_counted": n,
        "distinct_ballots": len(set(ballots)),
        "count_stv_s": round(stv_s, 2),
        "count_irv_s": round(irv_s, 2),
        "stv_elected": stv["elected"],
        "stv_rounds": len(stv["rounds"]),
        "irv_elected": irv["elected"],
        "irv_rounds": len(irv["rounds"]),
        **load,
        "votes_stored": stored,
        "voters_marked_voted": voted,
        "double_votes": (stored - voted) + load["codes_accepted_twice"],
        "server": f"gunicorn gthread {workers}×{threads}",
    }
