"""Load for the HTTP benchmarks (phonebank, events, telling): the app server they start, and a small asyncio
HTTP/1.1 load generator.

Tens of thousands of simulated callers share a pool of keep-alive connections to the app server, as they would
share a load balancer's. A hand-written client keeps the generator's own CPU use low (it shares the two cores
with the server and the database), so the figures describe the app, not the client.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


# ------------------------------------------------------------------------------------------ page timings


def time_pages(client: Any, url: str, runs: int) -> list[float]:
    """Seconds for each of `runs` GETs of `url` through a Django test client (the whole stack: middleware, the
    view, the template), for the benches that time a page; anything but 200 stops the bench."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return times


# ------------------------------------------------------------------------------------------ the server


def free_port() -> int:
    """A TCP port on HOST that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_serving(proc: subprocess.Popen, port: int, what: str, timeout: float = 60) -> None:
    """Return once `proc` answers GET /healthz on `port`; kill it and raise if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{what} did not start within {timeout:g} s")


def start_gunicorn(workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    """The project under gunicorn (gthread, as deployed) on a free port, in its own process group, on the
    database `groundswell bench` chose (DATABASE_URL is inherited)."""
    port = free_port()
    env = dict(
        os.environ,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="groundswell.settings.development",
    )
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "groundswell.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "75",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    wait_until_serving(proc, port, "gunicorn")
    return proc, port


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group; SIGKILL it if it has not gone in 20 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# ------------------------------------------------------------------------------------------ the load


class RequestFailed(Exception):
    """No HTTP answer (connection refused or reset, timeout)."""


@dataclass
class EndpointStats:
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # no answer at all
    sent_at: list[float] = field(default_factory=list)


class Pool:
    """Keep-alive connections to one server; at most `size` requests in flight."""

    def __init__(self, port: int, size: int, timeout: float = 30.0) -> None:
        self.port = port
        self.size = size
        self.timeout = timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(size)
        self.stats: dict[str, EndpointStats] = {}

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

    async def _exchange(self, conn, raw: bytes) -> tuple[int, bytes, bool]:
        reader, writer = conn
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split()[1])
        length = None
        keep = True
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                keep = False
        body = await reader.readexactly(length) if length is not None else await reader.read()
        if length is None:
            keep = False
        return status, body, keep

    async def request(
        self, name: str, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, Any]:
        """One request (retried once on a stale keep-alive connection). Returns (status, parsed JSON or None)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        raw = head.encode() + b"\r\n" + data
        stats = self.stats.setdefault(name, EndpointStats())
        async with self.slots:
            for attempt in range(2):
                reused = bool(self.idle)
                started = time.perf_counter()
                try:
                    conn = self.idle.pop() if reused else await asyncio.open_connection(HOST, self.port)
                    status, payload, keep = await asyncio.wait_for(self._exchange(conn, raw), self.timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                    try:
                        conn[1].close()  # type: ignore[possibly-undefined]
                    except Exception:  # noqa: BLE001 - the connection is gone either way
                        pass
                    if reused and attempt == 0:
                        continue  # the server closed an idle connection: try once on a fresh one
                    stats.failures += 1
                    raise RequestFailed(str(exc) or type(exc).__name__) from None
                elapsed = time.perf_counter() - started
                stats.latencies.append(elapsed)
                stats.sent_at.append(started)
                stats.statuses[status] = stats.statuses.get(status, 0) + 1
                if keep:
                    self.idle.append(conn)
                else:
                    conn[1].close()
                try:
                    parsed = json.loads(payload) if payload else None
                except ValueError:
                    parsed = None
                return status, parsed
        raise RequestFailed("unreachable")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
