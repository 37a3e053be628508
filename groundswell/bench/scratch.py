"""Benchmarks run in a scratch database of their own, created on the chosen server and dropped after."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.db import connections


def prepare_scratch_database(url: str | None) -> str:
    """Return the URL of a new, empty database on the same server as `url` (SQLite when None)."""
    if not url or url.startswith("sqlite"):
        directory = tempfile.mkdtemp(prefix="gsbench-")
        atexit.register(shutil.rmtree, directory, True)
        return f"sqlite:///{os.path.join(directory, 'bench.sqlite3')}"
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database-url must be sqlite:///… or postgres://…, not {url!r}")

    parts = urlsplit(url)
    name = f"gsbench_{uuid.uuid4().hex[:10]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{name}"))
