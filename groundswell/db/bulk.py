"""Raw bulk writes for imports: INSERT and UPDATE many rows without the ORM's per-value SQL compilation.

bulk_create spends most of its time preparing each value of each object (~4 µs a value); an import of 100,000
people writes about a million rows, so that alone would blow the 60-second budget. Here rows are plain tuples,
values are converted once per column type, and the database's fast path does the rest: COPY on PostgreSQL,
executemany of one prepared statement on SQLite.

Django's bulk_update builds one CASE WHEN per field per batch, which costs seconds for tens of thousands of
rows; a full re-import can touch every elector (register order, markers). update_rows instead runs one prepared
UPDATE with executemany on SQLite, and COPY into a temporary table + one UPDATE … FROM on PostgreSQL.

Only for simple column types (text, numbers, booleans, dates, datetimes, JSON) on models without save()
side effects — the same contract as bulk_create / bulk_update, which also skip save() and signals.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

CHUNK = 900  # ids per IN (...) list: under SQLite's bound-parameter limit on every build


def chunked(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """Slices of at most `size` items, to keep IN (...) lists under the database's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def value_converter(field: models.Field) -> Callable[[Any], Any] | None:
    """Python value → what the driver expects, decided once per column (None: pass values through)."""
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
    columns = [model._meta.get_field(name) for name in fields]
    converters = [(i, c) for i, c in enumerate(value_converter(f) for f in columns) if c is not None]
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


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """UPDATE rows given as (pk, value1, value2, …) tuples in `fields` order. Returns the number of rows."""
    if not rows:
        return 0
    columns = [model._meta.get_field(name) for name in fields]
    converters = [(i + 1, c) for i, c in enumerate(value_converter(f) for f in columns) if c is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    quoted = [connection.ops.quote_name(f.column) for f in columns]

    def converted() -> Iterable[Sequence[Any]]:
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield row

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"_upd_{uuid.uuid4().hex[:12]}"
            types = ", ".join(
                f"{q} {f.db_type(connection).replace('serial', 'integer')}"
                for q, f in zip(quoted, columns, strict=True)
            )
            pk_type = "bigint"
            cursor.execute(f"CREATE TEMP TABLE {temp} (_pk {pk_type}, {types})")
            with cursor.copy(f"COPY {temp} (_pk, {', '.join(quoted)}) FROM STDIN") as copy:
                for row in converted():
                    copy.write_row(row)
            assignments = ", ".join(f"{q} = u.{q}" for q in quoted)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {temp} u WHERE {table}.{pk} = u._pk")  # noqa: S608
            cursor.execute(f"DROP TABLE {temp}")
        else:
            assignments = ", ".join(f"{q} = %s" for q in quoted)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from model meta
            cursor.executemany(sql, [(*row[1:], row[0]) for row in converted()])
    return len(rows)


def insert_with_defaults(model: type[models.Model], given: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """`insert_rows` for seeding (the benchmarks): `rows` give values for the `given` columns, and every other
    concrete column gets its model default (now for auto_now fields, '' for a non-null text field without one),
    which a raw insert would otherwise leave to the database."""
    names, values = [], []
    now = timezone.now()
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in given:
            continue
        value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        if value is None and not f.null and isinstance(f, models.CharField | models.TextField):
            value = ""
        names.append(f.name)
        values.append(value)
    return insert_rows(model, [*given, *names], (tuple(r) + tuple(values) for r in rows))
