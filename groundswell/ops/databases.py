"""Consistent copies of the database and loading them back, per engine.

PostgreSQL: `pg_dump -Fc` in a snapshot exported from a REPEATABLE READ transaction, and the manifest's row
counts and migration list are read in that same snapshot, so they describe exactly what the dump holds.
`pg_restore --single-transaction` loads it, so a failed restore leaves the target as empty as it was.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent image while the app runs;
the counts are read from the copy. Restoring runs the same API the other way, into the target file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

# libpq connection options Django's OPTIONS may carry that pg_dump/pg_restore understand as well.
LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "options",
    "application_name",
    "connect_timeout",
    "target_session_attrs",
    "passfile",
    "service",
)
PG_USER_TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
ORDER BY 1, 2
"""
SQLITE_USER_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
)


class RestoreRefused(Exception):
    """The target cannot take this backup (not empty, wrong engine, tool missing); nothing was written."""


class DatabaseToolFailed(Exception):
    """The database could not be reached, or pg_dump/pg_restore exited with an error."""


@dataclass
class DatabaseCopy:
    vendor: str
    path: Path
    row_counts: dict[str, int]
    migrations: list[tuple[str, str]]
    versions: dict[str, str] = field(default_factory=dict)


def vendor_of(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise RestoreRefused(f"Backups support PostgreSQL and SQLite, not {engine}")


# ---- PostgreSQL -----------------------------------------------------------------------------------------------


def _pg_params(settings_dict: dict[str, Any]) -> dict[str, str]:
    params = {
        "dbname": settings_dict.get("NAME") or "",
        "user": settings_dict.get("USER") or "",
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
    }
    options = settings_dict.get("OPTIONS") or {}
    params.update({k: str(options[k]) for k in LIBPQ_OPTIONS if k in options})
    return {k: v for k, v in params.items() if v}


def _pg_connect(settings_dict: dict[str, Any], autocommit: bool = True) -> psycopg.Connection:
    password = settings_dict.get("PASSWORD") or None
    try:
        return psycopg.connect(**_pg_params(settings_dict), password=password, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        name = settings_dict.get("NAME")
        raise DatabaseToolFailed(f"Cannot connect to the PostgreSQL database {name}: {str(exc).strip()}") from exc


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise RestoreRefused(f"{name} is not installed (Debian/Ubuntu: apt install postgresql-client)")
    return path


def _pg_tool_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The tool's environment: the password goes here, never on the command line where `ps` shows it."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def _pg_conninfo(settings_dict: dict[str, Any]) -> str:
    return psycopg.conninfo.make_conninfo(**_pg_params(settings_dict))


def _tool_version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _pg_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for schema, table in conn.execute(PG_USER_TABLES).fetchall():
        name = table if schema == "public" else f"{schema}.{table}"
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[name] = conn.execute(query).fetchone()[0]
    return counts


def _pg_migrations(conn: psycopg.Connection) -> list[tuple[str, str]]:
    exists = conn.execute("SELECT to_regclass('django_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return []
    return [tuple(row) for row in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]


def dump_postgresql(settings_dict: dict[str, Any], dest: Path) -> DatabaseCopy:
    pg_dump = _pg_tool("pg_dump")
    with _pg_connect(settings_dict, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}"]
        command.append(f"--dbname={_pg_conninfo(settings_dict)}")
        # The transaction stays open until pg_dump exits: the snapshot lives only as long as it does. Its
        # messages go to a file, not a pipe nobody reads while the counts run.
        with tempfile.TemporaryFile(mode="w+") as log:
            dump = subprocess.Popen(command, env=_pg_tool_env(settings_dict), stderr=log)
            try:
                counts = _pg_counts(conn)
                migrations = _pg_migrations(conn)
                server = conn.execute("SHOW server_version").fetchone()[0]
            finally:
                dump.wait()
            log.seek(0)
            errors = log.read()
        conn.execute("COMMIT")
    if dump.returncode != 0:
        raise DatabaseToolFailed(f"pg_dump failed (exit {dump.returncode}): {errors.strip()}")
    versions = {"postgresql_server": server, "pg_dump": _tool_version(pg_dump)}
    return DatabaseCopy("postgresql", dest, counts, migrations, versions)


def postgresql_tables(settings_dict: dict[str, Any]) -> list[str]:
    with _pg_connect(settings_dict) as conn:
        return [f"{schema}.{table}" for schema, table in conn.execute(PG_USER_TABLES).fetchall()]


def restore_postgresql(settings_dict: dict[str, Any], dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    command = [
        pg_restore,
        "--single-transaction",  # all or nothing
        "--exit-on-error",
        "--no-owner",  # objects belong to whoever restores, whatever role made the backup
        "--no-privileges",
        f"--dbname={_pg_conninfo(settings_dict)}",
        str(dump),
    ]
    result = subprocess.run(command, env=_pg_tool_env(settings_dict), capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseToolFailed(
            f"pg_restore failed (exit {result.returncode}); nothing was restored: {result.stderr.strip()}"
        )


def postgresql_counts(settings_dict: dict[str, Any]) -> dict[str, int]:
    with _pg_connect(settings_dict) as conn:
        return _pg_counts(conn)


# ---- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [row[0] for row in conn.execute(SQLITE_USER_TABLES)]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # names from the schema


def _sqlite_migrations(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
        return []
    return [tuple(row) for row in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]


@contextmanager
def _sqlite_file(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path)
    try:
        yield conn
    finally:
        conn.close()


def dump_sqlite(source: sqlite3.Connection, dest: Path) -> DatabaseCopy:
    """Copy the open database `source` (Django's own connection, so in-memory test databases work too)."""
    with _sqlite_file(dest) as copy:
        source.backup(copy)
        counts = _sqlite_counts(copy)
        migrations = _sqlite_migrations(copy)
    return DatabaseCopy("sqlite", dest, counts, migrations, {"sqlite": sqlite3.sqlite_version})


def sqlite_target(settings_dict: dict[str, Any]) -> Path:
    name = str(settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise RestoreRefused("Cannot restore into an in-memory SQLite database; set DATABASE_URL=sqlite:///PATH")
    return Path(name)


def sqlite_tables(settings_dict: dict[str, Any]) -> list[str]:
    path = sqlite_target(settings_dict)
    if not path.exists() or path.stat().st_size == 0:
        return []
    with _sqlite_file(path) as conn:
        return [row[0] for row in conn.execute(SQLITE_USER_TABLES)]


def restore_sqlite(settings_dict: dict[str, Any], dump: Path) -> None:
    target = sqlite_target(settings_dict)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _sqlite_file(dump) as source, _sqlite_file(target) as dest:
        source.backup(dest)  # one step, under the destination's write lock: all or nothing


def sqlite_counts(settings_dict: dict[str, Any]) -> dict[str, int]:
    with _sqlite_file(sqlite_target(settings_dict)) as conn:
        return _sqlite_counts(conn)


# ---- by engine ------------------------------------------------------------------------------------------------


def tables_in(settings_dict: dict[str, Any]) -> list[str]:
    if vendor_of(settings_dict) == "postgresql":
        return postgresql_tables(settings_dict)
    return sqlite_tables(settings_dict)


def load_into(settings_dict: dict[str, Any], dump: Path) -> None:
    if vendor_of(settings_dict) == "postgresql":
        restore_postgresql(settings_dict, dump)
    else:
        restore_sqlite(settings_dict, dump)


def row_counts(settings_dict: dict[str, Any]) -> dict[str, int]:
    if vendor_of(settings_dict) == "postgresql":
        return postgresql_counts(settings_dict)
    return sqlite_counts(settings_dict)


@contextmanager
def fresh_database(settings_dict: dict[str, Any], prefix: str = "gs_restore") -> Iterator[dict[str, Any]]:
    """A new, empty database beside `settings_dict`'s (same PostgreSQL server, or a temporary SQLite file),
    dropped afterwards: for restore drills and the backup bench."""
    target = dict(settings_dict)
    if vendor_of(settings_dict) == "sqlite":
        with tempfile.TemporaryDirectory(prefix=prefix + "-") as directory:
            target["NAME"] = str(Path(directory) / "restored.sqlite3")
            yield target
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = {**settings_dict, "NAME": "postgres"}
    with _pg_connect(admin) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target["NAME"] = name
    try:
        yield target
    finally:
        with _pg_connect(admin) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
