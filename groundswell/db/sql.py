"""Prepared SQL: hand-written statements on a hot path (the phonebank's queue), run the same way on both databases.

PostgreSQL: a server-side-bound, prepared statement (psycopg prepares it once per connection; planning the claim
each time would cost more than running it). SQLite: Django's cursor, with datetimes turned into the naive UTC
text Django stores (so comparisons in SQL order correctly) and JSON as text.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connections
from psycopg.types.json import Jsonb


def _sqlite_params(conn: Any, values: Sequence[Any]) -> list[Any]:
    out = []
    for v in values:
        if isinstance(v, datetime.datetime):
            v = conn.ops.adapt_datetimefield_value(v)
        elif isinstance(v, dict | list):
            v = json.dumps(v)
        out.append(v)
    return out


def fetchone(sql: str, values: Sequence[Any], using: str = "default") -> tuple | None:
    """Run `sql` with `values` (prepared once per connection on PostgreSQL); the first row, or None."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        values = [Jsonb(v) if isinstance(v, dict | list) else v for v in values]
        with _pg_cursor(conn) as cursor:
            cursor.execute(sql, values, prepare=True)
            return cursor.fetchone()
    with conn.cursor() as cursor:
        cursor.execute(sql, _sqlite_params(conn, values))
        return cursor.fetchone()


def fetchall(sql: str, values: Sequence[Any], using: str = "default") -> list[tuple]:
    """Run `sql` with `values` (prepared once per connection on PostgreSQL); every row."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        with _pg_cursor(conn) as cursor:
            cursor.execute(sql, values, prepare=True)
            return cursor.fetchall()
    with conn.cursor() as cursor:
        cursor.execute(sql, _sqlite_params(conn, values))
        return cursor.fetchall()


def json_param(value: dict | list) -> Any:
    """A JSON value as a statement parameter (jsonb on PostgreSQL, text on SQLite) for `execute`, which passes
    lists through as arrays."""
    return Jsonb(value) if connections["default"].vendor == "postgresql" else value


def execute(sql: str, values: Sequence[Any], using: str = "default") -> int:
    """Run a statement that returns no rows (lists are arrays, for `= ANY(%s)`); the number of rows it changed."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        with _pg_cursor(conn) as cursor:
            cursor.execute(sql, values, prepare=True)
            return cursor.rowcount
    with conn.cursor() as cursor:
        cursor.execute(sql, _sqlite_params(conn, values))
        return cursor.rowcount


@contextmanager
def _pg_cursor(conn: Any) -> Iterator[Any]:
    conn.ensure_connection()
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
        yield cursor
