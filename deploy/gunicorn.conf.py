"""gunicorn settings for Groundswell: `gunicorn -c deploy/gunicorn.conf.py` (the app, bind and workers come
from here and the environment; see deploy/README.md)."""

import multiprocessing
import os
from pathlib import Path

from prometheus_client import multiprocess

wsgi_app = "groundswell.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: each request holds one database connection for its length; 2 × cores + 1 is gunicorn's advice.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # imports and exports run as tasks, not requests
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage; the jitter stops them all going at once.
max_requests = 2000
max_requests_jitter = 200
# The proxy in front (Caddy, nginx) sets X-Forwarded-For/-Proto; trust them only from it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # the proxy logs requests; /metrics counts them
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "groundswell-web"

# Prometheus: each worker process writes its request counts to files here and /metrics adds them up.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    """Before any worker starts: an empty metrics directory (files left by a previous run would be summed in)."""
    if _metrics_dir:
        path = Path(_metrics_dir)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that exits (recycled, killed) leaves its counters; mark its live gauges dead."""
    if _metrics_dir:
        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    """A worker stopping (recycled by max_requests, or the server shutting down) puts the phonebank contacts it
    was holding for its callers back in the queue at once (a killed worker's come back when their blocks end)."""
    # Imported here: this file is read by the master before Django is set up.
    from groundswell.phonebank import leasing  # noqa: PLC0415

    leasing.release_all()
