"""Bulk inserts for the importer that skip the ORM's per-value SQL compilation.

bulk_create spends most of its time preparing each value of each object (~4 µs a value); an import of 100,000
people writes about a million rows, so that alone would blow the 60-second budget. Here rows are plain tuples,
values are converted once per column type, and the database's fast path does the rest: COPY on PostgreSQL,
executemany of one prepared INSERT on SQLite.

Only for simple column types (text, numbers, booleans, dates, datetimes, JSON) on models without save()
side effects — the same contract as bulk_create, which also skips save() and signals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _column(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def _converter(field: models.Field):
    """Python value → what the driver expects, decided once per column."""
    if connection.vendor == "postgresql":
        if isinstance(field, models.JSONField):
            return lambda v: None if v is None else json.dumps(v)
        return None  # psycopg's COPY dumpers handle str/int/float/bool/date/datetime/None natively
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(field, models.DateTimeField):
        return lambda v: connection.ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    return None


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys so children can be written before/without reading the parents back.

    PostgreSQL: draws from the table's identity sequence (safe with concurrent writers). SQLite: the import runs
    in one write transaction (BEGIN IMMEDIATE, see settings), so nobody else can insert between reading the
    highest id and using the ones after it.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":  # pragma: no cover - only the two supported databases
            raise NotImplementedError(connection.vendor)
        cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')  # noqa: S608 - names come from model meta
        highest = cursor.fetchone()[0] or 0
        # AUTOINCREMENT never reuses ids of deleted rows; sqlite_sequence remembers the highest ever issued.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT rows (tuples in `fields` order; ForeignKeys by id under their field name). Returns the count."""
    columns = [_column(model, name) for name in fields]
    converters = [(i, c) for i, c in enumerate(_converter(f) for f in columns) if c is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)

    def converted() -> Iterable[Sequence[Any]]:
        if not converters:
            yield from rows
            return
        for row in rows:
            row = list(row)
            for i, convert in converters:
                row[i] = convert(row[i])
            yield row

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in converted():
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            batch: list[Sequence[Any]] = []
            sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
            for row in converted():
                batch.append(row)
                if len(batch) >= 10_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count
